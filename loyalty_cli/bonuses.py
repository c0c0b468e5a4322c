"""Bonuses: welcome on enrolment, birthday once a year, referral at the first purchase.

Each is a `bonus` entry with its reason; bonus points join the lot of the month they are
given in and expire like earned points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from loyalty_cli import clock, lots, points
from loyalty_cli.storage.unit_of_work import Shop


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
    # A first purchase back-dated before the referrer enrolled pays them at their enrolment.
    at = max(at, clock.from_iso(referrer["enrolled_at"]))
    return give(shop, referrer, amount, f"referral of {member['card']}", at=at, operator=operator)


def birthdays(shop: Shop, day: date, *, operator: str) -> list[BonusGiven]:
    """Birthday bonuses for `day`: members born on it (29 February counts on the 28th in
    other years), once per member per year, who were enrolled and active at some moment of
    the day. The entry is dated at the first such moment, never before the enrolment."""
    programme = shop.programme()
    amount = programme.bonus("birthday")
    if amount <= 0:
        return []
    start = clock.iso(clock.start_of_day(day, programme.tz))
    end = clock.iso(clock.start_of_day(day + timedelta(days=1), programme.tz))
    given = []
    for stored in list(shop.members.all()):
        if not born_on(stored.get("birthday"), day) or stored.get("birthday_bonus_year", 0) >= day.year:
            continue
        if stored.get("merged_into"):  # its card takes no points: the record it joined has its birthday
            continue
        moment = first_active_moment(stored, start, end)
        if moment is None:
            continue
        member = shop.members.get(stored["card"])
        member["birthday_bonus_year"] = day.year
        at = clock.from_iso(moment)
        given.append(give(shop, member, amount, f"birthday {day.year}", at=at, operator=operator))
    return given


def late_birthday(shop: Shop, member: dict, *, at: datetime, operator: str) -> BonusGiven | None:
    """The birthday bonus of a member who became active (enrolled or unblocked) on their
    birthday after that day's birthday job ran: given at that moment, as a later run of the
    job would have given it."""
    programme = shop.programme()
    amount = programme.bonus("birthday")
    day = at.astimezone(programme.tz).date()
    done = shop.meta.get("birthdays_through")
    if amount <= 0 or done is None or done < day.isoformat() or member["status"] != "active":
        return None
    if not born_on(member.get("birthday"), day) or member.get("birthday_bonus_year", 0) >= day.year:
        return None
    member["birthday_bonus_year"] = day.year
    return give(shop, member, amount, f"birthday {day.year}", at=at, operator=operator)


def first_active_moment(member: dict, start: str, end: str) -> str | None:
    """The first moment in [start, end) (stored form) at which the member was enrolled and
    active, from their status changes; a member without any is as they are now since
    enrolment."""
    changes = member.get("status_changes") or [[member["enrolled_at"], member["status"]]]
    for index, (since, status) in enumerate(changes):
        until = changes[index + 1][0] if index + 1 < len(changes) else None
        moment = max(since, start)
        if status == "active" and moment < end and (until is None or moment < until):
            return moment
    return None


def born_on(birthday: str | None, day: date) -> bool:
    """Whether `day` is the birthday (YYYY-MM-DD) of someone born then; 29 February
    falls on the 28th in other years."""
    if not birthday:
        return False
    wanted = day.strftime("%m-%d")
    also = "02-29" if wanted == "02-28" and not _is_leap(day.year) else None
    return birthday[5:] in (wanted, also)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
