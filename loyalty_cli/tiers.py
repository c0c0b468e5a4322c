"""Tiers: reached by spend over the last 12 months; a higher tier earns at a higher multiplier.

A member moves up at once, when a purchase takes their 12-month spend over a threshold (that
purchase still earns at the old tier), and moves down only at the monthly review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import projection
from .program import Programme, Tier
from .shop import Shop


@dataclass(frozen=True)
class TierChange:
    """A member who moved from one tier to another at a review."""

    card: str
    old: str | None
    new: str

    def to_json(self) -> dict:
        return {"card": self.card, "from": self.old, "to": self.new}


def for_spend(tiers: list[Tier], spend: Decimal) -> Tier | None:
    """The highest tier whose threshold `spend` reaches."""
    reached = None
    for tier in tiers:
        if spend >= tier.spend:
            reached = tier
    return reached


def current(programme: Programme, member: dict) -> Tier | None:
    """The member's tier; the lowest tier when they hold none (tiers were added later)."""
    tiers = programme.tiers
    for tier in tiers:
        if tier.name == member.get("tier"):
            return tier
    return tiers[0] if tiers else None


def multiplier(programme: Programme, member: dict) -> Decimal:
    """The earn multiplier of the member's tier (1 without tiers)."""
    tier = current(programme, member)
    return tier.multiplier if tier else Decimal(1)


def next_tier(programme: Programme, member: dict) -> Tier | None:
    """The tier above the member's, if any."""
    tier = current(programme, member)
    above = [t for t in programme.tiers if tier is None or t.spend > tier.spend]
    return above[0] if above else None


def upgrade_after_purchase(programme: Programme, member: dict, month: str) -> None:
    """Move the member up if their 12-month spend up to `month` reaches a higher tier."""
    if not programme.tiers:
        return
    held = current(programme, member)
    if held is programme.tiers[-1] and member.get("tier") == held.name:
        return  # at the top already: nothing to reach, and no need to add up the spend
    reached = for_spend(programme.tiers, projection.spend_in_window(member["points"], month))
    if reached is not None and (held is None or reached.spend > held.spend):
        member["tier"] = reached.name
    elif member.get("tier") is None and held is not None:
        member["tier"] = held.name


def review(shop: Shop, day: date) -> list[TierChange]:
    """Set every member to the tier their spend over the 12 months to `day` earns."""
    programme = shop.programme()
    if not programme.tiers:
        return []
    month = day.strftime("%Y-%m")
    changes = []
    for stored in list(shop.members.all()):
        spend = projection.spend_in_window(stored["points"], month)
        earned = for_spend(programme.tiers, spend)
        if earned is not None and earned.name != stored.get("tier"):
            member = shop.members.get(stored["card"])
            changes.append(TierChange(member["card"], member.get("tier"), earned.name))
            member["tier"] = earned.name
            shop.members.put(member)
    return changes
