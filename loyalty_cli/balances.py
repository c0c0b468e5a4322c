"""How a balance reads: points, or money in cashback mode (the ledger then keeps cents).

Every place that shows a member's balance, what a purchase earned or what a report adds up
goes through here, so a cashback programme shows money everywhere and a points programme
points.
"""

from __future__ import annotations

from decimal import Decimal

from loyalty_cli import formats
from loyalty_cli.language import ngettext
from loyalty_cli.program import Programme


def money_of(units: int) -> Decimal:
    """Cents of cashback as money."""
    return Decimal(units).scaleb(-2)


def figure(programme: Programme, units: int) -> str:
    """A balance or a change of it, bare: "1,234" points, or "12.34 €" of cashback."""
    if programme.cashback:
        return formats.money(money_of(units), programme.currency)
    return formats.number(units)


def amount(programme: Programme, units: int) -> str:
    """A balance or a change of it with its unit: "1,234 points", or "12.34 €"."""
    if programme.cashback:
        return formats.money(money_of(units), programme.currency)
    return ngettext("{count} point", "{count} points", units).format(count=formats.number(units))


def json_value(programme: Programme, units: int):
    """A balance in --json: whole points, or the money of cashback as a "12.34" string."""
    if programme.cashback:
        return str(money_of(units).quantize(Decimal("0.01")))
    return units


def units_for(programme: Programme, money: Decimal) -> int | None:
    """The balance `money` is worth: cents of cashback, or points at redeem.value; None when
    it is no whole number of points (or of cents)."""
    value = Decimal("0.01") if programme.cashback else programme.redeem_value
    if value <= 0:
        return None
    units = money / value
    return int(units) if units == units.to_integral_value() else None


def shown_lots(member_lots: dict[str, int], day: str) -> dict[str, int]:
    """The lots as of shop day `day` (YYYY-MM-DD): pending points already due are confirmed
    as `maintain` would (into the lot they join, paying a refund's debt first); those still
    pending keep their pending lot."""
    from loyalty_cli import lots, pending

    shown = dict(member_lots)
    lots.apply(shown, pending.due_deltas(member_lots, day))
    return dict(sorted(shown.items()))
