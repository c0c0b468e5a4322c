"""`import members`: a shop's customer list, also one migrated from another system.

A re-run imports nobody twice. A row is the member already enrolled when its card (or,
without a card, its phone) names a member of the same name; a row with neither is the
member of the same name with the same e-mail or birthday. A row that shares only the name
with a member is rejected as a possible duplicate unless duplicates are allowed.

Imported members get no welcome bonus unless asked. The optional columns `points` (an
opening balance) and `spend_12m` (for the tier) become one `opening` entry each, dated at
the import: the points expire like points earned that month, and the spend counts for the
tier window as spend of that day. The optional column `language` (en, lv, ru) is the
member's language; without it, the programme's.
"""

from __future__ import annotations

from collections import defaultdict

from loyalty_cli import card_moves, cards, clock, lots, members, phones, points, projection, tiers
from loyalty_cli.errors import InvalidInput, LoyaltyError
from loyalty_cli.importing import ImportResult, Progress, Rejected, start
from loyalty_cli.language import _
from loyalty_cli.money import parse_amount, to_text
from loyalty_cli.reporting import csv_input
from loyalty_cli.storage.unit_of_work import Shop

MEMBER_COLUMNS = ("name",)
_YES = ("1", "yes", "true", "y", "jā", "ja", "да")


def import_members(
    shop: Shop,
    sheet: csv_input.Sheet,
    *,
    now: clock.Clock,
    operator: str,
    progress: Progress | None = None,
    welcome: bool = False,
    allow_duplicates: bool = False,
) -> ImportResult:
    """Enrol every valid member row; skip those already enrolled; reject the rest with the reason."""
    result = start("members", sheet)
    known = _Names(shop)
    for line, row in sheet.rows:
        try:
            if _already_enrolled(shop, row, known, allow_duplicates):
                result.skipped += 1
            else:
                known.add(_enroll(shop, row, now, operator, welcome))
                result.imported += 1
        except LoyaltyError as error:
            result.rejected.append(Rejected(line, row, str(error)))
        if progress:
            progress(1)
    return result


def _enroll(shop: Shop, row: dict, now: clock.Clock, operator: str, welcome: bool) -> dict:
    programme = shop.programme()
    enrolled = row.get("enrolled") or row.get("enrolled_at")
    at = clock.parse_sheet_moment(enrolled, now, programme.tz) if enrolled else now.now
    birthday = row.get("birthday")
    opening = _points(row.get("points"))
    spend = parse_amount(row["spend_12m"], allow_zero=True) if (row.get("spend_12m") or "").strip() else None
    member = members.enroll(
        shop,
        name=row.get("name") or "",
        at=at,
        phone=row.get("phone") or None,
        email=row.get("email") or None,
        birthday=clock.parse_sheet_date(birthday).isoformat() if (birthday or "").strip() else None,
        card=row.get("card") or None,
        consent=(row.get("consent") or "").strip().lower() in _YES,
        operator=operator,
        welcome=welcome,
        language=row.get("language") or None,
    )
    month = clock.month_of(now.now, programme.tz)
    if opening:
        deltas = lots.earn(member["points"]["lots"], opening, programme.expiry_month(month))
        points.record(
            shop,
            member,
            at=now.now,
            operator=operator,
            kind="opening",
            points=opening,
            lots=deltas,
            reason="opening balance",
        )
    if spend:
        points.record(
            shop,
            member,
            at=now.now,
            operator=operator,
            kind="opening",
            points=0,
            lots={},
            amount=to_text(spend),
            month=month,
            day=projection.day_of(now.now, programme.tz),
            reason="spend of the 12 months before",
        )
        reached = tiers.for_spend(
            programme.tiers, projection.spend_in_window(member["points"], now.today(programme.tz))
        )
        if reached is not None:
            tiers.move(member, reached.name, clock.iso(now.now))
    return member


def _points(text: str | None) -> int:
    cleaned = "".join((text or "").split())
    if not cleaned:
        return 0
    if not cleaned.isdigit() or int(cleaned) > points.MAX_POINTS:
        raise InvalidInput(
            _("points {text!r} is not a whole number from 0 to {most}").format(
                text=text, most=points.MAX_POINTS
            )
        )
    return int(cleaned)


def _already_enrolled(shop: Shop, row: dict, known: _Names, allow_duplicates: bool) -> bool:
    name = _name_key(row.get("name"))
    if row.get("card"):
        card = cards.normalise(row["card"])
        # The record of the card itself (also one closed by a merge); a card replaced since
        # the file was written names the member under their new card.
        existing = shop.members.get(card) or shop.members.get(card_moves.current_card(shop, card))
        return existing is not None and _name_key(existing["name"]) == name
    if row.get("phone"):
        phone = phones.try_normalise(row["phone"], shop.programme().region)
        existing = shop.members.by_phone(phone) if phone else None
        return existing is not None and _name_key(existing["name"]) == name
    namesakes = known.called(name)
    if not namesakes:
        return False
    email = (row.get("email") or "").strip().lower()
    birthday = _birthday(row.get("birthday"))
    for member in namesakes:
        if (email and email == (member.get("email") or "").lower()) or (
            birthday and birthday == member.get("birthday")
        ):
            return True
    if allow_duplicates:
        return False
    raise InvalidInput(
        _(
            "possible duplicate of member {card} (the same name; no card, phone, e-mail "
            "or birthday tells them apart); import with --allow-duplicates to enrol them anyway"
        ).format(card=namesakes[0]["card"])
    )


def _birthday(text: str | None) -> str | None:
    try:
        return clock.parse_sheet_date(text).isoformat() if (text or "").strip() else None
    except InvalidInput:
        return None


def _name_key(name: str | None) -> str:
    return " ".join(str(name or "").split()).casefold()


class _Names:
    """Members by name, indexed once, when the first row without card and phone asks."""

    def __init__(self, shop: Shop):
        self._shop = shop
        self._index: dict[str, list[dict]] | None = None

    def called(self, name: str) -> list[dict]:
        if self._index is None:
            self._index = defaultdict(list)
            for member in self._shop.members.all():
                self._index[_name_key(member.get("name"))].append(member)
        return self._index.get(name, [])

    def add(self, member: dict) -> None:
        if self._index is not None:
            self._index[_name_key(member["name"])].append(member)
