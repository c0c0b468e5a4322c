"""Expiry: points earned in month M lapse at the end of month M + `expiry.months`.

A lot's key is the month at whose end it lapses, so on any day every lot keyed before the
current month has lapsed. What is left of such lots (after redemptions took the oldest
points first) goes in one `expire` entry per member. A second run on the same day finds
nothing left to expire; a run after missed days expires everything that lapsed meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from loyalty_cli import clock, lots, pending, points
from loyalty_cli.storage.unit_of_work import Shop


@dataclass
class ExpiryResult:
    """What an expiry run removed."""

    day: date
    expired_points: int = 0
    members: int = 0
    by_member: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "as_of": self.day.isoformat(),
            "expired_points": self.expired_points,
            "members": self.members,
        }


def expire(shop: Shop, day: date, *, operator: str) -> ExpiryResult:
    """Expire every lot that has lapsed by `day` (in the shop's timezone)."""
    programme = shop.programme()
    month = day.strftime("%Y-%m")
    at = clock.start_of_day(day, programme.tz)
    result = ExpiryResult(day)
    today = day.isoformat()
    for stored in list(shop.members.all()):
        if not lots.expired(_confirmed(stored["points"]["lots"], today), month):
            continue
        member = shop.members.get(stored["card"])
        pending.confirm(shop, member, at, operator=operator)  # due points first join their lots
        deltas = lots.expired(member["points"]["lots"], month)
        amount = -sum(deltas.values())
        lapsed = ", ".join(sorted(deltas))
        points.record(
            shop,
            member,
            at=at,
            operator=operator,
            kind="expire",
            points=-amount,
            lots=deltas,
            reason=f"points of {lapsed} expired",
        )
        result.expired_points += amount
        result.members += 1
        result.by_member[member["card"]] = amount
    return result


def _confirmed(member_lots: dict[str, int], day: str) -> dict[str, int]:
    """The lots with the pending points due by `day` counted as confirmed (they lapse too)."""
    if not any(lots.is_pending(k) for k in member_lots):
        return member_lots
    working = dict(member_lots)
    lots.apply(working, pending.due_deltas(member_lots, day))
    return working


def next_expiry(member: dict) -> tuple[str, int] | None:
    """The soonest lot to lapse: (month at whose end it lapses, points)."""
    order = lots.spending_order(member["points"]["lots"])
    if not order or order[0] == lots.NEVER:
        return None
    return order[0], member["points"]["lots"][order[0]]
