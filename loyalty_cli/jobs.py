"""The nightly jobs and `maintain`, which runs each of them for every day not yet done.

`maintain` remembers the last day it completed (meta `maintained_through`); its first run
starts on the day the programme was created. Run for a later day, it goes through every
day in between in order — confirmation of pending points that are due, expiry, birthdays,
on the first of a month the tier review, then scheduled draws — so a run after 40 missed
days writes exactly the ledger that 40 daily runs would have written. Then it clears the
membership plans that have lapsed from the members (which writes no entry).
A run for a day already done does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from loyalty_cli import bonuses, clock, expiry, pending, plans, tiers
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import _
from loyalty_cli.storage.unit_of_work import Shop

# A --as-of far beyond the last run never walks back further than this.
LONGEST_CATCH_UP = timedelta(days=366)


@dataclass
class JobsResult:
    """What a run of the jobs did over its days."""

    first_day: date | None = None
    through: date | None = None
    days: int = 0
    confirmed_points: int = 0
    confirmed_members: int = 0
    expired_points: int = 0
    expired_members: int = 0
    birthday_bonuses: int = 0
    birthday_points: int = 0
    tier_changes: list = field(default_factory=list)
    draws: list = field(default_factory=list)
    memberships_ended: int = 0

    def to_json(self) -> dict:
        return {
            "from": self.first_day.isoformat() if self.first_day else None,
            "as_of": self.through.isoformat() if self.through else None,
            "days": self.days,
            "confirmed_points": self.confirmed_points,
            "confirmed_members": self.confirmed_members,
            "expired_points": self.expired_points,
            "expired_members": self.expired_members,
            "birthday_bonuses": self.birthday_bonuses,
            "birthday_points": self.birthday_points,
            "tier_changes": [c.to_json() for c in self.tier_changes],
            "draws": self.draws,
            "memberships_ended": self.memberships_ended,
        }


def job_day(as_of: date | None, now: clock.Clock, tz, *, dry_run: bool) -> date:
    """The day a job runs for: today by default; a later day only as a dry run."""
    today = now.today(tz)
    day = as_of or today
    if day > today and not dry_run:
        raise InvalidInput(
            _("--as-of {day} is after today; preview it with --dry-run").format(day=day.isoformat())
        )
    return day


def maintain(shop: Shop, through: date, *, operator: str, now: clock.Clock) -> JobsResult:
    """Run every due job for each day after the last one done, up to `through`."""
    result = JobsResult(through=through)
    for day in _days_to_do(shop, "maintained_through", through, from_creation=True):
        result.first_day = result.first_day or day
        result.days += 1
        confirmed, members = pending.confirm_all(shop, day, operator=operator)
        result.confirmed_points += confirmed
        result.confirmed_members += members
        expired = expiry.expire(shop, day, operator=operator)
        result.expired_points += expired.expired_points
        result.expired_members += expired.members
        _birthdays(shop, day, operator, result)
        if day.day == 1:
            result.tier_changes.extend(tiers.review(shop, day))
        result.draws.extend(_scheduled_draws(shop, day, operator, now))
        _done(shop, "maintained_through", day)
    if result.days:
        result.memberships_ended = plans.end_lapsed(shop, through)
    return result


def birthdays(shop: Shop, through: date, *, operator: str) -> JobsResult:
    """Birthday bonuses for every day since the last birthday run, up to `through`."""
    result = JobsResult(through=through)
    for day in _days_to_do(shop, "birthdays_through", through):
        result.first_day = result.first_day or day
        result.days += 1
        _birthdays(shop, day, operator, result)
    return result


def _birthdays(shop: Shop, day: date, operator: str, result: JobsResult) -> None:
    given = bonuses.birthdays(shop, day, operator=operator)
    result.birthday_bonuses += len(given)
    result.birthday_points += sum(g.points for g in given)
    _done(shop, "birthdays_through", day)


def _scheduled_draws(shop: Shop, day: date, operator: str, now: clock.Clock) -> list:
    try:
        from loyalty_cli.draws.draw import hold_scheduled_draws
    except ImportError:
        return []
    return hold_scheduled_draws(shop, as_of=day, clock=now, operator=operator)


def _days_to_do(shop: Shop, key: str, through: date, *, from_creation: bool = False):
    last = shop.meta.get(key)
    if last is None:
        # A shop that never ran `maintain` starts on the day its programme was created, so
        # the birthdays and tier reviews since then are not skipped.
        first = min(_created_on(shop) or through, through) if from_creation else through
    else:
        first = max(date.fromisoformat(last) + timedelta(days=1), through - LONGEST_CATCH_UP)
    day = first
    while day <= through:
        yield day
        day += timedelta(days=1)


def _created_on(shop: Shop) -> date | None:
    programme = shop.programme()
    created = programme.settings.get("created_at")
    return clock.from_iso(created).astimezone(programme.tz).date() if created else None


def _done(shop: Shop, key: str, day: date) -> None:
    if shop.meta.get(key) is None or shop.meta[key] < day.isoformat():
        shop.meta[key] = day.isoformat()
        shop.touch_meta()
