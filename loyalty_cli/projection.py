"""A member's projection of the ledger: balance, lots, daily spend, purchase counters.

The member document keeps this for speed; `verify` rebuilds it from the ledger with the
same `apply_entry` and must find it identical.

Spend is kept by shop-local day ("2026-07-20": "600.00"), net of refunds, which count on
the day of the purchase they refund. Only the tier window is ever read, so days more than
SPEND_MONTHS_KEPT months before the member's latest spend day are dropped as they pass.

The tier window of day D is the days from the same date 12 months earlier to D, both
included (20 July 2025 to 20 July 2026; from 29 February, 28 February of the year before).
Upgrades, the review, `member show`, statements, exports and reports all use `window`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from loyalty_cli import clock, lots
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.money import to_text

TIER_WINDOW_MONTHS = 12
# The window plus a month, so that a review run late (cron catching up) still finds its days.
SPEND_MONTHS_KEPT = TIER_WINDOW_MONTHS + 1


def window(day: date) -> tuple[date, date]:
    """The first and last day of the tier window of `day`: the 12 months before it, and it."""
    return months_before(day, TIER_WINDOW_MONTHS), day


def months_before(day: date, months: int) -> date:
    """The same date `months` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _days_in_month(year, month + 1)))


def empty() -> dict:
    """The projection of a member with no entries."""
    return {"balance": 0, "lots": {}, "spend": {}, "purchases": 0, "last_purchase": None}


def apply_entry(points: dict, entry: LedgerEntry, day: str | None = None) -> None:
    """Fold one entry into a projection, in place (`day`: its spend day, from SpendDays)."""
    points["balance"] += entry.points
    lots.apply(points["lots"], entry.lots)
    if entry.amount is not None:
        day = day or _own_day(entry)
    if entry.amount is not None and day is not None:
        sign = -1 if entry.kind == "refund" else 1
        spend = points["spend"]
        known = day in spend
        total = Decimal(spend.get(day, "0")) + sign * Decimal(entry.amount)
        spend[day] = to_text(total)
        if not known:  # a new day may push the oldest out of the months kept
            oldest_kept = months_before(date.fromisoformat(max(spend)), SPEND_MONTHS_KEPT).isoformat()
            for old in [d for d in spend if d < oldest_kept]:
                del spend[old]
    if entry.kind == "earn":
        points["purchases"] += 1
        if points["last_purchase"] is None or entry.at > points["last_purchase"]:
            points["last_purchase"] = entry.at


def rebuild(entries: Iterable[LedgerEntry], tz=None) -> dict:
    """The projection of a member from their entries, in ledger order (`tz`: the shop's)."""
    points = empty()
    days = SpendDays(tz)
    for entry in entries:
        apply_entry(points, entry, days.of(entry))
    return points


def spend_in_window(points: dict, day: date) -> Decimal:
    """Net spend over the tier window of `day`, from a projection."""
    first, last = (d.isoformat() for d in window(day))
    return sum((Decimal(v) for d, v in points["spend"].items() if first <= d <= last), Decimal("0"))


def spend_kept_over(points: dict, day: date) -> bool:
    """Whether a projection still holds every spend day of the tier window of `day`.

    Days are dropped only as a newer day pushes them out of SPEND_MONTHS_KEPT months
    before the latest, so the window is whole when it starts no earlier than that.
    """
    spend = points["spend"]
    if not spend:
        return True  # no entry with money was ever folded in
    try:
        latest = date.fromisoformat(max(spend))
    except (TypeError, ValueError):
        return False  # edited by hand: the ledger decides
    return months_before(latest, SPEND_MONTHS_KEPT) <= window(day)[0]


def spend_recorded_by(points: dict, entries: Iterable[LedgerEntry], tz, day: date, until: str) -> Decimal:
    """Net spend over the tier window of `day` of the entries recorded up to `until`.

    Taken from the projection (which must hold the window: spend_kept_over) less the spend
    of the entries after `until` that count in the window; `entries` are the member's in
    ledger order and must include every entry after `until`. Equal to the spend_by_card
    total of the member's entries since the window began.
    """
    first, last = (d.isoformat() for d in window(day))
    days = SpendDays(tz)
    later = Decimal("0")
    for entry in entries:
        spent_on = days.of(entry)
        if spent_on is not None and entry.at > until and first <= spent_on <= last:
            later += (-1 if entry.kind == "refund" else 1) * Decimal(entry.amount)
    return spend_in_window(points, day) - later


def spend_by_card(entries: Iterable[LedgerEntry], tz, day: date, until: str) -> dict[str, Decimal]:
    """Net spend per card over the tier window of `day`, from entries recorded up to `until`.

    The entries must reach back to the start of the window (a refund counts on its
    purchase's day, and an older purchase is outside the window anyway).
    """
    first, last = (d.isoformat() for d in window(day))
    days = SpendDays(tz)
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        spent_on = days.of(entry)
        if spent_on is not None and entry.at <= until and first <= spent_on <= last:
            spend[entry.card] += (-1 if entry.kind == "refund" else 1) * Decimal(entry.amount)
    return dict(spend)


class SpendDays:
    """The spend day of each entry with money, in ledger order, also of entries written
    before entries carried `day`: such a purchase counts on the shop-local day of its
    moment, such a refund on the day of the purchase it names (when that purchase is among
    the entries seen; otherwise on the first of its month).
    """

    def __init__(self, tz=None):
        self.tz = tz or clock.UTC
        self._purchases: dict[int, str] = {}

    def of(self, entry: LedgerEntry) -> str | None:
        """The spend day of `entry` (YYYY-MM-DD), or None when it moves no money."""
        if entry.amount is None:
            return None
        if entry.kind == "earn":
            day = entry.day or day_of(clock.from_iso(entry.at), self.tz)
            self._purchases[entry.id] = day
            return day
        if entry.day is None and entry.kind == "refund" and entry.ref in self._purchases:
            return self._purchases[entry.ref]
        return _own_day(entry)


def day_of(moment, tz) -> str:
    """The shop-local day of a moment, as the spend day of an entry (YYYY-MM-DD)."""
    return moment.astimezone(tz).date().isoformat()


def _own_day(entry: LedgerEntry) -> str | None:
    """The spend day an entry names itself: its `day`, or the first of its `month`."""
    return entry.day or (f"{entry.month}-01" if entry.month else None)


def _days_in_month(year: int, month: int) -> int:
    # Not calendar.monthrange: the calendar module costs every command a millisecond to import.
    after = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (after - date(year, month, 1)).days
