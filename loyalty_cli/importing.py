"""CSV import of members and purchases: every valid row in one transaction, bad rows set aside.

A re-run of the same file imports nothing twice: a purchase whose receipt is already
recorded for the same card and amount is skipped, and so is a member whose card (or phone)
is already enrolled under the same name.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import cards, clock, files, members, points, spreadsheet, text_fields, timeline
from .errors import InvalidInput, LoyaltyError
from .money import parse_amount, to_text
from .shop import Shop

PURCHASE_COLUMNS = ("card", "amount", "receipt", "at")
MEMBER_COLUMNS = ("name",)

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Rejected:
    """A row that was not imported, and why."""

    line: int
    row: dict
    reason: str


@dataclass
class ImportResult:
    """What an import did with each row of the file."""

    what: str
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "what": self.what,
            "rows": self.rows,
            "imported": self.imported,
            "skipped": self.skipped,
            "rejected": len(self.rejected),
        }


def read_rows(path: Path, required: Iterable[str]) -> tuple[list[str], list[dict]]:
    """The header and the rows of a CSV file (UTF-8, with or without BOM)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            rows = list(reader)
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(f"{path} lacks the column(s) {', '.join(missing)} in its header row")
    return header, rows


def import_purchases(
    shop: Shop,
    rows: list[dict],
    *,
    now: clock.Clock,
    operator: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Record every valid purchase row, oldest first; skip re-imports, reject the rest.

    The rows are consumed: the list is emptied once they are checked, so that a large file
    does not stay in memory beside the entries made from it.
    """
    result = ImportResult("purchases", rows=len(rows))
    tz = shop.programme().tz
    accepted: list[tuple[datetime, int, str, object, str, str | None]] = []
    in_file: dict[str, tuple[str, str]] = {}
    working: dict[str, dict] = {}
    stores: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):
        try:
            card, amount, receipt, at = _purchase_row(shop, row, now, tz, working)
        except LoyaltyError as error:
            result.rejected.append(Rejected(line, row, str(error)))
            continue
        key = (card, to_text(amount))
        earlier = [e for e in shop.ledger.by_receipt(receipt) if e.kind == "earn"]
        if earlier:
            if (earlier[0].card, earlier[0].amount) == key:
                result.skipped += 1
            else:
                result.rejected.append(
                    Rejected(line, row, f"receipt {receipt} is already recorded with other data")
                )
            continue
        if receipt in in_file:
            result.rejected.append(Rejected(line, row, f"receipt {receipt} appears twice in the file"))
            continue
        in_file[receipt] = key
        store = row.get("store") or None
        accepted.append((at, line, receipt, amount, card, stores.setdefault(store, store) if store else None))
    rows.clear()
    in_file.clear()
    accepted.sort(key=lambda item: (item[0], item[1]))
    for at, _line, receipt, amount, card, store in accepted:
        points.earn(shop, working[card], amount, at=at, operator=operator, receipt=receipt, store=store)
        result.imported += 1
        if progress:
            progress(1)
    if progress:
        progress(result.rows - result.imported)
    return result


def _purchase_row(shop: Shop, row: dict, now: clock.Clock, tz, working: dict):
    card = cards.normalise(row.get("card") or "")
    member = working.get(card)
    if member is None:
        member = shop.members.get(card)
        if member is None:
            raise InvalidInput(f"unknown card {row.get('card')!r}")
        working[card] = member
    members.require_active(member)
    amount = parse_amount(row.get("amount") or "")
    receipt = text_fields.clean(row.get("receipt") or "", "receipt")
    text_fields.clean(row.get("store"), "store")
    if not receipt:
        raise InvalidInput("the receipt is empty")
    at = clock.parse_at(row.get("at") or "", now, tz) if row.get("at") else now.now
    timeline.require_enrolled_by(member, at, "a purchase")
    return card, amount, receipt, at


def import_members(
    shop: Shop,
    rows: list[dict],
    *,
    now: clock.Clock,
    operator: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Enrol every valid member row; rows already enrolled (same card or phone, same name) are skipped."""
    result = ImportResult("members", rows=len(rows))
    tz = shop.programme().tz
    for line, row in enumerate(rows, start=2):
        try:
            if _already_enrolled(shop, row):
                result.skipped += 1
            else:
                at = clock.parse_at(row["enrolled_at"], now, tz) if row.get("enrolled_at") else now.now
                members.enroll(
                    shop,
                    name=row.get("name") or "",
                    at=at,
                    phone=row.get("phone") or None,
                    email=row.get("email") or None,
                    birthday=row.get("birthday") or None,
                    card=row.get("card") or None,
                    consent=(row.get("consent") or "").strip().lower() in ("1", "yes", "true", "y"),
                    operator=operator,
                )
                result.imported += 1
        except LoyaltyError as error:
            result.rejected.append(Rejected(line, row, str(error)))
        if progress:
            progress(1)
    return result


def _already_enrolled(shop: Shop, row: dict) -> bool:
    name = " ".join((row.get("name") or "").split())
    existing = None
    if row.get("card"):
        existing = shop.members.get(cards.normalise(row["card"]))
    elif row.get("phone"):
        from . import phones

        phone = phones.try_normalise(row["phone"], shop.programme().region)
        existing = shop.members.by_phone(phone) if phone else None
    return existing is not None and existing["name"] == name


def write_rejects(path: Path, header: list[str], rejected: list[Rejected]) -> None:
    """The rejected rows as CSV: the original columns, then the line number and the reason.

    Cells are escaped like every CSV the tool writes, so a rejected `=...` name cannot run
    as a formula when the file is opened in a spreadsheet.
    """
    with files.text_output(path) as handle:  # never opened in place: see files.py
        writer = csv.writer(handle)
        writer.writerow([*header, "line", "reason"])
        for item in rejected:
            cells = [_reject_cell(h, item.row.get(h)) for h in header]
            writer.writerow([*cells, item.line, spreadsheet.safe_cell(item.reason)])


def _reject_cell(column: str, value):
    if column == "amount":
        return spreadsheet.number_cell(value)
    return spreadsheet.safe_cell(value)
