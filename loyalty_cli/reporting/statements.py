"""Statements: what happened to a member's points over a period, ready to hand out.

A statement is worked out from the member's projection (which `verify` proves equal to the
ledger) and the entries since the period began: the closing balance is today's balance
less every later entry, the opening balance the closing less the period's entries. So a
statement reads only the part of the ledger it covers, never the whole history: the spend
over its tier window comes from the member's stored spend by day while that still holds the
window (statements of the last month or so), less what was recorded after the period;
otherwise from the ledger since the window began.

A statement is written in the member's language (`Statement.language`). Its entries carry
their description twice: in English for JSON and CSV (`Line.description`, the same in every
language), and as a marked text with its values for people (`Line.described()`).

A purchase carries its bill (`Line.bill`): the receipt total, the loyalty discount, the
points paid with and the money paid. The payment with points is the `redeem` entry of the
same receipt recorded just before the purchase ("Paid with points"). Points still pending
at the statement's end are shown apart (`Statement.pending`); points due by then count as
confirmed. In cashback mode the ledger's points are cents, and every figure of them is
money (`Statement.figure`, through balances.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from loyalty_cli import (
    balances,
    card_moves,
    clock,
    formats,
    language,
    lots,
    members,
    pending,
    phones,
    projection,
    tiers,
)
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import N_, _, ngettext
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.program import Programme
from loyalty_cli.storage.unit_of_work import Shop

EXPIRY_MONTHS_SHOWN = 3


@dataclass(frozen=True)
class Bill:
    """What a purchase's receipt came to: the total before the loyalty discount, the
    discount, the points paid with and their value, and the money paid (`to_pay`).

    A plain purchase (no discount, nothing paid with points) has total = to_pay."""

    total: Decimal
    discount_percent: Decimal
    discount: Decimal
    paid_points: int
    paid_value: Decimal
    to_pay: Decimal

    @property
    def plain(self) -> bool:
        """Nothing taken off the receipt: no discount and no payment with points."""
        return not self.discount and not self.paid_points

    @classmethod
    def of(cls, entry: LedgerEntry) -> Bill:
        """The bill recorded on a purchase entry (`amount` is the money paid)."""
        to_pay = Decimal(entry.amount or "0")
        return cls(
            total=Decimal(entry.total) if entry.total is not None else to_pay,
            discount_percent=Decimal(entry.discount_percent or "0"),
            discount=Decimal(entry.discount or "0"),
            paid_points=entry.paid_points or 0,
            paid_value=Decimal(entry.paid_value or "0"),
            to_pay=to_pay,
        )


@dataclass(frozen=True)
class Line:
    """One entry as the member reads it; `amount` is signed (a refund gives money back)."""

    id: int
    at: str
    day: date
    kind: str
    description: str
    receipt: str | None
    amount: Decimal | None
    points: int
    balance: int
    time: str = ""  # shop-local HH:MM
    # The description as a text marked for translation and the values of its placeholders.
    wording: tuple[str, tuple[tuple[str, str], ...]] = ("", ())
    bill: Bill | None = None  # a purchase's
    confirmed: int = 0  # a confirmation's: the pending points (or cents) it made spendable

    @property
    def local(self) -> str:
        """Date and time in shop time, in the active language: "2026-11-30 00:39", "30.11.2026. 00:39"."""
        if not self.time:
            return formats.day(self.day)
        hour, minute = self.time.split(":")
        return formats.moment(datetime(self.day.year, self.day.month, self.day.day, int(hour), int(minute)))

    def described(self, figure: Callable[[int], str] = formats.number) -> str:
        """What the entry means, in the active language (`figure` shows a count of points)."""
        text, values = self.wording
        if not text:
            return self.description
        if self.kind == "confirm":
            values = (*values, ("points", figure(self.confirmed)))
        if self.kind == "membership":
            values = _membership_values(values)
        return _filled(language.in_context(text), values)


@dataclass(frozen=True)
class Statement:
    """A member's points from `start` to `end` (shop-local days, both included)."""

    shop_name: str
    currency: str
    card: str
    name: str | None
    phone: str
    start: date
    end: date
    opening_balance: int
    lines: tuple[Line, ...]
    closing_balance: int
    tier: str | None
    next_tier: str | None
    spend_12m: Decimal
    spend_to_next_tier: Decimal | None
    expiring: dict[str, int]
    language: str = language.ENGLISH  # the member's, else the programme's
    # Points still pending at the end of the period, by the day they become spendable.
    pending: dict[str, int] = field(default_factory=dict)
    programme: Programme | None = field(default=None, compare=False, repr=False)

    @property
    def cashback(self) -> bool:
        """Whether the programme pays cashback: its points are cents, shown as money."""
        return bool(self.programme and self.programme.cashback)

    def figure(self, units: int) -> str:
        """Points as a bare figure ("1,234"), or cashback cents as money ("€12.34")."""
        if not self.cashback:
            return formats.number(units)
        return balances.figure(self.programme, units)

    def amount(self, units: int) -> str:
        """Points with their unit ("1,234 points"), or cashback cents as money ("€12.34")."""
        if not self.cashback:
            return ngettext("{count} point", "{count} points", units).format(count=formats.number(units))
        return balances.amount(self.programme, units)

    def json_value(self, units: int):
        """Points in JSON and CSV: an int, or cashback as a "12.34" string."""
        return balances.json_value(self.programme, units) if self.cashback else units

    @property
    def has_activity(self) -> bool:
        """Entries in the period, or points held at its start or end."""
        return bool(self.lines or self.opening_balance or self.closing_balance)


def default_period(today: date) -> tuple[date, date]:
    """The current month to date."""
    return today.replace(day=1), today


def month_period(month: str) -> tuple[date, date]:
    """The first and last day of a month given as YYYY-MM."""
    text = str(month).strip()
    try:
        first = date.fromisoformat(f"{text}-01")
    except ValueError:
        raise InvalidInput(_("{month!r} is not a month (YYYY-MM)").format(month=month)) from None
    if len(text) != 7:
        raise InvalidInput(_("{month!r} is not a month (YYYY-MM)").format(month=month))
    following = date.fromisoformat(clock.add_months(text, 1) + "-01")
    return first, date.fromordinal(following.toordinal() - 1)


def for_member(shop: Shop, member: dict, start: date, end: date) -> Statement:
    """The statement of one member for the days `start` to `end`."""
    if start > end:
        raise InvalidInput(
            _("the period starts ({start}) after it ends ({end})").format(
                start=formats.day(start), end=formats.day(end)
            )
        )
    programme = shop.programme()
    stored = projection.spend_kept_over(member["points"], end)
    since = _history_since(start, end, programme, stored_spend=stored)
    entries = card_moves.entries_of(shop, member["card"], since=since)
    return _build(programme, member, entries, start, end, stored_spend=stored)


def for_month(shop: Shop, month: str, progress: Callable[[int], None] | None = None) -> Iterator[Statement]:
    """Statements of every member with activity or a balance in `month`, in enrolment order.

    The ledger is read once for all members, from the month's start when every member's
    stored spend by day still covers the month's tier window (the last month or so),
    otherwise from the start of that window; `progress(1)` is called per member looked at.
    """
    start, end = month_period(month)
    programme = shop.programme()
    everyone = list(shop.members.all())
    stored = all(projection.spend_kept_over(member["points"], end) for member in everyone)
    by_card: dict[str, list[LedgerEntry]] = defaultdict(list)
    moved = card_moves.moves(shop)  # a replaced or merged card's entries belong to the card it moved to
    for entry in shop.ledger.entries(since=_history_since(start, end, programme, stored_spend=stored)):
        by_card[card_moves.resolve(moved, entry.card)].append(entry)
    for member in everyone:
        statement = _build(
            programme, member, by_card.get(member["card"], []), start, end, stored_spend=stored
        )
        if progress:
            progress(1)
        if statement.has_activity:
            yield statement


def language_of(programme: Programme, member: dict) -> str:
    """The language a member's statement is written in: theirs, else the programme's, else English."""
    return language.normalise(member.get("language")) or members.default_language(programme)


def describe(entry: LedgerEntry, *, payment: bool = False, cashback: bool = False) -> str:
    """What an entry means, in the words of a statement (English: JSON and CSV keep it)."""
    text, values = wording(entry, payment=payment, cashback=cashback)
    return _filled(language.without_context(text), values)


def _membership_values(values: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """A membership's last day and fee as people read them in the active language."""
    given = dict(values)
    shown = dict(given)
    if given.get("until"):
        shown["until"] = formats.day(date.fromisoformat(given["until"]))
    if given.get("currency"):
        shown["fee"] = formats.money(Decimal(given["fee"]), given["currency"])
    return tuple(shown.items())


def _filled(text: str, values: tuple[tuple[str, str], ...]) -> str:
    """A description's text with its placeholders filled (a text without any, as it is)."""
    return text.format(**dict(values)) if values else text


def wording(
    entry: LedgerEntry, *, payment: bool = False, cashback: bool = False, currency: str = ""
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What an entry means, as a text marked for translation and the values of its placeholders.

    A text whose English alone is ambiguous is marked "entry|Bonus" (the context, then the
    text, as commands/members.py does): one bonus on a statement is "Bonuss", where a
    report's column of bonuses is "Bonusi". `payment`: the entry is a purchase's payment
    with points; `cashback`: the programme's points are cashback. A confirmation's text
    has a {points} placeholder filled when shown (Line.described).
    """
    reason = entry.reason or ""
    if entry.kind == "earn" and entry.partner:
        return N_("Purchase at {partner}"), (("partner", entry.partner),)
    if entry.kind == "earn":
        return N_("Purchase"), ()
    if entry.kind == "refund":
        if entry.receipt and entry.amount is None and entry.points > 0:
            # The points a refunded purchase was paid with, given back.
            if cashback:
                return N_("Refund of {receipt}: cashback returned"), (("receipt", entry.receipt),)
            return N_("Refund of {receipt}: points returned"), (("receipt", entry.receipt),)
        if entry.receipt:
            return N_("Refund of {receipt}"), (("receipt", entry.receipt),)
        return N_("Refund"), ()
    if entry.kind == "confirm":
        if cashback:
            return N_("Pending cashback confirmed: {points}"), ()
        return N_("Pending points confirmed: {points}"), ()
    if entry.kind == "bonus":
        for word, text in _BONUSES:
            if reason.lower().startswith(word):
                return text, ()
        return (N_("Bonus: {reason}"), (("reason", reason),)) if reason else (N_("entry|Bonus"), ())
    if entry.kind == "offer":
        return N_("Offer: {reason}"), (("reason", reason),)
    if entry.kind == "prize":
        return (N_("Prize: {reason}"), (("reason", reason),)) if reason else (N_("Prize"), ())
    if entry.kind == "adjust":
        return (N_("Adjustment: {reason}"), (("reason", reason),)) if reason else (N_("Adjustment"), ())
    if entry.kind == "replace":
        return N_("Card {card} replaced by {to_card}"), (("card", entry.card), ("to_card", entry.to_card))
    if entry.kind == "merge":
        return N_("Card {card} merged into {to_card}"), (("card", entry.card), ("to_card", entry.to_card))
    if entry.kind == "expire":
        return (N_("Cashback expired") if cashback else N_("entry|Points expired")), ()
    if entry.kind == "opening":
        return (N_("Opening spend (12 months)") if entry.amount else N_("Opening balance")), ()
    if entry.kind == "redeem":
        if entry.reward and entry.partner:
            return N_("Reward at {partner}: {reward}"), (("partner", entry.partner), ("reward", entry.reward))
        if entry.reward:
            return N_("Reward: {reward}"), (("reward", entry.reward),)
        if payment:
            return (N_("Paid with cashback") if cashback else N_("Paid with points")), ()
        if reason and entry.partner:
            if cashback:
                text = N_("Cashback spent at {partner}: {reason}")
            else:
                text = N_("Points redeemed at {partner}: {reason}")
            return text, (("partner", entry.partner), ("reason", reason))
        if reason:
            if cashback:
                return N_("Cashback spent: {reason}"), (("reason", reason),)
            return N_("Points redeemed: {reason}"), (("reason", reason),)
        if entry.partner:
            text = N_("Cashback spent at {partner}") if cashback else N_("Points redeemed at {partner}")
            return text, (("partner", entry.partner),)
        return (N_("Cashback spent") if cashback else N_("entry|Points redeemed")), ()
    if entry.kind == "membership":
        # Filled with the day and the fee as people read them when shown (_membership_values).
        values = (("plan", entry.plan or ""), ("until", entry.until or ""), ("fee", entry.fee or "0"))
        values += (("currency", currency),) if currency else ()
        return N_("Membership: {plan} until {until}, fee {fee}"), values
    # A kind this version does not know: its stored name, as it is (not a text to translate).
    return "{kind}", (("kind", entry.kind.capitalize()),)


_BONUSES = (
    ("welcome", N_("Welcome bonus")),
    ("birthday", N_("Birthday bonus")),
    ("referral", N_("Referral bonus")),
)


def _history_since(start: date, end: date, programme: Programme, *, stored_spend: bool) -> str:
    """The earliest moment a statement needs: its start, or the start of its tier window
    when the spend over that window is not taken from the stored spend by day."""
    first_day = start if stored_spend else min(start, projection.window(end)[0])
    return clock.iso(clock.start_of_day(first_day, programme.tz))


def _build(
    programme: Programme,
    member: dict,
    entries: Iterable[LedgerEntry],
    start: date,
    end: date,
    *,
    stored_spend: bool,
) -> Statement:
    """A statement from the member's projection and their entries since _history_since
    (the tier window's spend from the projection when `stored_spend`)."""
    tz = programme.tz
    since = clock.iso(clock.start_of_day(start, tz))
    until = clock.iso(clock.end_of_day(end, tz))
    end_month = end.strftime("%Y-%m")
    entries = list(entries)
    current = member["points"]
    held = dict(current["lots"])
    later_points = 0
    period: list[LedgerEntry] = []
    for entry in entries:
        if entry.at > until:
            later_points += entry.points
            lots.apply(held, {key: -delta for key, delta in entry.lots.items()})
            continue
        if entry.at >= since:
            period.append(entry)
    closing = current["balance"] - later_points
    opening = closing - sum(entry.points for entry in period)
    # A back-dated entry takes its place by date and time, not by when it was typed in.
    period.sort(key=lambda entry: (entry.at, entry.id))
    # The entries are the member's, also under cards they held before (replaced or merged).
    if stored_spend:
        spend_12m = projection.spend_recorded_by(current, entries, tz, end, until)
    else:
        spend_12m = sum(projection.spend_by_card(entries, tz, end, until).values(), Decimal("0"))
    held_tier = tiers.held_at(programme, member, until)
    tier = held_tier.name if held_tier else member.get("tier")
    next_tier = tiers.above(programme, held_tier)
    return Statement(
        shop_name=programme.name,
        currency=programme.currency,
        card=member["card"],
        name=member.get("name"),
        phone=phones.mask(member.get("phone")),
        start=start,
        end=end,
        opening_balance=opening,
        lines=tuple(_lines(period, opening, programme)),
        closing_balance=closing,
        tier=tier,
        next_tier=next_tier.name if next_tier else None,
        spend_12m=spend_12m,
        spend_to_next_tier=max(next_tier.spend - spend_12m, Decimal("0.00")) if next_tier else None,
        expiring=_expiring(held, end_month, end.isoformat()),
        language=language_of(programme, member),
        pending=pending.held_lots(held, end.isoformat()),
        programme=programme,
    )


def _lines(entries: list[LedgerEntry], opening: int, programme: Programme) -> Iterator[Line]:
    tz, cashback = programme.tz, programme.cashback
    balance = opening
    payments = _payments(entries)
    for entry in entries:
        balance += entry.points
        amount = None
        if entry.amount is not None and entry.kind in ("earn", "refund", "opening"):
            amount = Decimal(entry.amount) * (-1 if entry.kind == "refund" else 1)
        local = clock.from_iso(entry.at).astimezone(tz)
        text, values = wording(
            entry, payment=entry.id in payments, cashback=cashback, currency=programme.currency
        )
        confirmed = (
            -sum(v for k, v in entry.lots.items() if lots.is_pending(k)) if entry.kind == "confirm" else 0
        )
        if entry.kind == "confirm":
            with language.speaking(language.ENGLISH):
                english = ("points", balances.figure(programme, confirmed))
            description = _filled(text, (*values, english))
        elif entry.kind == "membership":
            with language.speaking(language.ENGLISH):
                description = _filled(language.without_context(text), _membership_values(values))
        else:
            description = _filled(language.without_context(text), values)
        yield Line(
            id=entry.id,
            at=entry.at,
            day=local.date(),
            time=local.strftime("%H:%M"),
            kind=entry.kind,
            description=description,
            wording=(text, values),
            receipt=entry.receipt,
            amount=amount,
            points=entry.points,
            balance=balance,
            bill=Bill.of(entry) if entry.kind == "earn" else None,
            confirmed=confirmed,
        )


def _payments(entries: list[LedgerEntry]) -> set[int]:
    """The ids of the entries that paid a purchase with points: a `redeem` without a
    reason, of the same receipt, recorded just before the purchase that names them."""
    redeems = {e.id: e for e in entries if e.kind == "redeem" and e.receipt and not e.reason}
    return {
        e.id - 1
        for e in entries
        if e.kind == "earn"
        and e.paid_points
        and e.id - 1 in redeems
        and redeems[e.id - 1].receipt == e.receipt
    }


def _expiring(held: dict[str, int], first_month: str, day: str = "") -> dict[str, int]:
    """Points expiring at the end of each of the coming months; overdue lots count in the first.

    Points still pending on `day` (YYYY-MM-DD) do not count; points due by then count in
    the lot they are confirmed into."""
    months = [clock.add_months(first_month, i) for i in range(EXPIRY_MONTHS_SHOWN)]
    expiring = dict.fromkeys(months, 0)
    for key, points in held.items():
        if lots.is_pending(key):
            if pending.available_on(key) > day:
                continue
            key = pending.target(key)
        if key in (lots.DEBT, lots.NEVER) or points <= 0 or key > months[-1]:
            continue
        expiring[max(key, months[0])] += points
    return expiring
