"""Lots: a member's points grouped by the month they expire in.

A lot key is an expiry month "YYYY-MM", "never" when points do not expire, or "debt" for
the negative lot a refund leaves when the points it takes back were already spent. Points
still in their return window (earn.pending_days) are in a pending lot,
"pending:YYYY-MM-DD:LOT": spendable from that day on, when they join LOT (see pending.py);
until then they are not spent, not expired and do not pay a debt. Every
ledger entry records its lot deltas, so spending order (oldest first) is decided once, when
the entry is written, and replaying the ledger gives back exactly the same lots.
"""

from __future__ import annotations

DEBT = "debt"
NEVER = "never"
PENDING = "pending:"


def pending_key(available_on: str, lot: str) -> str:
    """The key of points pending until the day `available_on` (YYYY-MM-DD), then joining `lot`."""
    return f"{PENDING}{available_on}:{lot}"


def is_pending(key: str) -> bool:
    return key.startswith(PENDING)


def spending_order(lots: dict[str, int]) -> list[str]:
    """Positive lots, the soonest to expire first; "never" last; pending lots not at all."""
    months = sorted(k for k, v in lots.items() if v > 0 and k not in (DEBT, NEVER) and not is_pending(k))
    if lots.get(NEVER, 0) > 0:
        months.append(NEVER)
    return months


def earn(lots: dict[str, int], points: int, lot: str) -> dict[str, int]:
    """Deltas for adding `points` to `lot`; a refund debt is paid off first."""
    deltas: dict[str, int] = {}
    debt = -lots.get(DEBT, 0)
    if debt > 0 and points > 0 and not is_pending(lot):
        paid = min(debt, points)
        deltas[DEBT] = paid
        points -= paid
    if points:
        deltas[lot] = deltas.get(lot, 0) + points
    return deltas


def spend(lots: dict[str, int], points: int, first: str | None = None) -> dict[str, int]:
    """Deltas for taking `points` out, oldest lot first (or `first`, even pending, before the others).

    What the lots cannot cover becomes debt; callers that must not go negative check the
    balance before.
    """
    deltas: dict[str, int] = {}
    order = spending_order(lots)
    if first is not None and lots.get(first, 0) > 0 and first != DEBT:
        if first in order:
            order.remove(first)
        order.insert(0, first)
    for key in order:
        if points <= 0:
            break
        taken = min(lots[key], points)
        deltas[key] = -taken
        points -= taken
    if points > 0:
        deltas[DEBT] = -points
    return deltas


def apply(lots: dict[str, int], deltas: dict[str, int]) -> None:
    """Add `deltas` to `lots` in place, dropping lots that reach zero."""
    for key, delta in deltas.items():
        value = lots.get(key, 0) + delta
        if value:
            lots[key] = value
        else:
            lots.pop(key, None)


def expired(lots: dict[str, int], month: str) -> dict[str, int]:
    """Deltas that remove what is left of lots whose expiry month is before `month`."""
    return {
        k: -v for k, v in lots.items() if k not in (DEBT, NEVER) and k < month and v > 0 and not is_pending(k)
    }
