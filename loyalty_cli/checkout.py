"""The checkout: one computation of a purchase, for `purchase`, `quote` and imports.

The order is fixed, so the rules never contradict each other:

1. AMOUNT, the receipt total before any loyalty discount;
2. the loyalty discount: the best of the tier's percent, the running membership plan's
   and the threshold's (the threshold is checked on AMOUNT, so a discount never
   disqualifies itself), or all added up when discount.stack is on; rounded to the cent,
   half up;
3. points paid as money (--pay-points, --pay-amount, --pay-all) at redeem.value (a cent per
   unit in cashback mode), never more than what is left to pay: a payment, not a discount;
4. to_pay, the money the customer pays.

Points, cashback and tier spend are earned on to_pay only: floor(to_pay x rate x
multiplier), where the rate is earn.rate points per currency unit, or in cashback mode
earn.cashback_percent cents per currency unit (the ledger keeps cashback in cents), and the
multiplier the better of the tier's and that of a membership plan running on the purchase's
shop day (plans.py).

Worked receipt: Silver (3 %, x1.25), discount.threshold 50 at 5 %, redeem.value 0.01,
earn.rate 1. AMOUNT 60.00 -> discount 5 % = 3.00 -> 57.00 left -> --pay-points 700 pays
7.00 -> to_pay 50.00 -> earns floor(50.00 x 1 x 1.25) = 62 points.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import NamedTuple

from loyalty_cli import balances, formats, tiers
from loyalty_cli.errors import InsufficientPoints, InvalidInput, Refused
from loyalty_cli.language import _, ngettext
from loyalty_cli.money import CENT, points_for, to_text
from loyalty_cli.program import Programme

HUNDRED = Decimal(100)


class Bill(NamedTuple):
    """Each line of a purchase's computation."""

    amount: Decimal  # the receipt total before the loyalty discount
    discount_percent: Decimal
    discount: Decimal
    paid_points: int
    paid_value: Decimal
    to_pay: Decimal
    points: int  # earned: points, or cents of cashback
    rate: Decimal
    multiplier: Decimal

    @property
    def plain(self) -> bool:
        """A purchase with no discount and no payment with points: recorded as always."""
        return not self.discount and not self.paid_points

    def to_json(self) -> dict:
        return {
            "amount": to_text(self.amount),
            "discount_percent": str(self.discount_percent),
            "discount": to_text(self.discount),
            "paid_points": self.paid_points,
            "paid_value": to_text(self.paid_value),
            "to_pay": to_text(self.to_pay),
            "points": self.points,
        }


class Payment(NamedTuple):
    """What the customer pays with from their balance: N points, an amount's worth of them,
    or everything they can spend (each capped at what is left to pay)."""

    points: int | None = None
    amount: Decimal | None = None
    everything: bool = False

    @property
    def asked(self) -> bool:
        return bool(self.points or self.amount or self.everything)


NO_PAYMENT = Payment()


def lines(
    total: Decimal,
    percent: Decimal,
    discount: Decimal,
    paid_value: Decimal,
    *,
    paid: str | None,
    currency: str,
) -> list[tuple[str, str]]:
    """A bill's lines for people, (label, money): "Receipt total €60.00", "Discount 5 %
    -€3.00", and when points paid (`paid` says how: "Paid with 700 points") "-€7.00"."""
    found = [(_("Receipt total"), formats.money(total, currency))]
    if discount:
        label = _("Discount {percent} %").format(percent=formats.percent(percent))
        found.append((label, "-" + formats.money(discount, currency)))
    if paid:
        found.append((paid, "-" + formats.money(paid_value, currency)))
    return found


def discount_percent(programme: Programme, member: dict, amount: Decimal, day: str | None = None) -> Decimal:
    """The loyalty discount on a receipt of `amount` on shop day `day`: the best of the
    tier's, the running plan's and the threshold's, or all added up (discount.stack)."""
    tier = tiers.current(programme, member)
    own = tier.discount if tier else Decimal(0)
    threshold = programme.discount_threshold
    reached = programme.discount_percent if threshold is not None and amount >= threshold else Decimal(0)
    return best(programme, own, plan_percent(member, day), reached)


def best(programme: Programme, *percents: Decimal) -> Decimal:
    """Discounts together: the best one, or all added up (at most 100) when discount.stack is on."""
    if programme.discount_stack:
        return min(sum(percents, Decimal(0)), HUNDRED)
    return max(percents)


def plan_percent(member: dict, day: str | None) -> Decimal:
    """The discount of the membership plan running on `day` (0 without one)."""
    plan = _plan(member, day)
    return plan.discount if plan else Decimal(0)


def multiplier(programme: Programme, member: dict, day: str | None) -> Decimal:
    """The earn multiplier: the better of the tier's and the plan's running on `day`."""
    plan = _plan(member, day)
    tier = tiers.multiplier(programme, member)
    return max(tier, plan.multiplier) if plan else tier


def _plan(member: dict, day: str | None):
    """The terms of the membership running on `day`; plans.py is loaded only for a member
    who holds one, so an everyday purchase does not pay for importing it."""
    if not member.get("membership"):
        return None
    from loyalty_cli import plans

    return plans.terms(member, day)


def unit_value(programme: Programme) -> Decimal:
    """What one unit of the balance is worth in money: a point, or a cent of cashback."""
    return CENT if programme.cashback else programme.redeem_value


def compute(
    programme: Programme,
    member: dict,
    amount: Decimal,
    *,
    spendable: int,
    payment: Payment = NO_PAYMENT,
    day: str | None = None,
) -> Bill:
    """The bill of a purchase of `amount` by `member`, who can spend `spendable` now, on
    shop day `day` (a membership plan counts only when the day is given and it runs then).

    Refuses a payment with more than the member can spend, below redeem.min_points, or
    with points worth nothing.
    """
    percent = discount_percent(programme, member, amount, day)
    discount = (amount * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    left = amount - discount
    paid = _payment(programme, member, left, spendable, payment)
    paid_value = (paid * unit_value(programme)).quantize(CENT, rounding=ROUND_FLOOR)
    to_pay = left - paid_value
    rate = programme.cashback_percent if programme.cashback else programme.earn_rate
    factor = multiplier(programme, member, day)
    earned = 0 if to_pay < programme.min_purchase else points_for(to_pay, rate, factor)
    return Bill(amount, percent, discount, paid, paid_value, to_pay, earned, rate, factor)


def _payment(programme, member, left, spendable, payment: Payment) -> int:
    """How many points pay towards `left`: what was asked, capped at what is left to pay."""
    if not payment.asked:
        return 0
    pay_points, pay_amount, pay_all = payment
    spendable = max(spendable, 0)  # a refund's debt leaves nothing to spend, not less
    value = unit_value(programme)
    if value <= 0:
        raise Refused(_("points are worth nothing (redeem.value is 0); they cannot pay"))
    if pay_amount is not None:
        pay_points = int((pay_amount / value).to_integral_value(rounding=ROUND_FLOOR))
        if pay_points < 1:
            raise InvalidInput(
                _("{amount} buys less than one point").format(
                    amount=formats.money(pay_amount, programme.currency)
                )
            )
    if pay_points is not None and not pay_all:
        if pay_points < 1:
            raise InvalidInput(_("--pay-points must be a whole number of 1 or more"))
        if pay_points > spendable:
            raise InsufficientPoints(
                ngettext(
                    "member {card} can spend {count} point; cannot pay with {wanted}",
                    "member {card} can spend {count} points; cannot pay with {wanted}",
                    spendable,
                ).format(
                    card=member["card"], count=formats.number(spendable), wanted=formats.number(pay_points)
                )
            )
    wanted = spendable if pay_all else pay_points
    most = int((left / value).to_integral_value(rounding=ROUND_FLOOR))
    paid = min(wanted, most)
    if 0 < paid < programme.redeem_min_points:
        if pay_all:
            return 0  # "whatever they have" is nothing yet
        require_smallest(programme, paid)
    return paid


def require_smallest(programme: Programme, count: int) -> None:
    """Refuse spending fewer than redeem.min_points (its money, in a cashback programme)."""
    smallest = programme.redeem_min_points
    if count >= smallest:
        return
    if programme.cashback:
        raise Refused(
            _("the smallest redemption is {amount}").format(amount=balances.figure(programme, smallest))
        )
    raise Refused(
        ngettext(
            "the smallest redemption is {count} point",
            "the smallest redemption is {count} points",
            smallest,
        ).format(count=formats.number(smallest))
    )
