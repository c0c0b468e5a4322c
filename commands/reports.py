"""`report summary|tiers|segments|expiring|rewards`: the programme in numbers, for the shop owner."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from functools import partial

import click

from loyalty_cli import balances, formats, language
from loyalty_cli.language import N_, _, ngettext
from loyalty_cli.money import to_text

from .context import DAY, Env, output_options, pass_env
from .nps import nps_report
from .render import emit_csv, emit_json, emit_pairs, emit_table
from .translated import Group

BAR_WIDTH = 30

as_of_option = click.option("--as-of", type=DAY, help="Evaluate as of the end of this day.  [default: today]")


@click.group(cls=Group)
def report():
    """Reports: summary, tiers, RFM segments, points about to expire, the day's activity,
    membership plans, NPS."""


report.add_command(nps_report)


def _as_of(env: Env, shop, as_of):
    return as_of or env.clock.today(shop.programme().tz)


@report.command("summary")
@as_of_option
@click.option(
    "--chart",
    is_flag=True,
    help="Show the last 12 months as bars: points issued, redeemed and expired, and purchases.",
)
@output_options
@pass_env
def summary(env: Env, as_of, chart, as_json, as_csv):
    """Members, points issued, redeemed, expired and outstanding, the liability and rates.

    The liability is the outstanding points at `redeem.value`. Also the loyalty discounts
    given on purchases and the points still pending; in cashback mode every figure is money.
    On a terminal a chart of points issued and redeemed per month for the last 12 months
    follows. --chart shows the last 12 months instead, as bars: points issued, redeemed
    and expired, and the number of purchases.

    \b
    Example:
      loyalty report summary
      loyalty report summary --chart
      loyalty report summary --as-of 2026-06-30 --json
    """
    from loyalty_cli.reporting import reports

    if chart and (as_json or as_csv):
        raise click.UsageError(_("--chart draws for people; --json and --csv are for programs: choose one"))
    shop = env.store().read()
    programme = shop.programme()
    result = reports.summary(shop, _as_of(env, shop, as_of))
    if chart:
        _show_chart(result, partial(balances.figure, programme))
        return
    document = summary_json(result, programme)
    if as_json:
        emit_json(document)
        return
    if as_csv:
        rows = [{"metric": k, "value": v} for k, v in document.items() if k not in ("monthly", "currency")]
        emit_csv(rows, ["metric", "value"], numeric=("value",))
        return
    count = formats.number
    shown = partial(balances.figure, programme)
    labels = CASHBACK_LABELS if result.cashback else POINTS_LABELS
    pairs = [
        (_("As of"), formats.day(result.as_of)),
        (_("Members"), count(result.members)),
        (_("Active (purchase in 90 days)"), count(result.active_members)),
        *((_(labels[key]), shown(getattr(result, key))) for key in POINTS_FIGURES),
        (_(labels["pending_points"]), shown(result.pending_points)),
        (_("Discounts given"), formats.money(result.discounts_given, result.currency)),
        (_("Liability"), formats.money(result.liability, result.currency)),
        (_("Redemption rate"), percent(result.redemption_rate)),
        (_("Repeat-purchase rate"), percent(result.repeat_purchase_rate)),
    ]
    emit_pairs(pairs)
    if sys.stdout.isatty():
        click.echo("")
        for line in chart_lines(result.monthly, show=shown, cashback=result.cashback):
            click.echo(line)


def _show_chart(result, shown) -> None:
    """`report summary --chart`: rich on a terminal, plain lines when piped."""
    from . import summary_chart
    from .render import on_terminal, printable

    terminal = on_terminal()
    width = summary_chart.width_for(terminal)
    drawn = summary_chart.lines(
        result.monthly, width, show=shown, cashback=result.cashback, on_terminal=terminal
    )
    if not terminal:
        for line in drawn:
            click.echo(printable(line))
        return
    from rich.console import Console

    console = Console(highlight=False, width=width)
    for line in drawn:
        console.print(line, soft_wrap=True)


# The points figures of the summary: money (cents of cashback) in cashback mode.
POINTS_FIGURES = (
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_refunded",
    "points_removed",
    "points_outstanding",
)
POINTS_LABELS = {
    "points_issued": N_("Points issued"),
    "points_redeemed": N_("Points redeemed"),
    "points_expired": N_("Points expired"),
    "points_refunded": N_("Points refunded"),
    "points_removed": N_("Points removed by hand"),
    "points_outstanding": N_("Points outstanding"),
    "pending_points": N_("Pending points"),
}
CASHBACK_LABELS = {
    "points_issued": N_("Cashback issued"),
    "points_redeemed": N_("Cashback redeemed"),
    "points_expired": N_("Cashback expired"),
    "points_refunded": N_("Cashback refunded"),
    "points_removed": N_("Cashback removed by hand"),
    "points_outstanding": N_("Cashback outstanding"),
    "pending_points": N_("Pending cashback"),
}


def summary_json(result, programme) -> dict:
    """The SPEC keys of `report summary --json`, and more. In cashback mode the points
    figures are money ("12.34" strings), and `cashback_outstanding` is added."""
    value = partial(balances.json_value, programme)
    document = {
        "as_of": result.as_of.isoformat(),
        "currency": result.currency,
        "members": result.members,
        "active_members": result.active_members,
        **{key: value(getattr(result, key)) for key in POINTS_FIGURES},
        "liability": to_text(result.liability),
        "redemption_rate": result.redemption_rate,
        "repeat_purchase_rate": result.repeat_purchase_rate,
        "discounts_given": to_text(result.discounts_given),
        "pending_points": value(result.pending_points),
    }
    if result.cashback:
        document["cashback_outstanding"] = to_text(result.cashback_outstanding)
    document["monthly"] = [
        {
            "month": f.month,
            "issued": value(f.issued),
            "redeemed": value(f.redeemed),
            "expired": value(f.expired),
            "purchases": f.purchases,
        }
        for f in result.monthly
    ]
    return document


def chart_lines(monthly, width: int = BAR_WIDTH, *, show=str, cashback: bool = False) -> list[str]:
    """A bar chart of points (or cashback) issued (#) and redeemed (=) per month, scaled to `width`."""
    top = max([f.issued for f in monthly] + [f.redeemed for f in monthly] + [1])
    digits = max(len(show(n)) for f in monthly for n in (f.issued, f.redeemed)) if monthly else 1
    if cashback:
        lines = [_("Cashback per month (# issued, = redeemed)")]
    else:
        lines = [_("Points per month (# issued, = redeemed)")]
    for flow in monthly:
        issued = "#" * round(flow.issued * width / top)
        redeemed = "=" * round(flow.redeemed * width / top)
        lines.append(f"{flow.month}  {issued:<{width}} {show(flow.issued):>{digits}}")
        lines.append(f"{'':7}  {redeemed:<{width}} {show(flow.redeemed):>{digits}}")
    return lines


def percent(rate: float, places: int = 1) -> str:
    """A share as people read it in the active language: 22.5% / 22,5% / 22,5 % (CLDR)."""
    digits = f"{rate * 100:.{places}f}".replace(".", formats.decimal_mark())
    return digits + (formats.NBSP + "%" if language.active() == "ru" else "%")


def _money(text: str | None, currency: str) -> str | None:
    return None if text is None else formats.money(Decimal(text), currency)


@report.command("tiers")
@as_of_option
@output_options
@pass_env
def tiers(env: Env, as_of, as_json, as_csv):
    """Members and their 12-month spend per tier.

    Members count in the tier they held at the end of --as-of; spend is over its 12 months
    (the days from the same date a year earlier to --as-of), less refunds.

    \b
    Example:
      loyalty report tiers --csv > tiers.csv
    """
    from loyalty_cli.reporting import reports

    shop = env.store().read()
    day = _as_of(env, shop, as_of)
    rows = [
        {
            "tier": row.tier,
            "threshold": None if row.threshold is None else to_text(row.threshold),
            "multiplier": None if row.multiplier is None else str(row.multiplier),
            "members": row.members,
            "spend_12m": to_text(row.spend_12m),
            "average_spend": to_text(row.average_spend),
        }
        for row in reports.tiers(shop, day)
    ]
    columns = ["tier", "threshold", "multiplier", "members", "spend_12m", "average_spend"]
    if as_json:
        emit_json({"as_of": day.isoformat(), "tiers": rows})
    elif as_csv:
        emit_csv(rows, columns, numeric=tuple(columns[1:]))
    else:
        currency = shop.programme().currency
        headers = [
            _("Tier"),
            _("From spend"),
            _("Multiplier"),
            _("Members"),
            _("Spend 12 months"),
            _("Average"),
        ]
        shown = [
            {
                "tier": row["tier"] or _("(no tier)"),
                "threshold": _money(row["threshold"], currency),
                "multiplier": None
                if row["multiplier"] is None
                else row["multiplier"].replace(".", formats.decimal_mark()),
                "members": formats.number(row["members"]),
                "spend_12m": _money(row["spend_12m"], currency),
                "average_spend": _money(row["average_spend"], currency),
            }
            for row in rows
        ]
        title = _("Tiers as of {day}").format(day=formats.day(day))
        emit_table(shown, list(zip(columns, headers, strict=True)), title=title)


SEGMENT_COLUMNS = [
    "card",
    "name",
    "phone",
    "email",
    "consent",
    "segment",
    "last_purchase",
    "recency_days",
    "frequency",
    "monetary",
    "r",
    "f",
    "m",
]


@report.command("segments")
@as_of_option
@output_options
@pass_env
def segments(env: Env, as_of, as_json, as_csv):
    """RFM segments: champions, loyal, promising ... at risk, hibernating, lost.

    Recency, frequency and money spent are scored 1-5 by quintile; docs/reports.md has the
    mapping to segments. --csv lists every member with their scores and segment.

    \b
    Example:
      loyalty report segments
      loyalty report segments --csv > segments.csv
    """
    from loyalty_cli.reporting import segments as rfm

    shop = env.store().read()
    day = _as_of(env, shop, as_of)
    scored = rfm.score(shop, day)
    members = [
        {
            **{k: getattr(row, k) for k in SEGMENT_COLUMNS if k not in ("last_purchase", "monetary")},
            "last_purchase": row.last_purchase.isoformat() if row.last_purchase else None,
            "monetary": to_text(row.monetary),
        }
        for row in scored
    ]
    counts = rfm.counts(scored)
    if as_json:
        emit_json({"as_of": day.isoformat(), "segments": counts, "members": members})
    elif as_csv:
        rows = [{**m, "consent": "yes" if m["consent"] else "no"} for m in members]
        emit_csv(rows, SEGMENT_COLUMNS, numeric=("recency_days", "frequency", "monetary", "r", "f", "m"))
    else:
        total = len(scored) or 1
        rows = [
            {
                "segment": _(rfm.LABELS[name]),
                "members": formats.number(count),
                "share": percent(count / total, places=0),
            }
            for name, count in counts.items()
        ]
        columns = [("segment", _("Segment")), ("members", _("Members")), ("share", _("Share"))]
        emit_table(rows, columns, title=_("RFM segments as of {day}").format(day=formats.day(day)))


EXPIRING_COLUMNS = [
    "card",
    "name",
    "phone",
    "email",
    "consent",
    "status",
    "points",
    "expires_on",
    "balance",
]
EXPIRING_HEADERS = {
    "card": N_("Card"),
    "name": N_("Member"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "consent": N_("Consent"),
    "status": N_("Status"),
    "points": N_("Points"),
    "expires_on": N_("Expires on"),
    "balance": N_("Balance"),
}
# A member's status as a table for people shows it; JSON and CSV keep the stored word.
STATUS_LABELS = {"active": N_("active"), "blocked": N_("blocked"), "closed": N_("closed")}


@report.command("expiring")
@click.option(
    "--within",
    type=click.IntRange(min=0, max=3660),
    default=30,
    show_default=True,
    metavar="DAYS",
    help="Points that expire within this many days.",
)
@click.option("--memberships", is_flag=True, help="List membership plans due for renewal instead.")
@as_of_option
@output_options
@pass_env
def expiring(env: Env, within, memberships, as_of, as_json, as_csv):
    """Members whose points expire soon, with their contact details and consent.

    --csv gives a mail-merge file; write only to members whose consent says yes.
    --memberships lists instead the membership plans whose last day is within DAYS:
    the renewals due (card, name, plan, last day).

    \b
    Example:
      loyalty report expiring --within 30
      loyalty report expiring --within 14 --csv > remind.csv
      loyalty report expiring --memberships --within 30
    """
    if memberships:
        _expiring_memberships(env, within, as_of, as_json, as_csv)
        return
    from loyalty_cli.reporting import reports

    shop = env.store().read()
    programme = shop.programme()
    day = _as_of(env, shop, as_of)
    value = partial(balances.json_value, programme)  # cashback: money, as "12.34"
    found = reports.expiring(shop, within, day)
    rows = [
        {
            "card": row.card,
            "name": row.name,
            "phone": row.phone,
            "email": row.email,
            "consent": row.consent,
            "status": row.status,
            "points": value(row.points),
            "expires_on": row.expires_on.isoformat(),
            "balance": value(row.balance),
        }
        for row in found
    ]
    if as_json:
        emit_json({"as_of": day.isoformat(), "within_days": within, "members": rows})
    elif as_csv:
        merged = [{**row, "consent": "yes" if row["consent"] else "no"} for row in rows]
        emit_csv(merged, EXPIRING_COLUMNS, numeric=("points", "balance"))
    else:
        shown = [
            {
                **row,
                "consent": _("yes") if row["consent"] else _("no"),
                "status": _(STATUS_LABELS.get(row["status"], row["status"])),
                "points": balances.figure(programme, item.points),
                "expires_on": formats.day(date.fromisoformat(row["expires_on"])),
                "balance": balances.figure(programme, item.balance),
            }
            for row, item in zip(rows, found, strict=True)
        ]
        headers = {**EXPIRING_HEADERS, "points": N_("Cashback")} if programme.cashback else EXPIRING_HEADERS
        columns = [(c, _(headers[c])) for c in EXPIRING_COLUMNS]
        if programme.cashback:
            title = ngettext(
                "Cashback expiring by {day} + {count} day",
                "Cashback expiring by {day} + {count} days",
                within,
            )
        else:
            title = ngettext(
                "Points expiring by {day} + {count} day", "Points expiring by {day} + {count} days", within
            )
        title = title.format(day=formats.day(day), count=formats.number(within))
        emit_table(shown, columns, title=title, optional=("email", "consent", "status", "balance"))


RENEWAL_COLUMNS = [
    ("card", N_("Card")),
    ("name", N_("person|Name")),
    ("plan", N_("Plan")),
    ("until", N_("Until")),
]


def _expiring_memberships(env: Env, within: int, as_of, as_json: bool, as_csv: bool) -> None:
    """`report expiring --memberships`: the memberships whose last day is within `within` days."""
    from loyalty_cli import plans

    shop = env.store().read()
    day = _as_of(env, shop, as_of)
    rows = [r._asdict() for r in plans.expiring(shop, day, within)]
    if as_json:
        emit_json({"as_of": day.isoformat(), "within_days": within, "memberships": rows})
    elif as_csv:
        emit_csv(rows, [key for key, _header in RENEWAL_COLUMNS])
    else:
        shown = [{**row, "until": formats.day(date.fromisoformat(row["until"]))} for row in rows]
        title = ngettext(
            "Memberships ending by {day} + {count} day", "Memberships ending by {day} + {count} days", within
        ).format(day=formats.day(day), count=formats.number(within))
        columns = [(key, language.in_context(header)) for key, header in RENEWAL_COLUMNS]
        emit_table(shown, columns, title=title)


MEMBERSHIP_COLUMNS = [
    ("plan", N_("Plan")),
    ("sold", N_("Sold")),
    ("revenue", N_("Fees")),
    ("active", N_("Running")),
]


@report.command("memberships")
@click.option("--from", "first", type=DAY, help="First day.  [default: today, shop time]")
@click.option("--to", "last", type=DAY, help="Last day.  [default: today; --to alone: that day]")
@output_options
@pass_env
def memberships(env: Env, first, last, as_json, as_csv):
    """Membership plans: fees taken in the period and memberships running, by plan.

    Sold counts the memberships bought or renewed from --from to --to (shop days), fees
    their money (fees are not sales: they earn no points and no tier spend); running
    counts the memberships that run on the --to day.

    \b
    Example:
      loyalty report memberships
      loyalty report memberships --from 2026-11-01 --to 2026-11-30 --json
    """
    from loyalty_cli import plans
    from loyalty_cli.reporting import activity

    shop = env.store().read()
    programme = shop.programme()
    start, end = activity.window(first, last, env.clock.today(programme.tz))
    found = plans.report(shop, start, end)
    rows = [plans.figures_json(row) for row in found]
    total = {
        "sold": sum(r.sold for r in found),
        "revenue": to_text(sum((r.revenue for r in found), Decimal(0))),
        "active": sum(r.active for r in found),
    }
    if as_json:
        emit_json(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "currency": programme.currency,
                "plans": rows,
                "total": total,
            }
        )
        return
    columns = [key for key, _header in MEMBERSHIP_COLUMNS]
    if as_csv:
        emit_csv([*rows, {**total, "plan": "total"}], columns, numeric=("sold", "revenue", "active"))
        return
    people = [
        {
            "plan": row["plan"],
            "sold": formats.number(row["sold"]),
            "revenue": formats.money(Decimal(row["revenue"]), programme.currency),
            "active": formats.number(row["active"]),
        }
        for row in [*rows, {**total, "plan": _("Total")}]
    ]
    title = _("Membership plans {first} to {last}").format(first=formats.day(start), last=formats.day(end))
    emit_table(people, [(key, _(header)) for key, header in MEMBERSHIP_COLUMNS], title=title)


ACTIVITY_COLUMNS = [
    ("purchases", N_("Purchases")),
    ("sales", N_("Sales")),
    ("refunds", N_("Refunds")),
    ("refunded", N_("Refunded")),
    ("net_sales", N_("Net sales")),
    ("discounts_given", N_("Discounts")),
    ("points_earned", N_("Earned")),
    ("points_refunded", N_("Taken back")),
    ("points_redeemed", N_("Redeemed")),
    ("points_paid", N_("Paid with points")),
    ("points_expired", N_("Expired")),
    ("points_adjusted", N_("Adjusted")),
    ("points_bonus", N_("Bonus")),
    ("points_other", N_("Other")),
    ("new_members", N_("New members")),
]
MONEY_COLUMNS = ("sales", "refunded", "net_sales", "discounts_given")
COUNT_COLUMNS = ("purchases", "refunds", "new_members")  # the rest are points: money in cashback mode
GROUP_HEADERS = {"day": N_("Day"), "operator": N_("Operator"), "store": N_("Store")}


@report.command("activity")
@click.option("--from", "first", type=DAY, help="First day.  [default: today, shop time]")
@click.option("--to", "last", type=DAY, help="Last day.  [default: today; --to alone: that day]")
@click.option(
    "--by",
    type=click.Choice(["day", "operator", "store"]),
    default="day",
    show_default=True,
    help="One row per day, per operator or per store.",
)
@output_options
@pass_env
def activity(env: Env, first, last, by, as_json, as_csv):
    """What happened at the till: purchases, sales, refunds, points and new members.

    Sales are the money paid; the loyalty discounts given and the points paid with at the
    till are shown when there are any. Points earned, taken back by refunds, redeemed,
    expired, adjusted by hand and given as bonuses or prizes; new members enrolled.
    In cashback mode the points columns are money. Days are shop-local; a refund counts for
    the store of the purchase it refunds. The report to close the day with.

    \b
    Example:
      loyalty report activity
      loyalty report activity --by operator
      loyalty report activity --from 2026-11-01 --to 2026-11-30 --csv > november.csv
    """
    from loyalty_cli.reporting import activity as core

    shop = env.store().read()
    today = env.clock.today(shop.programme().tz)
    start, end = core.window(first, last, today)
    result = core.report(shop, start, end, by)
    programme = shop.programme()
    rows = [_activity_row(row, by, programme) for row in result.rows]
    total = _activity_row(result.total, by, programme)
    if as_json:
        document = {"from": start.isoformat(), "to": end.isoformat(), "by": by, "currency": result.currency}
        total.pop(by)
        emit_json({**document, "rows": rows, "total": total})
        return
    columns = [by, *(key for key, _header in ACTIVITY_COLUMNS)]
    if as_csv:
        emit_csv([*rows, {**total, by: "total"}], columns, numeric=tuple(columns[1:]))
        return
    wanted = {
        "points_other": result.total.points_other,
        "points_paid": result.total.points_paid,
        "discounts_given": result.total.discounts_given or _gives_discounts(programme),
    }
    shown = [(key, _(header)) for key, header in ACTIVITY_COLUMNS if wanted.get(key, True)]
    if end == start:
        title = _("Activity {day} ({currency})").format(day=formats.day(start), currency=result.currency)
    else:
        title = _("Activity {first} to {last} ({currency})").format(
            first=formats.day(start), last=formats.day(end), currency=result.currency
        )
    people = [_activity_for_people(row, by, programme) for row in [*result.rows, result.total]]
    people[-1][by] = _("Total")
    emit_table(people, [(by, _(GROUP_HEADERS[by])), *shown], title=title)


def _gives_discounts(programme) -> bool:
    """Whether the programme has a threshold or a tier discount."""
    return programme.discount_threshold is not None or any(t.discount for t in programme.tiers)


def _activity_row(row, by: str, programme) -> dict:
    """A row for scripts: money as decimal strings, points as numbers (cashback as money)."""
    values = {key: getattr(row, key) for key, _header in ACTIVITY_COLUMNS}
    for key, value in values.items():
        if key in MONEY_COLUMNS:
            values[key] = to_text(value)
        elif key not in COUNT_COLUMNS:
            values[key] = balances.json_value(programme, value)
    return {by: row.key, **values}


def _activity_for_people(row, by: str, programme) -> dict:
    """A row of the activity table: money, counts and days as the active language writes them."""
    from loyalty_cli.reporting import activity as core

    if by == "day":
        key = formats.day(date.fromisoformat(row.key)) if row.key != "total" else row.key
    else:
        key = _(row.key) if row.key in (core.NO_OPERATOR, core.NO_STORE) else row.key
    shown = {by: key}
    for name, _header in ACTIVITY_COLUMNS:
        value = getattr(row, name)
        if name in MONEY_COLUMNS:
            shown[name] = formats.money(value, programme.currency)
        elif name in COUNT_COLUMNS:
            shown[name] = formats.number(value)
        else:
            shown[name] = balances.figure(programme, value)
    return shown


PARTNER_COLUMNS = [
    ("partner", N_("Partner shop")),
    ("points_issued", N_("Issued")),
    ("points_redeemed", N_("Redeemed")),
    ("net_points", N_("Net")),
    ("redeem_value", N_("Point value")),
    ("due", N_("Settlement")),
]


@report.command("partners")
@click.option("--from", "first", type=DAY, required=True, help="First day of the period.")
@click.option("--to", "last", type=DAY, required=True, help="Last day of the period.")
@output_options
@pass_env
def partners(env: Env, first, last, as_json, as_csv):
    """Settle a period with the partner shops: points issued and redeemed at each, and the money due.

    Issued: points earned at the partner, less those its refunds took back. Redeemed:
    points spent at the partner, less those refunds gave back. Due = (issued - redeemed)
    x the partner's point value: positive, the partner pays the programme; negative, the
    programme pays the partner. The shop's own purchases are the row "(own shop)", with
    nothing due. Days are shop-local.

    \b
    Example:
      loyalty report partners --from 2026-10-01 --to 2026-10-31
      loyalty report partners --from 2026-10-01 --to 2026-10-31 --csv > settlement.csv
    """
    from loyalty_cli import partners as core

    from .partners import point_value

    shop = env.store().read()
    programme = shop.programme()
    result = core.settle(shop, first, last)
    rows = [_partner_row(row, programme) for row in (*result.partners, result.own_shop)]
    if as_json:
        emit_json(
            {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "currency": result.currency,
                "partners": rows[:-1],
                "own_shop": rows[-1],
                "total_due": to_text(result.total_due),
            }
        )
        return
    if as_csv:
        emit_csv(
            rows, [key for key, _header in PARTNER_COLUMNS], numeric=tuple(k for k, _h in PARTNER_COLUMNS[1:])
        )
        return
    shown = partial(balances.figure, programme)
    people = []
    for row in (*result.partners, result.own_shop):
        due = row.due
        if due is None:
            settled = ""
        elif due == 0:
            settled = _("nothing due")
        elif due >= 0:
            settled = _("pays {amount}").format(amount=formats.money(due, result.currency))
        else:
            settled = _("is paid {amount}").format(amount=formats.money(-due, result.currency))
        people.append(
            {
                "partner": row.partner or _(core.OWN_SHOP),
                "points_issued": shown(row.points_issued),
                "points_redeemed": shown(row.points_redeemed),
                "net_points": shown(row.net_points),
                "redeem_value": ""
                if row.redeem_value is None
                else point_value(row.redeem_value, result.currency),
                "due": settled,
            }
        )
    title = _("Settlement with partner shops {first} to {last}").format(
        first=formats.day(first), last=formats.day(last)
    )
    emit_table(people, [(key, _(header)) for key, header in PARTNER_COLUMNS], title=title)


def _partner_row(row, programme) -> dict:
    """A settlement row for scripts: points as numbers (cashback as money), money as strings."""
    from loyalty_cli import partners as core

    return {
        "partner": row.partner or core.OWN_SHOP,
        "points_issued": balances.json_value(programme, row.points_issued),
        "points_redeemed": balances.json_value(programme, row.points_redeemed),
        "net_points": balances.json_value(programme, row.net_points),
        "redeem_value": None if row.redeem_value is None else str(row.redeem_value),
        "due": None if row.due is None else to_text(row.due),
    }


REWARD_COLUMNS = (
    ("reward", N_("Reward")),
    ("redemptions", N_("Redemptions")),
    ("points", N_("Points")),
    ("stock", N_("Stock left")),
)


@report.command("rewards")
@click.option("--from", "first", type=DAY, help="First day.  [default: the beginning]")
@click.option("--to", "last", type=DAY, help="Last day.  [default: today]")
@output_options
@pass_env
def rewards(env: Env, first, last, as_json, as_csv):
    """Rewards taken in a period: redemptions and points per reward, and the stock left now.

    Every reward of the catalogue has a row; a removed reward has one when it was taken in
    the period. A stock of none (empty in CSV) means no stock limit.

    \b
    Example:
      loyalty report rewards
      loyalty report rewards --from 2026-11-01 --to 2026-11-30 --csv > rewards.csv
    """
    from loyalty_cli import rewards as core

    if first and last and first > last:
        raise click.UsageError(
            _("the period starts ({first}) after it ends ({last})").format(
                first=formats.day(first), last=formats.day(last)
            )
        )
    shop = env.store().read()
    rows = [row.to_json() for row in core.report(shop, first, last)]
    if as_json:
        period = {"from": first.isoformat() if first else None, "to": last.isoformat() if last else None}
        emit_json({**period, "rewards": rows})
    elif as_csv:
        emit_csv(
            [{**row, "removed": str(row["removed"]).lower()} for row in rows],
            ["reward", "redemptions", "points", "stock", "removed"],
            numeric=("redemptions", "points", "stock"),
        )
    else:
        shown = [
            {
                "reward": row["reward"] + (" " + _("(removed)") if row["removed"] else ""),
                "redemptions": formats.number(row["redemptions"]),
                "points": formats.number(row["points"]),
                "stock": "-" if row["removed"] else _stock_left(row["stock"]),
            }
            for row in rows
        ]
        emit_table(shown, [(key, _(header)) for key, header in REWARD_COLUMNS], title=_("Rewards taken"))


def _stock_left(stock: int | None) -> str:
    return _("no limit") if stock is None else formats.number(stock)
