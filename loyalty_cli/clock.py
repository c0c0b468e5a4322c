"""Time: one clock passed in from the edge; days and months reckoned in the shop's timezone.

Nothing below the command line calls `datetime.now()`: a command builds one `Clock` (from
the real time, or from `LOYALTY_NOW` for reproducible runs) and hands it down.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loyalty_cli import formats
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import _

UTC = timezone.utc
# 05.11.2026, 5.11.2026. and 05.11.2026 14:30 as spreadsheets in Latvia, Russia or Germany write them.
_DAY_FIRST = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})\.?(.*)$")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


class Clock(NamedTuple):
    """The current moment (UTC). Tests and `LOYALTY_NOW` replace it."""

    now: datetime

    @classmethod
    def system(cls) -> Clock:
        """The real time, unless LOYALTY_NOW names another moment."""
        fixed = os.environ.get("LOYALTY_NOW")
        if fixed:
            return cls(parse_datetime(fixed, UTC))
        return cls(datetime.now(UTC))

    def today(self, tz: ZoneInfo) -> date:
        """Today's date in the shop's timezone."""
        return self.now.astimezone(tz).date()


def zone(name: str) -> ZoneInfo:
    """A timezone by its IANA name (Europe/Riga)."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            _("{name!r} is not a timezone name (such as Europe/Riga)").format(name=name)
        ) from None


def parse_date(text: str) -> date:
    """YYYY-MM-DD, refusing dates that do not exist (2025-02-30) or lie outside 1900-2999."""
    try:
        day = date.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidInput(_("{text!r} is not a date (YYYY-MM-DD)").format(text=text)) from None
    return _plausible(day, text)


def parse_datetime(text: str, tz: ZoneInfo | timezone) -> datetime:
    """An ISO 8601 moment; a date alone means noon, no offset means shop time. Returns UTC."""
    raw = str(text).strip()
    try:
        if len(raw) == 10:
            moment = datetime.combine(date.fromisoformat(raw), time(12, 0))
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            _("{text!r} is not a date-time (ISO 8601, e.g. 2025-01-15T14:30)").format(text=text)
        ) from None
    _plausible(moment.date(), text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(_("{text!r} is out of range").format(text=text)) from None


def parse_sheet_date(text: str) -> date:
    """A date as a spreadsheet writes it: YYYY-MM-DD or DD.MM.YYYY (a trailing dot allowed)."""
    match = _DAY_FIRST.match(str(text).strip())
    if match is None:
        return parse_date(text)
    day, month, year, rest = match.groups()
    if rest:
        raise InvalidInput(_("{text!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)").format(text=text))
    return _plausible(_day(year, month, day, text), text)


def parse_sheet_moment(text: str, clock: Clock, tz: ZoneInfo) -> datetime:
    """A moment in a CSV file, never in the future: ISO 8601, or DD.MM.YYYY[ HH:MM[:SS]].

    Without an offset it is shop time; a date alone means noon, as on the command line.
    """
    raw = str(text).strip()
    match = _DAY_FIRST.match(raw)
    if match is None:
        moment = parse_datetime(raw, tz)
    else:
        day, month, year, rest = match.groups()
        hours = _TIME.fullmatch(rest.strip()) if rest.strip() else None
        if rest.strip() and hours is None:
            raise InvalidInput(
                _("{text!r} is not a date-time (DD.MM.YYYY HH:MM or ISO 8601)").format(text=text)
            )
        hour, minute, second = (int(hours[1]), int(hours[2]), int(hours[3] or 0)) if hours else (12, 0, 0)
        if hour > 23 or minute > 59 or second > 59:
            raise InvalidInput(_("{text!r} is not a time of day").format(text=text))
        moment = datetime.combine(
            _plausible(_day(year, month, day, text), text), time(hour, minute, second), tzinfo=tz
        ).astimezone(UTC)
    if moment > clock.now:
        raise InvalidInput(_("{text} is in the future; record things as they happen").format(text=text))
    return moment


def _day(year: str, month: str, day: str, text: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise InvalidInput(_("{text!r} is not a date").format(text=text)) from None


def _plausible(day: date, text: str) -> date:
    # Years before 1900 or after 2999 are typing mistakes; they would also break "YYYY-MM".
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(_("{text!r} is out of range (1900-01-01 to 2999-12-31)").format(text=text))
    return day


def parse_at(text: str | None, clock: Clock, tz: ZoneInfo) -> datetime:
    """The moment for `--at`: now when absent, never in the future."""
    if text is None:
        return clock.now
    moment = parse_datetime(text, tz)
    if moment > clock.now:
        raise InvalidInput(_("--at {text} is in the future; record things as they happen").format(text=text))
    return moment


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The last instant of `day` in the shop (as UTC), for evaluating a job as of that day."""
    nxt = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return (nxt - timedelta(microseconds=1)).astimezone(UTC)


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of `day` in the shop, as UTC."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def month_of(moment: datetime, tz: ZoneInfo) -> str:
    """The shop-local month of a moment, as YYYY-MM."""
    # One answer serves a whole UTC hour unless the local month or the offset changes
    # within it (historical offsets like Monrovia's -0:44:30 put midnight anywhere).
    month = _month_of_hour(int(moment.timestamp() // 3600), tz)
    if month is None:
        local = moment.astimezone(tz)
        month = f"{local.year:04d}-{local.month:02d}"
    return month


@lru_cache(maxsize=16384)
def _month_of_hour(hour: int, tz: ZoneInfo) -> str | None:
    """The local month of every moment of a UTC hour, or None when it is not one month."""
    start = datetime.fromtimestamp(hour * 3600, UTC)
    first = start.astimezone(tz)
    last = (start + timedelta(hours=1) - timedelta(microseconds=1)).astimezone(tz)
    if first.utcoffset() != last.utcoffset() or (first.year, first.month) != (last.year, last.month):
        return None
    return f"{first.year:04d}-{first.month:02d}"


@lru_cache(maxsize=4096)
def add_months(month: str, count: int) -> str:
    """YYYY-MM shifted by `count` months."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def iso(moment: datetime) -> str:
    """The stored form of a moment: UTC, ISO 8601 with offset, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def from_iso(text: str) -> datetime:
    """A stored moment back to an aware datetime."""
    return datetime.fromisoformat(text)


def local_text(text: str | None, tz: ZoneInfo) -> str | None:
    """A stored moment as people read it: shop time to the minute, in the active language
    ("2026-11-30 00:39", "30.11.2026. 00:39", "30.11.2026, 00:39")."""
    if not text:
        return text
    return formats.moment(from_iso(text).astimezone(tz))
