"""Bonuses: welcome on enrolment, birthday once a year, referral at the first purchase.

Each is a `bonus` entry with its reason; bonus points join the lot of the month they are
given in and expire like earned points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from . import clock, lots, points
from .shop import Shop


@dataclass(frozen=True)
class BonusGiven:
    """One bonus entry written (or, in a dry run, that would be)."""

    card: str
    points: int
    reason: str


def give(shop: Shop, member: dict, amount: int, reason: str, *, at: datetime, operator: str) -> BonusGiven:
    """Credit `amount` bonus points to `member`."""
    programme = shop.programme()
    lot = programme.expiry_month(clock.month_of(at, programme.tz))
    points.record(
        shop,
        member,
        at=at,
        operator=operator,
        kind="bonus",
        points=amount,
        lots=lots.earn(member["points"]["lots"], amount, lot),
        reason=reason,
    )
    return BonusGiven(member["card"], amount, reason)


def welcome(shop: Shop, member: dict, *, at: datetime, operator: str) -> BonusGiven | None:
    """The welcome bonus of a new member, if the programme has one."""
    amount = shop.programme().bonus("welcome")
    if amount <= 0:
        return None
    return give(shop, member, amount, "welcome", at=at, operator=operator)


def referral(shop: Shop, member: dict, *, at: datetime, operator: str) -> BonusGiven | None:
    """The referrer's bonus, due when the member they referred makes a first purchase."""
    amount = shop.programme().bonus("referral")
    referrer = shop.members.get(member["referred_by"]) if member.get("referred_by") else None
    if amount <= 0 or referrer is None or referrer["status"] != "active":
        return None
    return give(shop, referrer, amount, f"referral of {member['card']}", at=at, operator=operator)


def birthdays(shop: Shop, day: date, *, operator: str) -> list[BonusGiven]:
    """Birthday bonuses for `day`: active members born on it (29 February counts on the
    28th in other years), once per member per year, not before they enrolled."""
    programme = shop.programme()
    amount = programme.bonus("birthday")
    if amount <= 0:
        return []
    at = clock.start_of_day(day, programme.tz)
    wanted = day.strftime("%m-%d")
    also = "02-29" if wanted == "02-28" and not _is_leap(day.year) else None
    given = []
    for stored in list(shop.members.all()):
        birthday = stored.get("birthday")
        if not birthday or stored["status"] != "active" or birthday[5:] not in (wanted, also):
            continue
        if stored.get("birthday_bonus_year", 0) >= day.year:
            continue
        if clock.from_iso(stored["enrolled_at"]).astimezone(programme.tz).date() > day:
            continue
        member = shop.members.get(stored["card"])
        member["birthday_bonus_year"] = day.year
        given.append(give(shop, member, amount, f"birthday {day.year}", at=at, operator=operator))
    return given


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
