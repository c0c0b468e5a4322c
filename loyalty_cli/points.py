"""Points: purchases earn, redemptions spend (oldest first), adjustments correct."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from loyalty_cli import (
    balances,
    checkout,
    clock,
    formats,
    lots,
    members,
    pending,
    projection,
    text_fields,
    tiers,
    timeline,
)
from loyalty_cli.errors import DuplicateReceipt, InsufficientPoints, InvalidInput, Refused
from loyalty_cli.language import N_, _, ngettext
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.money import to_text
from loyalty_cli.storage.unit_of_work import Shop

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
    bill: checkout.Bill | None = None  # a purchase's computation

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
        from loyalty_cli import card_moves

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
    payment: checkout.Payment = checkout.NO_PAYMENT,
    partner: str | None = None,
) -> Recorded:
    """Record a purchase of `amount` (the receipt total), computed by checkout.compute: the
    loyalty discount, then points paid as money, then to_pay, which earns
    floor(to_pay x rate x multiplier) points into this month's lot (the multiplier: the
    better of the tier's and a running membership plan's).

    An amount above the programme's purchase.max_amount (a typing slip at the till, such
    as 1230 for 12.30) is refused unless `confirmed`. `partner`: made at a partner shop.
    """
    partner = _partner(shop, partner)
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
    paying = payment.asked
    receipt = _new_receipt(shop, receipt, "earn")
    if paying:
        _new_receipt(shop, receipt, "redeem")
    pending.confirm(shop, member, at, operator=operator)
    bill = checkout.compute(
        programme,
        member,
        amount,
        spendable=pending.spendable(member, projection.day_of(at, programme.tz)) if paying else 0,
        payment=payment,
        day=projection.day_of(at, programme.tz),
    )
    return earn(shop, member, bill, at=at, operator=operator, receipt=receipt, store=store, partner=partner)


def quote(
    shop: Shop,
    member_ref: str,
    amount: Decimal,
    *,
    at: datetime,
    payment: checkout.Payment = checkout.NO_PAYMENT,
) -> tuple[checkout.Bill, dict]:
    """What a purchase would come to, and the member; nothing is written."""
    member = members.find(shop, member_ref)
    members.require_active(member)
    programme = shop.programme()
    bill = checkout.compute(
        programme,
        member,
        amount,
        spendable=pending.spendable(member, projection.day_of(at, programme.tz)),
        payment=payment,
        day=projection.day_of(at, programme.tz),
    )
    return bill, member


def earn(
    shop: Shop,
    member: dict,
    bill: checkout.Bill | Decimal,
    *,
    at: datetime,
    operator: str,
    receipt: str,
    store: str | None = None,
    partner: str | None = None,
) -> Recorded:
    """The entries of a purchase whose member and receipt have been checked: the payment
    with points, if any (a `redeem` under the same receipt), then the `earn` entry, which
    records every line of the bill. A bare amount is computed with no payment."""
    programme = shop.programme()
    if not isinstance(bill, checkout.Bill):
        pending.confirm(shop, member, at, operator=operator)
        bill = checkout.compute(programme, member, bill, spendable=0, day=projection.day_of(at, programme.tz))
    rate, multiplier = bill.rate, bill.multiplier
    month = clock.month_of(at, programme.tz)
    day = projection.day_of(at, programme.tz)
    first_purchase = member["points"]["purchases"] == 0
    held = tiers.current(programme, member)
    if bill.paid_points:
        record(
            shop,
            member,
            at=at,
            operator=operator,
            kind="redeem",
            points=-bill.paid_points,
            lots=lots.spend(member["points"]["lots"], bill.paid_points),
            receipt=receipt,
            partner=partner,
        )
    lot = pending.lot_for(programme, day, programme.expiry_month(month))
    deltas = lots.earn(member["points"]["lots"], bill.points, lot)
    figures = {}
    if not bill.plain:
        figures = {
            "total": to_text(bill.amount),
            "discount_percent": str(bill.discount_percent) if bill.discount else None,
            "discount": to_text(bill.discount) if bill.discount else None,
            "paid_points": bill.paid_points or None,
            "paid_value": to_text(bill.paid_value) if bill.paid_points else None,
        }
    entry = record(
        shop,
        member,
        at=at,
        operator=operator,
        kind="earn",
        points=bill.points,
        lots=deltas,
        amount=to_text(bill.to_pay),
        month=month,
        day=day,
        receipt=receipt,
        rate=_TEXTS.setdefault(rate, str(rate)),
        multiplier=_TEXTS.setdefault(multiplier, str(multiplier)),
        store=_text(store, "store"),
        partner=partner,
        **figures,
    )
    tiers.upgrade_after_purchase(programme, member, day)
    given = ()
    if first_purchase and member.get("referred_by"):
        from loyalty_cli import bonuses  # bonuses record entries through this module

        given = tuple(g for g in [bonuses.referral(shop, member, at=at, operator=operator)] if g)
    return Recorded(entry, member, held.name if held else None, given, bill)


def redeem(
    shop: Shop,
    member_ref: str,
    points: int | None = None,
    *,
    amount: Decimal | None = None,
    at: datetime,
    operator: str,
    receipt: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
    partner: str | None = None,
    reward: str | None = None,
) -> Recorded:
    """Spend points, the soonest-expiring lot first; never more than the balance.

    `now`, the present moment, spares the back-dating check its read of the history when
    the redemption is dated now (see timeline.require_latest); likewise for adjust and refund.

    Give `points`, or `amount`, money: the cashback to spend (the ledger keeps cents), or
    what whole points at redeem.value are worth. Cashback is money: given as points, refused.
    `partner`: spent at a partner shop.
    `reward` names the catalogue reward the points buy (see rewards.redeem); its price is
    the catalogue's, whatever redeem.min_points says.
    """
    partner = _partner(shop, partner)
    member = members.find(shop, member_ref)
    members.require_active(member)
    programme = shop.programme()
    points = _units_to_spend(programme, points, amount)
    _check_points(points, positive=True)
    timeline.require_latest(shop, member, at, N_("a redemption"), now=now)
    if not reward:  # a catalogue reward's price is the catalogue's
        checkout.require_smallest(programme, points)
    receipt = _new_receipt(shop, receipt, "redeem") if receipt else None
    pending.confirm(shop, member, at, operator=operator)
    balance = member["points"]["balance"]
    waiting = pending.held(member["points"]["lots"], projection.day_of(at, programme.tz))
    if points > balance - waiting:
        _refuse_spending(programme, member, balance, waiting, points, removing=False)
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
        partner=partner,
        reward=reward,
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
    pending.confirm(shop, member, at, operator=operator)
    if points > 0:
        lot = programme.expiry_month(clock.month_of(at, programme.tz))
        deltas = lots.earn(current["lots"], points, lot)
    else:
        waiting = pending.held(current["lots"], projection.day_of(at, programme.tz))
        if -points > current["balance"] - waiting:
            _refuse_spending(programme, member, current["balance"], waiting, -points, removing=True)
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


def _units_to_spend(programme, points: int | None, amount: Decimal | None) -> int:
    """The units a redemption takes: `points` as given, or those `amount` of money is worth."""
    if amount is None and programme.cashback:
        raise InvalidInput(
            _("cashback is money: give the amount to spend with --amount, such as --amount 3.45")
        )
    if amount is None:
        return points
    units = balances.units_for(programme, amount)
    value = programme.redeem_value
    if units is None:
        raise InvalidInput(
            _("{amount} is not a whole number of points at {value} each (redeem.value)").format(
                amount=formats.money(amount, programme.currency),
                value=formats.decimal(value, max(-value.normalize().as_tuple().exponent, 2)),
            )
        )
    return units


def _refuse_spending(programme, member: dict, balance: int, waiting: int, wanted: int, removing: bool):
    """Refuse taking `wanted` out of a balance of which only `balance - waiting` can be
    spent: a redemption, or an adjustment `removing` points. Money in a cashback programme."""
    spendable = max(balance - waiting, 0)  # a refund's debt leaves nothing to spend, not less
    if programme.cashback:
        fields = {
            "card": member["card"],
            "amount": balances.figure(programme, spendable),
            "pending": balances.figure(programme, waiting),
            "wanted": balances.figure(programme, wanted),
        }
        if waiting:
            text = (
                _(
                    "member {card} can spend {amount} of cashback ({pending} more is pending); "
                    "cannot remove {wanted}"
                )
                if removing
                else _(
                    "member {card} can spend {amount} of cashback ({pending} more is pending); "
                    "cannot redeem {wanted}"
                )
            )
        elif removing:
            text = _("member {card} holds {amount} of cashback; cannot remove {wanted}")
        else:
            text = _("member {card} holds {amount} of cashback; cannot redeem {wanted}")
        raise InsufficientPoints(text.format(**fields))
    fields = {
        "card": member["card"],
        "count": formats.number(spendable),
        "pending": formats.number(waiting),
        "wanted": formats.number(wanted),
    }
    if waiting and removing:
        text = ngettext(
            "member {card} can spend {count} point ({pending} more are pending); cannot remove {wanted}",
            "member {card} can spend {count} points ({pending} more are pending); cannot remove {wanted}",
            spendable,
        )
    elif waiting:
        text = ngettext(
            "member {card} can spend {count} point ({pending} more are pending); cannot redeem {wanted}",
            "member {card} can spend {count} points ({pending} more are pending); cannot redeem {wanted}",
            spendable,
        )
    elif removing:
        text = ngettext(
            "member {card} holds {count} point; cannot remove {wanted}",
            "member {card} holds {count} points; cannot remove {wanted}",
            spendable,
        )
    else:
        text = ngettext(
            "member {card} holds {count} point; cannot redeem {wanted}",
            "member {card} holds {count} points; cannot redeem {wanted}",
            spendable,
        )
    raise InsufficientPoints(text.format(**fields))


def _partner(shop: Shop, name: str | None) -> str | None:
    """The stored name of the partner shop a command names; partners.py loads only then."""
    if name is None:
        return None
    from loyalty_cli import partners

    return partners.name_of(shop, name)


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
