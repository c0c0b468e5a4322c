"""Pending points: what a purchase earns waits out the return window (earn.pending_days).

A purchase on day D with N pending days puts its points in the lot
"pending:<D + N + 1>:<expiry lot>": pending until the end of day D + N (shop time), then
spendable. Pending points count in the balance, which stays the sum of the ledger, but they
are shown apart, cannot be spent, are not expired and do not pay off a refund's debt; a
refund of the purchase takes them first.

Confirmation moves due points into their expiry lot with a `confirm` entry (it changes no
balance). `maintain` confirms every member's due points each day; a command that spends,
expires or takes back a member's points confirms theirs first; and what is shown or
checked counts due points as confirmed, so nothing waits for the nightly run.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from loyalty_cli import clock, lots
from loyalty_cli.storage.unit_of_work import Shop


def lot_for(programme, day: str, lot: str) -> str:
    """The lot a purchase of shop day `day` earns into: pending, or `lot` itself."""
    days = programme.pending_days
    if not days:
        return lot
    return lots.pending_key((date.fromisoformat(day) + timedelta(days=days + 1)).isoformat(), lot)


def available_on(key: str) -> str:
    """The day (YYYY-MM-DD) the points of pending lot `key` become spendable."""
    return key[len(lots.PENDING) :].split(":", 1)[0]


def target(key: str) -> str:
    """The lot the points of pending lot `key` join when confirmed."""
    return key[len(lots.PENDING) :].split(":", 1)[1]


def held(member_lots: dict[str, int], day: str) -> int:
    """Points still pending on shop day `day` (YYYY-MM-DD): not yet spendable."""
    return sum(v for k, v in member_lots.items() if lots.is_pending(k) and available_on(k) > day)


def held_lots(member_lots: dict[str, int], day: str) -> dict[str, int]:
    """The pending lots still held on `day`, by the day they become spendable."""
    found: dict[str, int] = {}
    for key, value in member_lots.items():
        if lots.is_pending(key) and available_on(key) > day:
            found[available_on(key)] = found.get(available_on(key), 0) + value
    return dict(sorted(found.items()))


def spendable(member: dict, day: str) -> int:
    """The member's balance less what is still pending on `day`."""
    points = member["points"]
    return points["balance"] - held(points["lots"], day)


def due_deltas(member_lots: dict[str, int], day: str) -> dict[str, int]:
    """Lot deltas confirming the pending points due by `day` (a refund's debt is paid first)."""
    working = dict(member_lots)
    deltas: dict[str, int] = {}
    for key in sorted(k for k, v in member_lots.items() if lots.is_pending(k) and v > 0):
        if available_on(key) > day:
            continue
        count = member_lots[key]
        step = {key: -count}
        for k, v in lots.earn(working, count, target(key)).items():
            step[k] = step.get(k, 0) + v
        lots.apply(working, step)
        for k, v in step.items():
            deltas[k] = deltas.get(k, 0) + v
    return {k: v for k, v in deltas.items() if v}


def confirm(shop: Shop, member: dict, at: datetime, *, operator: str) -> int:
    """Confirm the member's points due by the shop day of `at`; how many were confirmed."""
    member_lots = member["points"]["lots"]
    if not any(lots.is_pending(k) for k in member_lots):
        return 0
    day = at.astimezone(shop.programme().tz).date().isoformat()
    deltas = due_deltas(member_lots, day)
    if not deltas:
        return 0
    from loyalty_cli import points  # points records through this module's confirmations

    count = -sum(v for k, v in deltas.items() if lots.is_pending(k))
    points.record(shop, member, at=at, operator=operator, kind="confirm", points=0, lots=deltas)
    return count


def confirm_all(shop: Shop, day: date, *, operator: str) -> tuple[int, int]:
    """Confirm every member's points due by `day`, at its start: (points, members)."""
    at = clock.start_of_day(day, shop.programme().tz)
    text = day.isoformat()
    total = members = 0
    for stored in list(shop.members.all()):
        found = stored["points"]["lots"]
        if not any(lots.is_pending(k) and available_on(k) <= text for k in found):
            continue
        count = confirm(shop, shop.members.get(stored["card"]), at, operator=operator)
        total += count
        members += 1 if count else 0
    return total, members
