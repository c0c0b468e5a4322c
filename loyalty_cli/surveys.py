"""Survey answers (NPS): how likely a member is to recommend the shop, from 0 to 10.

An answer is recorded at the till or in the back office (`nps record`), or comes in with
the other answers of a survey from a survey tool's or a spreadsheet's CSV (`nps import`).
Answers are appended, never edited; a member's erasure drops the comments of theirs.

An import goes like the other imports (importing.py): the valid rows are recorded in one
transaction and every bad row is set aside with its line and the reason, for the command
to name them all (and write them to --rejects, or record nothing with --strict). Each
imported answer keeps a `ref`: the file's response id when it has one, otherwise a digest
of the row's card, score, moment and store as written, so the same file imported again
(or a later export that repeats the earlier answers, or the rejected rows once fixed)
never counts an answer twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from loyalty_cli import card_moves, cards, clock, members, text_fields, timeline
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import N_, _
from loyalty_cli.reporting import csv_input
from loyalty_cli.storage.unit_of_work import Shop

if TYPE_CHECKING:  # an import loads the rules of the other imports only when it runs
    from loyalty_cli.importing import Rejected

LOWEST, HIGHEST = 0, 10
# Survey comments run longer than the other fields people type.
COMMENT_LIMIT = 1000
# The field names refusals use, here so that they are translated.
COMMENT = N_("comment")
ANSWER = N_("a survey answer")
RESPONSE_ID = N_("response id")
_WHOLE = re.compile(r"[0-9]{1,2}")
# The columns a rejects file adds after the file's own (importing.write_rejects).
REJECTS_COLUMNS = ("line", "reason")

# The columns an import understands, each under the names survey tools and spreadsheets
# give it (compared in lower case); the first found is used.
COLUMNS = {
    "card": ("card", "card number", "member", "customer"),
    "phone": ("phone", "phone number", "mobile"),
    "score": ("score", "nps", "rating", "answer"),
    "comment": ("comment", "comments", "feedback", "reason"),
    "at": ("at", "date", "timestamp", "submitted at", "submitted", "time", "end date"),
    "store": ("store", "shop"),
    # A survey tool's id of the answer, unique across its surveys (a plain row number would not be).
    "ref": ("ref", "response id", "response_id", "respondent id"),
}


def parse_score(text: object) -> int:
    """A score as typed or as a cell holds it: a whole number from 0 to 10, or InvalidInput."""
    raw = str(text).strip()
    if not _WHOLE.fullmatch(raw) or int(raw) > HIGHEST:
        raise InvalidInput(_("the score must be a whole number from 0 to 10, not {text!r}").format(text=raw))
    return int(raw)


@dataclass(frozen=True)
class Answer:
    """An answer as stored, and the member who gave it."""

    doc: dict
    member: dict


def record(
    shop: Shop,
    member_ref: str,
    score: int,
    *,
    at: datetime,
    operator: str,
    comment: str | None = None,
    store: str | None = None,
) -> Answer:
    """Record one member's answer (already a whole number 0-10) as of `at`."""
    member = find_member(shop, member_ref)
    doc = answer(shop, member, check_score(score), at=at, operator=operator, comment=comment, store=store)
    doc["source"] = "record"
    shop.answers.add(doc)
    return Answer(doc, member)


def find_member(shop: Shop, member_ref: str) -> dict:
    """The member who may answer: known, not erased, not closed, not merged into another card."""
    member = members.find(shop, member_ref)
    if member.get("erased_at"):
        raise Refused(
            _("member {card}'s personal data was erased; no answer is recorded for it").format(
                card=member["card"]
            )
        )
    if member.get("merged_into") or member["status"] == "closed":
        members.require_active(member)  # names the card merged into, or says it is closed
    return member


def check_score(score: int) -> int:
    """The score itself, when it is a whole number from 0 to 10."""
    if isinstance(score, bool) or not isinstance(score, int) or not LOWEST <= score <= HIGHEST:
        raise InvalidInput(
            _("the score must be a whole number from 0 to 10, not {text!r}").format(text=str(score))
        )
    return score


def answer(
    shop: Shop,
    member: dict,
    score: int,
    *,
    at: datetime,
    operator: str,
    comment: str | None,
    store: str | None,
) -> dict:
    """The stored form of an answer, its text fields checked and its date after the enrolment."""
    comment = text_fields.clean(comment, COMMENT, limit=COMMENT_LIMIT)
    store = text_fields.clean(store, "store")
    timeline.require_enrolled_by(shop, member, at, ANSWER)
    doc = {"at": clock.iso(at), "card": member["card"], "score": score, "operator": operator}
    if comment:
        doc["comment"] = comment
    if store:
        doc["store"] = store
    return doc


@dataclass
class Imported:
    """What an import did: the rows of the file, the answers added, those already there and
    the rows rejected (in line order)."""

    rows: int = 0
    imported: int = 0
    skipped: int = 0
    answers: list[dict] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "skipped": self.skipped,
            "rejected": len(self.rejected),
        }


def read_sheet(path, encoding: str | None = None) -> csv_input.Sheet:
    """A survey's CSV file, its comments allowed to run over several lines; InvalidInput when it
    cannot be read or lacks a column for the member or for the score."""
    sheet = csv_input.read(path, (), encoding, cells_over_lines=True)
    found = columns(sheet.columns)
    if "card" not in found and "phone" not in found:
        raise InvalidInput(
            _("{path} needs a column naming the member: card or phone (it has: {found})").format(
                path=path, found=", ".join(sheet.header) or _("nothing")
            )
        )
    if "score" not in found:
        raise InvalidInput(
            _("{path} needs a column with the score: score, nps or rating (it has: {found})").format(
                path=path, found=", ".join(sheet.header) or _("nothing")
            )
        )
    return sheet


def columns(names: list[str]) -> dict[str, str]:
    """Which column of the file holds each field an import understands. A rejects file
    (--rejects) ends in `line` and `reason`: the import's, not the survey's, so its
    `reason` is never taken for a comment."""
    if list(names[-2:]) == list(REJECTS_COLUMNS):
        names = names[:-2]
    found = {}
    for role, candidates in COLUMNS.items():
        for candidate in candidates:
            if candidate in names:
                found[role] = candidate
                break
    return found


def import_answers(shop: Shop, sheet: csv_input.Sheet, *, now: clock.Clock, operator: str) -> Imported:
    """Add every valid answer of the file that is not already recorded, oldest first; reject
    every bad row (an unknown or erased member, a score that is not 0-10, a date in the
    future ...) with its line and the reason."""
    from loyalty_cli.importing import Rejected

    roles = columns(sheet.columns)
    known = {doc["ref"] for doc in shop.answers.all() if doc.get("ref")}
    tz = shop.programme().tz
    result = Imported(rows=sheet.size)
    result.rejected.extend(Rejected(bad.line, bad.row, bad.reason) for bad in sheet.bad_lines)
    for line, row in sheet.rows:
        cells = {role: str(row.get(column) or "") for role, column in roles.items()}
        try:
            ref = text_fields.clean(cells.get("ref"), RESPONSE_ID) or row_digest(
                _member_key(shop, cells), cells
            )
            if ref in known:
                result.skipped += 1
                continue
            doc = _answer_of_row(shop, cells, now=now, tz=tz, operator=operator)
        except (Refused, InvalidInput) as error:  # a damaged file (exit 3) stays what it is
            result.rejected.append(Rejected(line, row, str(error)))
            continue
        known.add(ref)
        result.answers.append({**doc, "source": "import", "ref": ref})
    result.answers.sort(key=lambda doc: doc["at"])
    for doc in result.answers:
        shop.answers.add(doc)
    result.imported = len(result.answers)
    result.rejected.sort(key=lambda item: item.line)
    return result


def row_digest(card: str, cells: dict[str, str]) -> str:
    """The ref of a row without a response id: a digest of the member's card, the score, the
    moment and the store as written, so that the same row read again, from this file or a
    later export, has the same ref. Never of the comment or a phone: a ref holds no personal
    data, and outlives an erasure unchanged."""
    parts = [card, *(" ".join(cells.get(role, "").split()) for role in ("score", "at", "store"))]
    return "row:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def _member_key(shop: Shop, cells: dict[str, str]) -> str:
    """The card a row names: as written when it is a card (also one replaced since), or the
    card of the member whose phone it holds."""
    who = cells.get("card", "").strip() or cells.get("phone", "").strip()
    if not who:
        raise InvalidInput(_("the row names no member (its card and phone are empty)"))
    card = cards.normalise(who)
    if card and (card in shop.members or card_moves.moved_to(shop, card)):
        return card
    return members.find(shop, who)["card"]


def _answer_of_row(shop: Shop, cells: dict[str, str], *, now: clock.Clock, tz, operator: str) -> dict:
    member = find_member(shop, cells.get("card", "").strip() or cells.get("phone", "").strip())
    score = parse_score(cells.get("score", ""))
    at = clock.parse_sheet_moment(cells["at"], now, tz) if cells.get("at", "").strip() else now.now
    return answer(
        shop,
        member,
        score,
        at=at,
        operator=operator,
        comment=cells.get("comment") or None,
        store=cells.get("store") or None,
    )
