"""Bills as a till computed them: a purchase import's `discount`, `paid_points`, `to_pay`.

A till that applied the loyalty discount (or took points as payment) itself exports the
bill it charged. Such a row is recorded as given rather than computed from the
programme's discounts: amount (the receipt total) - discount - the value of the points
paid with = to_pay, checked to add up. The points are earned on to_pay at the member's
rate and multiplier, and the payment is written as the redemption before the purchase,
exactly as `purchase --pay-points` does (points.earn).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import partial
from typing import NamedTuple

from loyalty_cli import checkout, formats, pending, points, projection
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import _, ngettext
from loyalty_cli.money import CENT, parse_amount, points_for
from loyalty_cli.storage.unit_of_work import Shop

# Optional columns of a purchase import; the receipt total stays in `amount`.
COLUMNS = ("discount", "paid_points", "to_pay")


class GivenBill(NamedTuple):
    """A row's bill as the till computed it: the receipt total, the discount, the points
    paid with and their value, and the money paid."""

    amount: Decimal
    discount: Decimal
    paid_points: int
    paid_value: Decimal
    to_pay: Decimal


def read(shop: Shop, row: dict, amount: Decimal, ledger_export: bool) -> GivenBill:
    """The row's bill, checked to add up: amount - discount - paid value = to_pay.

    An empty `discount` with a `to_pay` is the difference; an empty `to_pay` is worked out.
    (In a ledger export `amount` is what was paid, and `total` the receipt.)
    """
    cell = {name: str(row.get(name) or "").strip() for name in COLUMNS}
    if ledger_export:
        cell["to_pay"] = str(row.get("amount") or "").strip()
    discount = parse_amount(cell["discount"], allow_zero=True) if cell["discount"] else None
    paid = _points(cell["paid_points"]) if cell["paid_points"] else 0
    to_pay = parse_amount(cell["to_pay"], allow_zero=True) if cell["to_pay"] else None
    programme = shop.programme()
    value = checkout.unit_value(programme)
    if paid and value <= 0:
        raise InvalidInput(_("points are worth nothing (redeem.value is 0); they cannot pay"))
    paid_value = (paid * value).quantize(CENT, rounding=ROUND_FLOOR)
    if discount is None:
        discount = Decimal("0.00") if to_pay is None else amount - paid_value - to_pay
    if to_pay is None:
        to_pay = amount - discount - paid_value
    money = partial(formats.money, currency=programme.currency)
    if discount < 0 or to_pay < 0:
        raise InvalidInput(
            _("the discount {discount} and the {paid} paid with points come to more than {amount}").format(
                amount=money(amount), discount=money(max(discount, 0)), paid=money(paid_value)
            )
            if to_pay < 0
            else _("to_pay {to_pay} is more than {amount} less the {paid} paid with points").format(
                amount=money(amount), paid=money(paid_value), to_pay=money(to_pay)
            )
        )
    if amount - discount - paid_value != to_pay:
        raise InvalidInput(
            _(
                "the bill does not add up: {amount} less the discount {discount} "
                "less the {paid} paid with points is {left}, not {to_pay}"
            ).format(
                amount=money(amount),
                discount=money(discount),
                paid=money(paid_value),
                left=money(amount - discount - paid_value),
                to_pay=money(to_pay),
            )
        )
    return GivenBill(amount, discount, paid, paid_value, to_pay)


def _points(text: str) -> int:
    digits = "".join(text.split())
    if not digits.isdigit() or int(digits) > points.MAX_POINTS:
        raise InvalidInput(_("paid_points {text!r} is not a whole number of points").format(text=text))
    return int(digits)


def checkout_bill(shop: Shop, member: dict, given: GivenBill, at: datetime) -> checkout.Bill:
    """The checkout.Bill of a given bill: earned on to_pay at the member's rate and
    multiplier; refused when the member cannot spend the points it was paid with."""
    programme = shop.programme()
    if given.paid_points:
        can = pending.spendable(member, projection.day_of(at, programme.tz))
        if given.paid_points > can:
            raise InvalidInput(
                ngettext(
                    "member {card} can spend {count} point; the bill was paid with {wanted}",
                    "member {card} can spend {count} points; the bill was paid with {wanted}",
                    can,
                ).format(
                    card=member["card"], count=formats.number(can), wanted=formats.number(given.paid_points)
                )
            )
    day = projection.day_of(at, programme.tz)
    plain = checkout.compute(programme, member, given.to_pay, spendable=0, day=day)  # the rate and multiplier
    earned = (
        0 if given.to_pay < programme.min_purchase else points_for(given.to_pay, plain.rate, plain.multiplier)
    )
    return checkout.Bill(
        given.amount,
        _percent_of(given.discount, given.amount),
        given.discount,
        given.paid_points,
        given.paid_value,
        given.to_pay,
        earned,
        plain.rate,
        plain.multiplier,
    )


def _percent_of(discount: Decimal, amount: Decimal) -> Decimal:
    """The shortest percent that gives back `discount` of `amount` (rounded half up), as a
    computed discount would have it: 5 for 3.00 of 60.00."""
    if not discount:
        return Decimal(0)
    exact = discount * 100 / amount
    for places in range(0, 12):
        percent = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if (amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP) == discount:
            return percent
    return exact
