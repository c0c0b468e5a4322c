"""The day's activity: what happened at the till between two shop-local days.

The report a shop closes the day with: purchases and sales (the money paid), the loyalty
discounts given, refunds, points earned, redeemed (and of those, paid with at the till),
expired and adjusted, and new members, per day, per operator or per store. It
reads only the ledger entries of its window (the partitions of the months it touches) and
the members enrolled in it, so one day costs the same on a small shop and a big one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal

from loyalty_cli import clock, formats
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import N_, _, ngettext
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.storage.unit_of_work import Shop

GROUPINGS = ("day", "operator", "store")
# The keys of the rows without an operator or a store: stored in JSON and CSV as they are,
# translated where a table for people shows them.
NO_OPERATOR = N_("(not recorded)")
NO_STORE = N_("(no store)")
LONGEST_BY_DAY = 3660


@dataclass
class Activity:
    """The counts of one group (a day, an operator or a store), or of the whole window."""

    key: str
    purchases: int = 0
    sales: Decimal = field(default_factory=lambda: Decimal("0.00"))
    refunds: int = 0
    refunded: Decimal = field(default_factory=lambda: Decimal("0.00"))
    discounts_given: Decimal = field(default_factory=lambda: Decimal("0.00"))
    points_earned: int = 0
    points_refunded: int = 0
    points_redeemed: int = 0
    points_paid: int = 0  # of points_redeemed, those that paid part of a purchase
    points_expired: int = 0
    points_adjusted: int = 0
    points_bonus: int = 0
    points_other: int = 0
    new_members: int = 0

    @property
    def net_sales(self) -> Decimal:
        """Sales less the money refunded."""
        return self.sales - self.refunded

    def add(self, other: Activity) -> None:
        """Add another group's counts to these."""
        for item in fields(self):
            if item.name != "key":
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


@dataclass(frozen=True)
class Report:
    """The activity from `first` to `last` (shop-local days, both included)."""

    first: date
    last: date
    by: str
    currency: str
    rows: tuple[Activity, ...]
    total: Activity


def window(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The report's days: today by default; --from alone runs to today, --to alone is one day."""
    if first is None and last is None:
        return today, today
    first, last = first or last, last or max(first, today)
    if first > last:
        raise InvalidInput(
            _("the period starts ({first}) after it ends ({last})").format(
                first=formats.day(first), last=formats.day(last)
            )
        )
    return first, last


def report(shop: Shop, first: date, last: date, by: str = "day") -> Report:
    """What happened from `first` to `last`, grouped by day, operator or store."""
    if by not in GROUPINGS:
        raise InvalidInput(
            _("--by {value!r}: use one of {choices}").format(value=by, choices=", ".join(GROUPINGS))
        )
    if by == "day" and (last - first).days >= LONGEST_BY_DAY:
        raise InvalidInput(
            ngettext(
                "--by day covers at most {count} day; use --by operator or store",
                "--by day covers at most {count} days; use --by operator or store",
                LONGEST_BY_DAY,
            ).format(count=formats.number(LONGEST_BY_DAY))
        )
    programme = shop.programme()
    tz = programme.tz
    since = clock.iso(clock.start_of_day(first, tz))
    until = clock.iso(clock.end_of_day(last, tz))
    groups: dict[str, Activity] = {}
    if by == "day":
        for offset in range((last - first).days + 1):
            day = (first + timedelta(days=offset)).isoformat()
            groups[day] = Activity(day)

    def group(key: str) -> Activity:
        if key not in groups:
            groups[key] = Activity(key)
        return groups[key]

    stores: dict[str, str | None] = {}
    for entry in shop.ledger.entries(since=since, until=until):
        if by == "day":
            key = clock.from_iso(entry.at).astimezone(tz).date().isoformat()
        elif by == "operator":
            key = entry.operator or NO_OPERATOR
        else:
            key = _store_of(shop, entry, stores) or NO_STORE
        _count(group(key), entry)
    for member in shop.members.enrolled_between(since, until):
        if by == "day":
            key = clock.from_iso(member["enrolled_at"]).astimezone(tz).date().isoformat()
        else:  # a member's row records neither (each byte of it is read by every command)
            key = NO_OPERATOR if by == "operator" else NO_STORE
        group(key).new_members += 1
    rows = tuple(groups[key] for key in sorted(groups))
    total = Activity("total")
    for row in rows:
        total.add(row)
    return Report(first, last, by, programme.currency, rows, total)


def _count(row: Activity, entry: LedgerEntry) -> None:
    kind, points = entry.kind, entry.points
    if kind == "earn":
        row.purchases += 1
        row.sales += Decimal(entry.amount or "0")
        row.points_earned += points
        if entry.discount:
            row.discounts_given += Decimal(entry.discount)
        row.points_paid += entry.paid_points or 0
    elif kind == "refund":
        if entry.amount is not None:
            row.refunds += 1
            row.refunded += Decimal(entry.amount)
        row.points_refunded -= points
    elif kind == "redeem":
        row.points_redeemed -= points
    elif kind == "expire":
        row.points_expired -= points
    elif kind == "adjust":
        row.points_adjusted += points
    elif kind in ("bonus", "prize", "offer"):
        row.points_bonus += points
    else:
        row.points_other += points


def _store_of(shop: Shop, entry: LedgerEntry, stores: dict[str, str | None]) -> str | None:
    """The store of an entry; a refund belongs to the store of the purchase it refunds, and
    points paid with at the till (a redemption under a purchase's receipt) to its store."""
    if entry.store or entry.kind not in ("refund", "redeem") or not entry.receipt:
        return entry.store
    if entry.receipt not in stores:
        purchase = next((e for e in shop.ledger.by_receipt(entry.receipt) if e.kind == "earn"), None)
        stores[entry.receipt] = purchase.store if purchase else None
    return stores[entry.receipt]
