"""When a write may be dated: never before the member's enrolment, and a write that takes
points (redeem, a negative adjustment, a refund) never before the member's latest entry.

A write is checked against the ledger as it stands. Had a redemption been allowed before
a later entry, that entry's choices (which lots it consumed, the balance it saw) would no
longer hold; refusing it keeps every later entry true. Purchases and credits may still be
back-dated (a shop recording its history), but never before the member enrolled.
"""

from __future__ import annotations

from datetime import datetime

from . import clock
from .errors import Refused
from .shop import Shop


def require_enrolled_by(shop: Shop, member: dict, at: datetime, what: str) -> None:
    """Refuse a write dated before the member's enrolment."""
    enrolled = member["enrolled_at"]
    if at < clock.from_iso(enrolled):  # on the import's hot path: no formatting of `at`
        raise Refused(
            f"member {member['card']} enrolled on {clock.local_text(enrolled, shop.programme().tz)}; "
            f"{what} cannot be dated before that"
        )


def require_latest(shop: Shop, member: dict, at: datetime, what: str, *, now: datetime | None = None) -> None:
    """Refuse a write dated before the member's latest ledger entry (or enrolment).

    With `now`, the present moment: a write dated now cannot be before any entry, since no
    entry is ever dated in the future, so the history is not read (a redemption at the till
    stays as fast as a purchase).
    """
    require_enrolled_by(shop, member, at, what)
    if now is not None and at >= now:
        return
    moment = clock.iso(at)
    from . import card_moves  # the entries of cards replaced by or merged into this one count too

    entries = card_moves.entries_of(shop, member["card"], since=moment)
    later = max((e.at for e in entries if e.at > moment), default=None)
    if later is not None:
        raise Refused(
            f"member {member['card']} has an entry dated {clock.local_text(later, shop.programme().tz)}; "
            f"{what} cannot be dated before it"
        )
