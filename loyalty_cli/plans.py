"""Paid membership plans: bought for a fee, they raise a member's earn multiplier and
discount while they run.

A plan (shop.plans, by name) has a fee, a length in months, a multiplier and a discount
percent. `subscribe` records the fee as a `membership` entry (points 0, no `amount`: a
fee is not spend and earns nothing) naming the plan and the last day it runs, and keeps
the running membership on the member ({plan, from, until, multiplier, discount}) so that
the checkout reads it without the ledger. The membership keeps the multiplier and
discount of the day it was bought or renewed: `plan edit` changes what later
subscriptions and renewals get.

A membership runs from its first day to its last (`until`), both included, in shop days.
Subscribing again while it runs renews it: the new period starts the day after `until`.
A membership whose `until` has passed is ended for every command at once (they look at
the day, not only at the member's field); `maintain` then clears it from the member.

Periods: a plan of N months bought on day D runs to the day before D + N months (a month
from 31 January is 28 or 29 February), so 12 months from 2026-12-01 run to 2027-11-30.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from loyalty_cli import clock, formats, members, projection, text_fields, timeline
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import N_, _
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.money import parse_amount, parse_rate, to_text
from loyalty_cli.storage.folder import member_rows
from loyalty_cli.storage.unit_of_work import Shop

KIND = "membership"
FIELD = "membership"  # the running membership on the member document
MAX_MONTHS = 120
ENDED_BEFORE = "memberships_ended_before"  # meta: memberships that lapsed before this day are cleared
HUNDRED = Decimal(100)


class Terms(NamedTuple):
    """What a running membership gives at the checkout."""

    plan: str
    multiplier: Decimal
    discount: Decimal


class Subscribed(NamedTuple):
    """A membership bought or renewed: the entry written, the member, whether it renewed."""

    entry: LedgerEntry
    member: dict
    renewed: bool


# -- plans -----------------------------------------------------------------------------


def parse_name(text: str) -> str:
    """A plan's name: one line of 1 to 100 characters."""
    name = text_fields.clean(text, "plan", limit=100)
    if not name:
        raise InvalidInput(_("a plan name is 1 to 100 characters on one line"))
    return name


def parse_fee(text) -> Decimal:
    """A plan's fee: money, zero or more."""
    return parse_amount(str(text), allow_zero=True)


def parse_months(value) -> int:
    """A plan's length: a whole number of months from 1 to 120."""
    try:
        months = int(str(value).strip())
    except ValueError:
        months = 0
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(
            _("--months is a whole number of months from 1 to {most}, not {value}").format(
                most=MAX_MONTHS, value=repr(str(value))
            )
        )
    return months


def parse_multiplier(text) -> Decimal:
    """A plan's earn multiplier, read as a tier's is."""
    return parse_rate(str(text), _("the multiplier of a plan"))


def parse_discount(text) -> Decimal:
    """A plan's discount: a percentage from 0 to 100."""
    what = _("the discount of a plan")
    number = parse_rate(str(text), what)
    if number > HUNDRED:
        raise InvalidInput(
            _("{what} is a percentage from 0 to 100, not {value}").format(what=what, value=text)
        )
    return number


def add(
    shop: Shop,
    name: str,
    *,
    fee,
    months,
    multiplier="1",
    discount="0",
    at: datetime,
) -> dict:
    """A new plan; a name already taken is refused."""
    name = parse_name(name)
    plan = {
        "name": name,
        "fee": to_text(parse_fee(fee)),
        "months": parse_months(months),
        "multiplier": str(parse_multiplier(multiplier)),
        "discount": str(parse_discount(discount)),
        "created_at": clock.iso(at),
    }
    taken = _named(shop, name)
    if taken is not None:
        raise Refused(_("a plan named {name} already exists").format(name=taken["name"]))
    shop.plans.put(plan)
    return plan


def edit(shop: Shop, name: str, *, at: datetime, **given) -> dict:
    """Change a plan's fee, months, multiplier or discount (those given); running
    memberships keep the terms they were bought with."""
    plan = find(shop, name)
    parsers = {"fee": lambda v: to_text(parse_fee(v)), "months": parse_months}
    parsers |= {
        "multiplier": lambda v: str(parse_multiplier(v)),
        "discount": lambda v: str(parse_discount(v)),
    }
    changes = {key: parsers[key](value) for key, value in given.items() if value is not None}
    if not changes:
        raise InvalidInput(_("nothing to change: give --fee, --months, --multiplier or --discount"))
    plan.update(changes)
    plan["changed_at"] = clock.iso(at)
    shop.plans.put(plan)
    return plan


def find(shop: Shop, name: str) -> dict:
    """The plan of this name, typed in any letter case; refused when there is none."""
    plan = _named(shop, name)
    if plan is None:
        raise Refused(_("no membership plan named {name}").format(name=name))
    return plan


def _named(shop: Shop, name: str) -> dict | None:
    """The plan whose name is `name` whatever the capitals (names are unique that way)."""
    return shop.plans.named(name)


def plan_json(plan: dict) -> dict:
    """A plan as `plan list --json` gives it."""
    return {key: plan.get(key) for key in ("name", "fee", "months", "multiplier", "discount")}


# -- memberships ---------------------------------------------------------------------


def last_day(first: date, months: int) -> date:
    """The last day of a period of `months` months starting on `first`."""
    return projection.months_before(first, -months) - timedelta(days=1)


def held(member: dict, day: str) -> dict | None:
    """The member's membership unless it has lapsed by `day` (YYYY-MM-DD): it may not have
    started yet (a renewal bought early keeps `from`)."""
    membership = member.get(FIELD)
    if isinstance(membership, dict) and str(membership.get("until")) >= day:
        return membership
    return None


def running(member: dict, day: str | None) -> dict | None:
    """The membership that runs on `day` (YYYY-MM-DD), or None."""
    if day is None:
        return None
    membership = held(member, day)
    if membership is not None and str(membership.get("from")) <= day:
        return membership
    return None


def terms(member: dict, day: str | None) -> Terms | None:
    """What the membership running on `day` gives at the checkout, or None."""
    membership = running(member, day)
    if membership is None:
        return None
    return Terms(
        membership["plan"],
        Decimal(membership.get("multiplier", "1")),
        Decimal(membership.get("discount", "0")),
    )


def subscribe(
    shop: Shop,
    member_ref: str,
    plan_name: str,
    *,
    at: datetime,
    operator: str,
    paid: Decimal | None = None,
) -> Subscribed:
    """Buy or renew a membership: a `membership` entry records the fee paid (the plan's fee
    unless `paid`), and the member holds the membership until its last day.

    A membership that still runs (or has not started yet) on the day of `at` is renewed:
    the new period starts the day after its `until`. Another plan while one runs is
    refused; blocked and closed members are refused.
    """
    from loyalty_cli import points  # points -> checkout -> plans

    member = members.find(shop, member_ref)
    members.require_active(member)
    timeline.require_enrolled_by(shop, member, at, N_("a membership"))
    plan = find(shop, plan_name)
    day = projection.day_of(at, shop.programme().tz)
    current = held(member, day)
    if current is not None and current.get("plan") != plan["name"]:
        raise Refused(
            _(
                "member {card} has the plan {plan} until {until}; "
                "another plan can be bought once it has ended"
            ).format(
                card=member["card"],
                plan=current.get("plan"),
                until=formats.day(date.fromisoformat(current["until"])),
            )
        )
    if current is not None:
        first = date.fromisoformat(current["until"]) + timedelta(days=1)
    else:
        first = date.fromisoformat(day)
    until = last_day(first, int(plan["months"])).isoformat()
    fee = plan["fee"] if paid is None else to_text(paid)
    entry = points.record(
        shop,
        member,
        at=at,
        operator=operator,
        kind=KIND,
        points=0,
        lots={},
        plan=plan["name"],
        fee=fee,
        until=until,
    )
    member[FIELD] = {
        "plan": plan["name"],
        "from": current["from"] if current is not None else first.isoformat(),
        "until": until,
        "multiplier": plan["multiplier"],
        "discount": plan["discount"],
    }
    shop.members.put(member)
    return Subscribed(entry, member, current is not None)


def membership_json(member: dict, day: str) -> dict | None:
    """The member's membership as `member show --json` gives it (None once lapsed)."""
    membership = held(member, day)
    if membership is None:
        return None
    return {
        "plan": membership.get("plan"),
        "from": membership.get("from"),
        "until": membership.get("until"),
        "multiplier": membership.get("multiplier"),
        "discount": membership.get("discount"),
        "running": running(member, day) is not None,
    }


def _holders(shop: Shop) -> Iterator[dict]:
    """The members whose document holds a membership, lapsed or not (rows read, the others
    not unpacked)."""
    for row in shop.members.stored_rows():
        if member_rows.has_other(row, FIELD):
            card = member_rows.card_of(row)
            member = shop.members.get(card) if card is not None else None
            if member is not None and member.get(FIELD) is not None:
                yield member


def end_lapsed(shop: Shop, day: date) -> int:
    """Clear the memberships whose last day is before `day`; how many were ended.

    The day is kept (meta ENDED_BEFORE), so `verify` knows which memberships may be gone."""
    lapsed = [m for m in _holders(shop) if held(m, day.isoformat()) is None]
    for member in lapsed:
        del member[FIELD]
        shop.members.put(member)
    if str(shop.meta.get(ENDED_BEFORE) or "") < day.isoformat():
        shop.meta[ENDED_BEFORE] = day.isoformat()
        shop.touch_meta()
    return len(lapsed)


class Renewal(NamedTuple):
    """A membership that ends soon."""

    card: str
    name: str | None
    plan: str
    until: str


def expiring(shop: Shop, day: date, within: int) -> list[Renewal]:
    """Memberships not lapsed on `day` whose last day is at most `within` days later,
    soonest first; only of active members (blocked and closed ones cannot renew)."""
    today, last = day.isoformat(), (day + timedelta(days=within)).isoformat()
    due = []
    for member in _holders(shop):
        if member.get("status") != "active":
            continue
        membership = held(member, today)
        if membership is not None and membership["until"] <= last:
            due.append(Renewal(member["card"], member.get("name"), membership["plan"], membership["until"]))
    return sorted(due, key=lambda r: (r.until, r.card))


class PlanFigures(NamedTuple):
    """A plan's row of `report memberships`."""

    plan: str
    sold: int  # memberships bought or renewed in the period
    revenue: Decimal  # their fees
    active: int  # memberships running on the period's last day


def report(shop: Shop, first: date, last: date) -> list[PlanFigures]:
    """Fees taken from `first` to `last` (shop days) and memberships running on `last`, by plan.

    Running is read from the ledger, so a past period counts memberships since ended: a
    member's membership runs on a day when the latest membership entry recorded by its end
    reaches it (renewals only extend, and a new one starts on the day it is bought).
    """
    tz = shop.programme().tz
    end = clock.iso(clock.end_of_day(last, tz))
    since = clock.iso(clock.start_of_day(projection.months_before(first, MAX_MONTHS + 1), tz))
    sold: dict[str, int] = defaultdict(int)
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    latest: dict[str, LedgerEntry] = {}
    from loyalty_cli import card_moves  # not needed at the till: its import stays out of `purchase`

    entries = [e for e in shop.ledger.entries(since=since, until=end) if e.kind == KIND]
    moved = card_moves.moves(shop)
    for entry in entries:
        latest[card_moves.resolve(moved, entry.card)] = entry
        if projection.day_of(clock.from_iso(entry.at), tz) >= first.isoformat():
            sold[entry.plan] += 1
            revenue[entry.plan] += Decimal(entry.fee or "0")
    active: dict[str, int] = defaultdict(int)
    for entry in latest.values():
        if entry.until and entry.until >= last.isoformat():
            active[entry.plan] += 1
    names = [p["name"] for p in shop.plans.all()]
    names += sorted({*sold, *active} - set(names))
    return [PlanFigures(n, sold[n], revenue[n], active[n]) for n in names]


def figures_json(row: PlanFigures) -> dict:
    return {"plan": row.plan, "sold": row.sold, "revenue": to_text(row.revenue), "active": row.active}


# -- verify ----------------------------------------------------------------------------


def carry_on_merge(keep: dict, other: dict) -> None:
    """Of two records of one customer joined by a merge, KEEP holds the membership that runs
    longest (a renewal always runs longer than what it renews); OTHER, closed, holds none."""
    theirs = other.pop(FIELD, None)
    ours = keep.get(FIELD)
    if isinstance(theirs, dict) and (
        not isinstance(ours, dict) or theirs.get("until", "") > ours.get("until", "")
    ):
        keep[FIELD] = theirs


def check_memberships(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Each member's running membership agrees with their latest membership entry (plan
    and last day); a membership cleared by `maintain` had lapsed before the day it ran."""
    # A replaced card's membership goes with the member to the new card; of two merged
    # records the kept one holds the membership that runs longest (carry_on_merge).
    from loyalty_cli import card_moves

    moved = card_moves.ledger_moves(entries)
    latest: dict[str, LedgerEntry] = {}
    for entry in entries:
        if entry.kind == KIND:
            if entry.points != 0 or entry.amount is not None or entry.lots:
                yield _("entry {id}: a membership moves no points and is not spend").format(id=entry.id)
            card = card_moves.resolve(moved, entry.card)
            if card not in latest or (entry.until or "") >= (latest[card].until or ""):
                latest[card] = entry
    ended_before = shop.meta.get(ENDED_BEFORE)
    for member in shop.members.all():
        card = member["card"]
        membership = member.get(FIELD)
        entry = latest.get(card)
        if membership is None:
            if entry is not None and entry.until and not (ended_before and entry.until < ended_before):
                yield _("member {card}: the membership {plan} until {until} of entry {id} is missing").format(
                    card=card, plan=entry.plan, until=entry.until, id=entry.id
                )
            continue
        if not isinstance(membership, dict) or entry is None:
            yield _("member {card}: holds a membership no entry recorded").format(card=card)
            continue
        if (membership.get("plan"), membership.get("until")) != (entry.plan, entry.until):
            yield _(
                "member {card}: holds the membership {plan} until {until}, "
                "the ledger says {entry_plan} until {entry_until}"
            ).format(
                card=card,
                plan=membership.get("plan"),
                until=membership.get("until"),
                entry_plan=entry.plan,
                entry_until=entry.until,
            )
