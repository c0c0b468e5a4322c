"""Money is Decimal, quantised to the currency's minor unit, stored as a string."""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import N_, _

CENT = Decimal("0.01")
# Amounts above this are typing mistakes, not purchases at a small shop.
LARGEST_AMOUNT = Decimal("10000000")
NEGATIVE = N_("amounts are positive; give the amount without a minus sign")
_AMOUNT = re.compile(r"^(-)?[0-9]{1,12}(?:[.,][0-9]{1,2})?$")
# Spaces that group thousands: "1 234,50" as typed, or with the no-break and thin spaces
# that spreadsheets in Latvia, Russia or France put there.
_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009")


def parse_amount(text: str, *, allow_zero: bool = False) -> Decimal:
    """Read an amount such as "12.30", "12,30" or "1 234,50"; refuse anything that is not money."""
    cleaned = str(text).strip().translate(_GROUPING)
    match = _AMOUNT.match(cleaned)
    if not match:
        raise InvalidInput(_("{text!r} is not an amount of money (use 12.30 or 12,30)").format(text=text))
    if match.group(1):
        raise InvalidInput(
            _("{text!r}: amounts are positive; give the amount without a minus sign").format(text=text)
        )
    value = Decimal(cleaned.lstrip("-").replace(",", "."))
    if value == 0 and not allow_zero:
        raise InvalidInput(_("{text!r}: the amount must be more than zero").format(text=text))
    if value > LARGEST_AMOUNT:
        raise InvalidInput(_("{text!r} is larger than any purchase this tool accepts").format(text=text))
    return value.quantize(CENT)


def parse_rate(text: str, what: str) -> Decimal:
    """Read a non-negative decimal factor (a rate, a multiplier, a point's value)."""
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidInput(_("{what} must be a number, not {text!r}").format(what=what, text=text)) from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(_("{what} must be zero or more, not {text!r}").format(what=what, text=text))
    if value > 1_000_000:
        raise InvalidInput(_("{what} {text!r} is too large").format(what=what, text=text))
    # A whole number without its zero decimals (10.0 -> 10), never in exponent form (1E+1).
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def to_text(amount: Decimal) -> str:
    """The stored form of an amount (ledger, JSON, CSV): two decimals, dot separator.

    People read amounts as formats.money writes them, in their language.
    """
    return str(amount.quantize(CENT))


def points_for(amount: Decimal, rate: Decimal, multiplier: Decimal = Decimal(1)) -> int:
    """floor(amount x rate x multiplier): points are whole and never rounded up."""
    return int((amount * rate * multiplier).to_integral_value(rounding=ROUND_FLOOR))
