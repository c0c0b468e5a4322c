"""Finding people: the member list filtered by tier, status and a search text, sorted, cut short.

The search ignores case and diacritics (`berz` finds Bērziņa, `kalnin` finds Kalniņa) and
looks in the name, the e-mail and the card; a search of digits also finds the phone
(`29123456` finds +371 29123456). It works on the stored rows of the members: a list
of 20,000 members unpacks no lots, and reads the monthly spend only when sorting by it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from loyalty_cli import cards, projection
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import _
from loyalty_cli.storage.folder import member_rows
from loyalty_cli.storage.unit_of_work import Shop

SORTS = ("name", "balance", "spend", "enrolled", "last-purchase")
# Values and activity read best from the top: the largest balance, the newest enrolment.
DESCENDING = ("balance", "spend", "enrolled", "last-purchase")
_FIELDS = {name: index for index, name in enumerate(member_rows.DETAILS)}
_CARD, _NAME, _PHONE, _EMAIL = (_FIELDS[k] for k in ("card", "name", "phone", "email"))
_STATUS, _TIER = _FIELDS["status"], _FIELDS["tier"]
_BALANCE = len(member_rows.DETAILS)
_SPEND = _BALANCE + 2
_LAST_PURCHASE = _BALANCE + 4
_SHOWN = {
    **{key: _FIELDS[key] for key in ("card", "name", "phone", "email", "status", "tier")},
    "balance": _BALANCE,
    "enrolled_at": _FIELDS["enrolled_at"],
    "last_purchase": _LAST_PURCHASE,
}


def find_members(
    shop: Shop,
    *,
    search: str | None = None,
    tier: str | None = None,
    status: str | None = None,
    sort: str | None = None,
    limit: int | None = None,
    reverse: bool = False,
    day: date | None = None,
) -> list[dict]:
    """The members that match, as list rows (card, name, phone, email, status, tier, balance,
    enrolled_at, last_purchase; spend_12m over the tier window of `day` when sorted by spend),
    in enrolment order unless `sort` says otherwise; at most `limit` of them."""
    if sort is not None and sort not in SORTS:
        raise InvalidInput(
            _("cannot sort by {sort!r}; use one of {choices}").format(sort=sort, choices=", ".join(SORTS))
        )
    if limit is not None and limit < 1:
        raise InvalidInput(_("the limit must be at least 1"))
    matches = Matcher(search) if search and search.strip() else None
    wanted_tier = tier.casefold() if tier else None
    found = []
    for row in shop.members.stored_rows():
        if isinstance(row, dict):  # a document stored whole (edited by hand)
            row = member_rows.to_row(row)
        if not isinstance(row, list) or len(row) <= _LAST_PURCHASE:
            continue
        if wanted_tier is not None and str(row[_TIER] or "").casefold() != wanted_tier:
            continue
        if status and row[_STATUS] != status:
            continue
        if matches is not None and not matches(row[_CARD], row[_NAME], row[_PHONE], row[_EMAIL]):
            continue
        values = {key: row[index] for key, index in _SHOWN.items()}
        if sort == "spend":
            spend = member_rows.unpack_spend(row[_SPEND])
            values["spend_12m"] = projection.spend_in_window({"spend": spend}, day) if day else Decimal(0)
        found.append(values)
    if sort is not None:
        found = _sorted(found, sort, reverse)
    elif reverse:
        found.reverse()
    return found[:limit] if limit else found


def starting_with(shop: Shop, prefix: str, limit: int = 40) -> list[tuple[str, str]]:
    """(card, name) of the members whose card starts with `prefix` (spaces and dashes
    ignored), or one of whose names does (case and diacritics ignored): what a shell
    completes a MEMBER argument with. Closed members and merged cards are left out;
    at most `limit`, in enrolment order."""
    card_prefix = cards.normalise(prefix)
    name_prefix = fold(prefix.strip())
    found = []
    for row in shop.members.stored_rows():
        if isinstance(row, dict):  # a document stored whole (edited by hand)
            row = member_rows.to_row(row)
        if not isinstance(row, list) or len(row) <= _STATUS or row[_STATUS] not in ("active", "blocked"):
            continue
        card, name = row[_CARD], row[_NAME]
        if not isinstance(card, str) or not isinstance(name, str):
            continue
        if card.startswith(card_prefix) or (
            name_prefix and any(word.startswith(name_prefix) for word in fold(name).replace("-", " ").split())
        ):
            found.append((card, name))
            if len(found) >= limit:
                break
    return found


def fold(text: str) -> str:
    """Text without case and diacritics: "Bērziņa" -> "berzina", "Ёлка" -> "елка"."""
    if text.isascii():
        return text.casefold()
    return text.translate(_PLAIN).casefold()


class _PlainLetters(dict):
    """str.translate table: each character without its diacritics, worked out once per character
    (three times faster than decomposing every name)."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        plain = self[code] = "".join(c for c in decomposed if not unicodedata.combining(c))
        return plain


_PLAIN = _PlainLetters()


class Matcher:
    """Whether a member matches a search text.

    Every word of the text must occur in the member's name, e-mail or card (case and
    diacritics ignored); or the text, without spaces and dashes, occurs in the card; or a
    text of digits (spaces, dashes, +, parentheses allowed) occurs in the phone's digits.
    """

    def __init__(self, text: str):
        self.words = fold(text).split()
        self.card = cards.normalise(text)
        stripped = "".join(c for c in text if c not in " -+().")
        self.digits = stripped if stripped.isdigit() and stripped.isascii() else None

    def __call__(self, card, name, phone, email) -> bool:
        card = card if isinstance(card, str) else ""
        if self.card and self.card in card:
            return True
        if self.digits and isinstance(phone, str) and self.digits in phone.replace("+", ""):
            return True
        haystack = fold(name) if isinstance(name, str) else ""
        if isinstance(email, str):
            haystack += "\n" + fold(email)
        haystack += "\n" + card.casefold()
        return all(word in haystack for word in self.words)


def _sorted(found: Iterable[dict], sort: str, reverse: bool) -> list[dict]:
    """Sorted by `sort`, ties by card; members without a value (never bought) last."""
    if sort == "name":
        key_of = lambda m: fold(m["name"]) if isinstance(m.get("name"), str) else None  # noqa: E731
    elif sort == "balance":
        key_of = lambda m: m.get("balance") if isinstance(m.get("balance"), int) else None  # noqa: E731
    elif sort == "spend":
        key_of = lambda m: m.get("spend_12m") if m.get("spend_12m") else None  # noqa: E731
    elif sort == "enrolled":
        key_of = lambda m: m.get("enrolled_at")  # noqa: E731
    else:
        key_of = lambda m: m.get("last_purchase")  # noqa: E731
    descending = (sort in DESCENDING) != reverse
    present = [m for m in found if key_of(m) is not None]
    missing = [m for m in found if key_of(m) is None]
    present.sort(key=lambda m: str(m.get("card")))
    present.sort(key=key_of, reverse=descending)
    return present + sorted(missing, key=lambda m: str(m.get("card")))
