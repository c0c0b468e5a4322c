"""Reports for the shop owner: the programme in numbers, tiers, RFM segments, expiring points.

Every report is evaluated as of the end of a shop-local day. Balances and lots as of that
day are today's projection less the entries recorded after it, so a report reads the part
of the ledger it needs; only totals over all history (the summary, RFM) read all of it.
The definitions are in docs/reports.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from loyalty_cli import card_moves, checkout, clock, lots, pending, projection
from loyalty_cli import tiers as tier_rules
from loyalty_cli.money import CENT
from loyalty_cli.storage.unit_of_work import Shop

ACTIVE_DAYS = 90
CHART_MONTHS = 12
ISSUING = ("earn", "bonus", "prize", "adjust", "opening", "offer")
RATE_PLACES = 4


@dataclass(frozen=True)
class MonthFlow:
    """Points issued, redeemed and expired in one shop-local month, and its purchases."""

    month: str
    issued: int
    redeemed: int
    expired: int = 0
    purchases: int = 0  # purchases recorded (earn entries), not money


@dataclass(frozen=True)
class Summary:
    """The programme in numbers as of the end of `as_of`."""

    as_of: date
    currency: str
    members: int
    active_members: int
    points_issued: int
    points_redeemed: int
    points_expired: int
    points_refunded: int
    points_removed: int
    points_outstanding: int
    liability: Decimal
    redemption_rate: float
    repeat_purchase_rate: float
    monthly: tuple[MonthFlow, ...]
    discounts_given: Decimal = Decimal("0.00")  # the loyalty discounts of the purchases
    pending_points: int = 0  # still in their return window at the end of the day
    cashback: bool = False  # the points figures are cents of cashback

    @property
    def cashback_outstanding(self) -> Decimal | None:
        """The outstanding cashback as money, in cashback mode."""
        return self.liability if self.cashback else None


@dataclass(frozen=True)
class TierRow:
    """Members and their 12-month spend in one tier."""

    tier: str | None
    threshold: Decimal | None
    multiplier: Decimal | None
    members: int
    spend_12m: Decimal

    @property
    def average_spend(self) -> Decimal:
        return (self.spend_12m / self.members).quantize(CENT) if self.members else Decimal("0.00")


@dataclass(frozen=True)
class ExpiringPoints:
    """A member whose points expire soon, with what a mail merge needs."""

    card: str
    name: str | None
    phone: str | None
    email: str | None
    consent: bool
    status: str
    points: int
    expires_on: date
    balance: int


def end_of(as_of: date, shop: Shop) -> str:
    """The stored-form last moment of the shop-local day `as_of`."""
    return clock.iso(clock.end_of_day(as_of, shop.programme().tz))


def summary(shop: Shop, as_of: date) -> Summary:
    """Members, points issued / redeemed / expired / outstanding, liability and rates."""
    programme = shop.programme()
    tz = programme.tz
    until = end_of(as_of, shop)
    active_since = clock.iso(clock.start_of_day(as_of - timedelta(days=ACTIVE_DAYS - 1), tz))
    months = [clock.add_months(as_of.strftime("%Y-%m"), -i) for i in reversed(range(CHART_MONTHS))]
    chart_since = clock.iso(clock.start_of_day(date.fromisoformat(months[0] + "-01"), tz))
    flows = {month: [0, 0, 0, 0] for month in months}  # issued, redeemed, expired, purchases
    totals: Counter[str] = Counter()
    purchases: Counter[str] = Counter()
    active: set[str] = set()
    later = 0
    later_pending: Counter[str] = Counter()  # what entries after the day did to pending lots
    discounts = Decimal("0.00")
    moved = card_moves.moves(shop)  # a member counts once, whichever of their cards bought
    for entry in shop.ledger.entries():
        if entry.at > until:
            later += entry.points
            for key, delta in entry.lots.items():
                if lots.is_pending(key):
                    later_pending[key] += delta
            continue
        kind, points = entry.kind, entry.points
        if kind == "earn" and entry.discount:
            discounts += Decimal(entry.discount)
        if kind in ISSUING and points > 0:
            totals["issued"] += points
        elif kind in ("redeem", "expire", "refund") or (kind == "adjust" and points < 0):
            totals[kind] -= points
        if kind == "earn":
            buyer = card_moves.resolve(moved, entry.card)
            purchases[buyer] += 1
            if entry.at >= active_since:
                active.add(buyer)
        if entry.at >= chart_since:
            flow = flows[clock.month_of(clock.from_iso(entry.at), tz)]
            if kind == "redeem":
                flow[1] -= points
            elif kind == "expire":
                flow[2] -= points
            elif kind in ISSUING and points > 0:
                flow[0] += points
            if kind == "earn":
                flow[3] += 1
    outstanding = sum(m["points"]["balance"] for m in shop.members.all()) - later
    buyers = len(purchases)
    held = _pending_on(shop, as_of, later_pending)
    return Summary(
        as_of=as_of,
        currency=programme.currency,
        members=sum(1 for m in shop.members.all() if m["enrolled_at"] <= until),
        active_members=len(active),
        points_issued=totals["issued"],
        points_redeemed=totals["redeem"],
        points_expired=totals["expire"],
        points_refunded=totals["refund"],
        points_removed=totals["adjust"],
        points_outstanding=outstanding,
        liability=(outstanding * checkout.unit_value(programme)).quantize(CENT),
        redemption_rate=_rate(totals["redeem"], totals["issued"]),
        repeat_purchase_rate=_rate(sum(1 for n in purchases.values() if n >= 2), buyers),
        monthly=tuple(MonthFlow(m, *flows[m]) for m in months),
        discounts_given=discounts,
        pending_points=held,
        cashback=programme.cashback,
    )


def _pending_on(shop: Shop, as_of: date, later: Counter[str]) -> int:
    """Points of all members still pending at the end of `as_of`: today's pending lots less
    what entries after the day added to them (a confirmation since then emptied one that
    was still held on the day); lots due by the day count as confirmed."""
    held: Counter[str] = Counter()
    for member in shop.members.all():
        for key, value in member["points"]["lots"].items():
            if lots.is_pending(key):
                held[key] += value
    held.subtract(later)
    return pending.held(dict(held), as_of.isoformat())


def tiers(shop: Shop, as_of: date) -> list[TierRow]:
    """Members and their tier-window spend per tier, in the programme's tier order.

    Members are counted in the tier they held at the end of `as_of` (the lowest when they
    hold none the programme knows); their spend is over the tier window of `as_of`, the
    same window as upgrades and the review. Without tiers, one row with tier None holds
    everybody.
    """
    programme = shop.programme()
    spend = spend_by_card(shop, as_of)
    until = end_of(as_of, shop)
    counts: Counter[str | None] = Counter()
    totals: dict[str | None, Decimal] = defaultdict(Decimal)
    for member in shop.members.all():
        if member["enrolled_at"] > until:
            continue
        held = tier_rules.held_at(programme, member, until)
        tier = held.name if held else None
        counts[tier] += 1
        totals[tier] += spend.get(member["card"], Decimal(0))
    if not programme.tiers:
        return [TierRow(None, None, None, counts[None], totals[None].quantize(CENT))]
    return [
        TierRow(t.name, t.spend, t.multiplier, counts[t.name], totals[t.name].quantize(CENT))
        for t in programme.tiers
    ]


def spend_by_card(shop: Shop, as_of: date) -> dict[str, Decimal]:
    """Net purchase money per card over the tier window of `as_of` (projection.window)."""
    tz = shop.programme().tz
    since = clock.iso(clock.start_of_day(projection.window(as_of)[0], tz))
    until = end_of(as_of, shop)
    entries = shop.ledger.entries(since=since, until=until)
    moved = card_moves.moves(shop)  # a replaced or merged card's spend counts for its member
    if moved:
        entries = (e._replace(card=card_moves.resolve(moved, e.card)) for e in entries)
    return projection.spend_by_card(entries, tz, as_of, until)


def expiring(shop: Shop, within_days: int, as_of: date) -> list[ExpiringPoints]:
    """Members (not closed) whose points expire by `as_of` + `within_days`, soonest first.

    A lot "YYYY-MM" expires at the end of that month; lots already due count too.
    """
    until = end_of(as_of, shop)
    horizon = as_of + timedelta(days=within_days)
    last_month = horizon.strftime("%Y-%m")
    if horizon != _last_day(last_month):
        last_month = clock.add_months(last_month, -1)
    undo: dict[str, list[dict]] = defaultdict(list)
    moved = card_moves.moves(shop)  # what a card held then is held under the card it moved to
    for entry in shop.ledger.entries(since=until):
        if entry.at > until:
            undo[card_moves.resolve(moved, entry.card)].append(entry.lots)
    rows = []
    for member in shop.members.all():
        if member["status"] == "closed" or member["enrolled_at"] > until:
            continue
        held = dict(member["points"]["lots"])
        for deltas in undo.get(member["card"], ()):
            lots.apply(held, {key: -delta for key, delta in deltas.items()})
        due = {
            k: v for k, v in held.items() if k not in (lots.DEBT, lots.NEVER) and v > 0 and k <= last_month
        }
        if not due:
            continue
        rows.append(
            ExpiringPoints(
                card=member["card"],
                name=member.get("name"),
                phone=member.get("phone"),
                email=member.get("email"),
                consent=bool(member.get("consent")),
                status=member["status"],
                points=sum(due.values()),
                expires_on=_last_day(min(due)),
                balance=sum(held.values()),
            )
        )
    rows.sort(key=lambda r: (r.expires_on, -r.points, r.card))
    return rows


def _last_day(month: str) -> date:
    following = date.fromisoformat(clock.add_months(month, 1) + "-01")
    return following - timedelta(days=1)


def _rate(part: int, whole: int) -> float:
    return round(part / whole, RATE_PLACES) if whole else 0.0
