"""A member's projection of the ledger: balance, lots, monthly spend, purchase counters.

The member document keeps this for speed; `verify` rebuilds it from the ledger with the
same `apply_entry` and must find it identical.
"""

from __future__ import annotations

from decimal import Decimal

from . import clock, lots
from .ledger import LedgerEntry
from .money import to_text

# Monthly spend is kept for the tier window (12 months) plus the month before it.
SPEND_MONTHS_KEPT = 13


def empty() -> dict:
    """The projection of a member with no entries."""
    return {"balance": 0, "lots": {}, "spend": {}, "purchases": 0, "last_purchase": None}


def apply_entry(points: dict, entry: LedgerEntry) -> None:
    """Fold one entry into a projection, in place."""
    points["balance"] += entry.points
    lots.apply(points["lots"], entry.lots)
    if entry.amount is not None and entry.month is not None:
        sign = -1 if entry.kind == "refund" else 1
        spend = points["spend"]
        known = entry.month in spend
        total = Decimal(spend.get(entry.month, "0")) + sign * Decimal(entry.amount)
        spend[entry.month] = to_text(total)
        if not known:  # a new month may push the oldest out of the window kept
            oldest_kept = clock.add_months(max(spend), -(SPEND_MONTHS_KEPT - 1))
            for month in [m for m in spend if m < oldest_kept]:
                del spend[month]
    if entry.kind == "earn":
        points["purchases"] += 1
        if points["last_purchase"] is None or entry.at > points["last_purchase"]:
            points["last_purchase"] = entry.at


def rebuild(entries) -> dict:
    """The projection of a member from their entries, in ledger order."""
    points = empty()
    for entry in entries:
        apply_entry(points, entry)
    return points


def spend_in_window(points: dict, month: str, months: int = 12) -> Decimal:
    """Spend in the `months` months ending with `month` (inclusive)."""
    first = clock.add_months(month, -(months - 1))
    return sum((Decimal(v) for m, v in points["spend"].items() if first <= m <= month), Decimal("0"))
