"""Tiers: reached by spend over the last 12 months; a higher tier earns at a higher multiplier.

The spend of day D is over its tier window (projection.window): the days from the same
date 12 months earlier to D, both included. A member moves up at once, when a purchase
takes that spend over a threshold (that purchase still earns at the old tier); moves down
at once when a refund takes it below their tier's threshold; and the monthly review moves
down those whose old spend aged out.

Every change is recorded on the member as [moment, from, to] in `tier_changes` (oldest
first), so the tier held at any moment can be told (`held_at`): `member show --as-of`,
statements of past periods and reports as of a past day show the tier held then. Changes
are not ledger entries: they move no points, and the ledger stays the record of points.
Members whose changes predate the record show the tier they hold now; the record keeps
the latest CHANGES_KEPT changes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from loyalty_cli import clock, projection
from loyalty_cli.program import Programme, Tier
from loyalty_cli.storage.unit_of_work import Shop

CHANGES = "tier_changes"
# Enough for three years of a member who moves up and back down every month; the row of a
# member stays small however long they stay. Before the oldest change kept, a member shows
# the tier they held just before it.
CHANGES_KEPT = 36


class TierChange(NamedTuple):
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
    return _named(programme, member.get("tier"))


def held_at(programme: Programme, member: dict, until: str) -> Tier | None:
    """The tier the member held at the stored-form moment `until` (changes after it undone)."""
    name = member.get("tier")
    for at, old, _new in reversed(member.get(CHANGES) or ()):
        if at <= until:
            break
        name = old
    return _named(programme, name)


def above(programme: Programme, tier: Tier | None) -> Tier | None:
    """The tier above `tier`, if any."""
    higher = [t for t in programme.tiers if tier is None or t.spend > tier.spend]
    return higher[0] if higher else None


def multiplier(programme: Programme, member: dict) -> Decimal:
    """The earn multiplier of the member's tier (1 without tiers)."""
    tier = current(programme, member)
    return tier.multiplier if tier else Decimal(1)


def upgrade_after_purchase(programme: Programme, member: dict, day: str, *, at: str | None = None) -> None:
    """Move the member up if their spend reaches a higher tier, on the purchase's `day` or later.

    A purchase recorded late (back-dated) counts with every purchase recorded since: the
    spend is looked at on each spend day from the purchase's to the latest, so a back-dated
    purchase that crosses a threshold moves the member up as one recorded on time would
    have. The change is dated at the member's latest purchase, after every purchase that
    already earned at the old tier; a member whose spend is all opening spend (imported)
    has no purchase, and the change is dated at `at` (stored form).
    """
    if not programme.tiers:
        return
    held = current(programme, member)
    if held is programme.tiers[-1] and member.get("tier") == held.name:
        return  # at the top already: nothing to reach, and no need to add up the spend
    points = member["points"]
    ends = sorted(d for d in points["spend"] if d >= day) or [day]
    spend = max(projection.spend_in_window(points, date.fromisoformat(d)) for d in ends)
    reached = for_spend(programme.tiers, spend)
    if reached is not None and (held is None or reached.spend > held.spend):
        move(member, reached.name, points["last_purchase"] or at)
    elif member.get("tier") is None and held is not None:
        member["tier"] = held.name


def after_refund(programme: Programme, member: dict, at: datetime, spend_before: Decimal) -> None:
    """Move the member down at once when a refund took their spend below their tier's threshold.

    `spend_before` is their spend over the window of the refund's day before it; the
    window is the same after it. Spend that was already below (old spend aged out) is left
    to the monthly review.
    """
    held = current(programme, member)
    if held is None or spend_before < held.spend:
        return
    spend = spend_on(programme, member, at)
    earned = for_spend(programme.tiers, spend)
    if earned is not None and earned.spend < held.spend:
        move(member, earned.name, clock.iso(at))


def spend_on(programme: Programme, member: dict, at: datetime) -> Decimal:
    """The member's spend over the tier window of the shop-local day of `at`."""
    return projection.spend_in_window(member["points"], at.astimezone(programme.tz).date())


def review(shop: Shop, day: date) -> list[TierChange]:
    """Set every member to the tier their spend over the window of `day` earns.

    The change is dated at the start of `day`. A member whose tier changed after that
    (a purchase recorded since, when cron catches up) keeps it: that change saw more.
    """
    programme = shop.programme()
    if not programme.tiers:
        return []
    start = clock.iso(clock.start_of_day(day, programme.tz))
    changes = []
    for stored in list(shop.members.all()):
        spend = projection.spend_in_window(stored["points"], day)
        earned = for_spend(programme.tiers, spend)
        if earned is None or earned.name == stored.get("tier"):
            continue
        recorded = stored.get(CHANGES)
        if recorded and recorded[-1][0] > start:
            continue
        member = shop.members.get(stored["card"])
        changes.append(TierChange(member["card"], member.get("tier"), earned.name))
        move(member, earned.name, start)
        shop.members.put(member)
    return changes


def move(member: dict, tier: str, at: str) -> None:
    """Set the member's tier and record the change at the stored-form moment `at`."""
    old = member.get("tier")
    if old == tier:
        return
    history = list(member.get(CHANGES) or ())
    if history and history[-1][0] > at:
        at = history[-1][0]  # never before a change already recorded: the record stays in order
    history.append([at, old, tier])
    member[CHANGES] = history[-CHANGES_KEPT:]
    member["tier"] = tier


def _named(programme: Programme, name: str | None) -> Tier | None:
    tiers = programme.tiers
    for tier in tiers:
        if tier.name == name:
            return tier
    return tiers[0] if tiers else None
