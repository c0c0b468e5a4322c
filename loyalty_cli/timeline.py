"""When a write may be dated: never before the member's enrolment, and a write that takes
points (redeem, a negative adjustment, a refund) never before the member's latest entry.

A write is checked against the ledger as it stands. Had a redemption been allowed before
a later entry, that entry's choices (which lots it consumed, the balance it saw) would no
longer hold; refusing it keeps every later entry true. Purchases and credits may still be
back-dated (a shop recording its history), but never before the member enrolled.
"""

from __future__ import annotations

from datetime import datetime

from loyalty_cli import clock, formats
from loyalty_cli.errors import Refused
from loyalty_cli.language import N_, _
from loyalty_cli.storage.unit_of_work import Shop

# Whole sentences for each write that callers name (`what`), so that a translation can put
# the words in its own order; the last is for a write named otherwise.
BEFORE_ENROLMENT = {
    "a purchase": N_("member {card} enrolled on {moment}; a purchase cannot be dated before that"),
    "a refund": N_("member {card} enrolled on {moment}; a refund cannot be dated before that"),
    "a redemption": N_("member {card} enrolled on {moment}; a redemption cannot be dated before that"),
    "an adjustment": N_("member {card} enrolled on {moment}; an adjustment cannot be dated before that"),
    None: N_("member {card} enrolled on {moment}; {what} cannot be dated before that"),
}
BEFORE_LATEST = {
    "a purchase": N_("member {card} has an entry dated {moment}; a purchase cannot be dated before it"),
    "a refund": N_("member {card} has an entry dated {moment}; a refund cannot be dated before it"),
    "a redemption": N_("member {card} has an entry dated {moment}; a redemption cannot be dated before it"),
    "an adjustment": N_("member {card} has an entry dated {moment}; an adjustment cannot be dated before it"),
    None: N_("member {card} has an entry dated {moment}; {what} cannot be dated before it"),
}


def require_enrolled_by(shop: Shop, member: dict, at: datetime, what: str) -> None:
    """Refuse a write dated before the member's enrolment."""
    enrolled = member["enrolled_at"]
    if at < clock.from_iso(enrolled):  # on the import's hot path: no formatting of `at`
        raise Refused(_refusal(BEFORE_ENROLMENT, shop, member, enrolled, what))


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
    from loyalty_cli import card_moves  # the entries of cards replaced by or merged into this one count too

    entries = card_moves.entries_of(shop, member["card"], since=moment)
    later = max((e.at for e in entries if e.at > moment), default=None)
    if later is not None:
        raise Refused(_refusal(BEFORE_LATEST, shop, member, later, what))


def _refusal(sentences: dict, shop: Shop, member: dict, stored: str, what: str) -> str:
    """The sentence of `sentences` for `what`, in the active language, with the moment in shop time."""
    moment = formats.moment(clock.from_iso(stored).astimezone(shop.programme().tz))
    text = _(sentences.get(what) or sentences[None])
    return text.format(card=member["card"], moment=moment, what=_(what))
