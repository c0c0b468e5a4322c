"""Points: purchases earn, redemptions spend (oldest first), adjustments correct."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from . import clock, formats, lots, members, projection, text_fields, tiers, timeline
from .errors import DuplicateReceipt, InsufficientPoints, InvalidInput, Refused
from .language import N_, _, ngettext
from .ledger import LedgerEntry
from .money import points_for, to_text
from .shop import Shop

MAX_POINTS = 10**9
# Rates and multipliers repeat on every entry: one string each is shared by all of them.
_TEXTS: dict[Decimal, str] = {}
MAX_TEXT = 200


class Recorded(NamedTuple):
    """What a points command did: the entry written and the member afterwards."""

    entry: LedgerEntry
    member: dict
    tier_before: str | None = None
    bonuses: tuple = ()

    @property
    def tier_change(self) -> tuple[str | None, str] | None:
        """(old, new) when this moved the member to another tier."""
        after = self.member.get("tier")
        if self.entry.kind != "earn" or after is None or after == self.tier_before:
            return None
        return self.tier_before, after

    @property
    def balance(self) -> int:
        return self.member["points"]["balance"]


def record(shop: Shop, member: dict, *, at: datetime, operator: str, **fields) -> LedgerEntry:
    """Append an entry for `member` and fold it into their projection."""
    if member.get("merged_into") and (fields.get("points") or fields.get("amount")):
        # Its points belong to another card now (an erasure's empty entry may still be written).
        from . import card_moves

        card_moves.refuse_write(shop, member)
    entry = shop.ledger.append(card=member["card"], at=clock.iso(at), operator=operator, **fields)
    projection.apply_entry(member["points"], entry)
    shop.members.put(member)
    return entry


def purchase(
    shop: Shop,
    member_ref: str,
    amount: Decimal,
    *,
    at: datetime,
    operator: str,
    receipt: str | None = None,
    store: str | None = None,
    confirmed: bool = False,
) -> Recorded:
    """Record a purchase: floor(amount x rate x tier multiplier) points join this month's lot.

    An amount above the programme's purchase.max_amount (a typing slip at the till, such
    as 1230 for 12.30) is refused unless `confirmed`.
    """
    member = members.find(shop, member_ref)
    members.require_active(member)
    timeline.require_enrolled_by(shop, member, at, N_("a purchase"))
    programme = shop.programme()
    limit = programme.max_purchase
    if limit is not None and amount > limit and not confirmed:
        raise Refused(
            _(
                "{amount} is above the largest purchase ({limit}, purchase.max_amount); "
                "check the amount, or give --confirm to record it"
            ).format(
                amount=formats.money(amount, programme.currency),
                limit=formats.money(limit, programme.currency),
            )
        )
    receipt = _new_receipt(shop, receipt, "earn")
    return earn(shop, member, amount, at=at, operator=operator, receipt=receipt, store=store)


def earn(
    shop: Shop,
    member: dict,
    amount: Decimal,
    *,
    at: datetime,
    operator: str,
    receipt: str,
    store: str | None = None,
) -> Recorded:
    """The earn entry of a purchase whose member and receipt have been checked."""
    programme = shop.programme()
    rate = programme.earn_rate
    multiplier = tiers.multiplier(programme, member)
    earned = 0 if amount < programme.min_purchase else points_for(amount, rate, multiplier)
    month = clock.month_of(at, programme.tz)
    day = projection.day_of(at, programme.tz)
    first_purchase = member["points"]["purchases"] == 0
    held = tiers.current(programme, member)
    deltas = lots.earn(member["points"]["lots"], earned, programme.expiry_month(month))
    entry = record(
        shop,
        member,
        at=at,
        operator=operator,
        kind="earn",
        points=earned,
        lots=deltas,
        amount=to_text(amount),
        month=month,
        day=day,
        receipt=receipt,
        rate=_TEXTS.setdefault(rate, str(rate)),
        multiplier=_TEXTS.setdefault(multiplier, str(multiplier)),
        store=_text(store, "store"),
    )
    tiers.upgrade_after_purchase(programme, member, day)
    given = ()
    if first_purchase and member.get("referred_by"):
        from . import bonuses  # bonuses record entries through this module

        given = tuple(g for g in [bonuses.referral(shop, member, at=at, operator=operator)] if g)
    return Recorded(entry, member, held.name if held else None, given)


def redeem(
    shop: Shop,
    member_ref: str,
    points: int,
    *,
    at: datetime,
    operator: str,
    receipt: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Spend points, the soonest-expiring lot first; never more than the balance.

    `now`, the present moment, spares the back-dating check its read of the history when
    the redemption is dated now (see timeline.require_latest); likewise for adjust and refund.
    """
    member = members.find(shop, member_ref)
    members.require_active(member)
    programme = shop.programme()
    _check_points(points, positive=True)
    timeline.require_latest(shop, member, at, N_("a redemption"), now=now)
    smallest = programme.redeem_min_points
    if points < smallest:
        raise Refused(
            ngettext(
                "the smallest redemption is {count} point",
                "the smallest redemption is {count} points",
                smallest,
            ).format(count=formats.number(smallest))
        )
    balance = member["points"]["balance"]
    if points > balance:
        raise InsufficientPoints(
            ngettext(
                "member {card} holds {count} point; cannot redeem {wanted}",
                "member {card} holds {count} points; cannot redeem {wanted}",
                balance,
            ).format(card=member["card"], count=formats.number(balance), wanted=formats.number(points))
        )
    receipt = _new_receipt(shop, receipt, "redeem") if receipt else None
    deltas = lots.spend(member["points"]["lots"], points)
    entry = record(
        shop,
        member,
        at=at,
        operator=operator,
        kind="redeem",
        points=-points,
        lots=deltas,
        receipt=receipt,
        reason=_text(reason, "reason"),
    )
    return Recorded(entry, member)


def adjust(
    shop: Shop,
    member_ref: str,
    points: int,
    *,
    reason: str,
    at: datetime,
    operator: str,
    now: datetime | None = None,
) -> Recorded:
    """Add or remove points by hand, with a reason; removals never exceed the balance."""
    member = members.find(shop, member_ref)
    _check_points(points, positive=False)
    reason = _text(reason, "reason")
    if not reason:
        raise InvalidInput(_("an adjustment needs a --reason"))
    programme = shop.programme()
    current = member["points"]
    timeline.require_latest(shop, member, at, N_("an adjustment"), now=now)
    if points > 0:
        lot = programme.expiry_month(clock.month_of(at, programme.tz))
        deltas = lots.earn(current["lots"], points, lot)
    else:
        if -points > current["balance"]:
            raise InsufficientPoints(
                ngettext(
                    "member {card} holds {count} point; cannot remove {wanted}",
                    "member {card} holds {count} points; cannot remove {wanted}",
                    current["balance"],
                ).format(
                    card=member["card"],
                    count=formats.number(current["balance"]),
                    wanted=formats.number(-points),
                )
            )
        deltas = lots.spend(current["lots"], -points)
    entry = record(
        shop,
        member,
        at=at,
        operator=operator,
        kind="adjust",
        points=points,
        lots=deltas,
        reason=reason,
    )
    return Recorded(entry, member)


def _new_receipt(shop: Shop, receipt: str | None, kind: str) -> str:
    if receipt is None:
        number = shop.meta["next_id"]
        while shop.ledger.by_receipt(f"L{number}"):
            number += 1
        return f"L{number}"
    text = _text(receipt, "receipt")
    if not text:
        raise InvalidInput(_("the receipt must not be empty"))
    for earlier in shop.ledger.by_receipt(text):
        if earlier.kind == kind:
            raise DuplicateReceipt(_duplicate(shop, text, earlier))
    return text


def _duplicate(shop: Shop, receipt: str, earlier: LedgerEntry) -> str:
    """Why a receipt is refused: what it was recorded for, and when (in shop time)."""
    programme = shop.programme()
    fields = {"receipt": receipt, "card": earlier.card, "moment": clock.local_text(earlier.at, programme.tz)}
    if earlier.kind != "earn":
        return _("receipt {receipt} is already recorded (redemption of member {card} on {moment})").format(
            **fields
        )
    if not earlier.amount:
        return _("receipt {receipt} is already recorded (purchase of member {card} on {moment})").format(
            **fields
        )
    return _(
        "receipt {receipt} is already recorded (purchase of member {card}, {amount} on {moment})"
    ).format(amount=formats.money(Decimal(earlier.amount), programme.currency), **fields)


def _check_points(points: int, *, positive: bool) -> None:
    if points == 0 or abs(points) > MAX_POINTS or (positive and points < 0):
        if positive:
            text = _("points must be a whole number from 1 to {largest}")
        else:
            text = _("points must be a whole number other than 0, up to {largest}")
        raise InvalidInput(text.format(largest=formats.number(MAX_POINTS)))


def _text(value: str | None, what: str) -> str | None:
    return text_fields.clean(value, what, limit=MAX_TEXT)
