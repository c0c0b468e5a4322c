"""Time: one clock passed in from the edge; days and months reckoned in the shop's timezone.

Nothing below the command line calls `datetime.now()`: a command builds one `Clock` (from
the real time, or from `LOYALTY_NOW` for reproducible runs) and hands it down.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput

UTC = timezone.utc
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class Clock:
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
        raise InvalidInput(f"{name!r} is not a timezone name (such as Europe/Riga)") from None


def parse_date(text: str) -> date:
    """YYYY-MM-DD, refusing dates that do not exist (2025-02-30) or lie outside 1900-2999."""
    try:
        day = date.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)") from None
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
        raise InvalidInput(f"{text!r} is not a date-time (ISO 8601, e.g. 2025-01-15T14:30)") from None
    _plausible(moment.date(), text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInput(f"{text!r} is out of range") from None


def _plausible(day: date, text: str) -> date:
    # Years before 1900 or after 2999 are typing mistakes; they would also break "YYYY-MM".
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(f"{text!r} is out of range (1900-01-01 to 2999-12-31)")
    return day


def parse_at(text: str | None, clock: Clock, tz: ZoneInfo) -> datetime:
    """The moment for `--at`: now when absent, never in the future."""
    if text is None:
        return clock.now
    moment = parse_datetime(text, tz)
    if moment > clock.now:
        raise InvalidInput(f"--at {text} is in the future; record things as they happen")
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
    # Every UTC offset is a whole number of quarter hours, so one answer serves a quarter.
    return _month_of_quarter(int(moment.timestamp()) // 900, tz)


@lru_cache(maxsize=8192)
def _month_of_quarter(quarter: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(quarter * 900, tz).strftime("%Y-%m")


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
    """A stored moment as people read it: shop time to the minute, "2026-11-30 00:39"."""
    if not text:
        return text
    return from_iso(text).astimezone(tz).strftime("%Y-%m-%d %H:%M")
