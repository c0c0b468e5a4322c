"""`reward add|list|edit|restock|remove`: the rewards catalogue.  See docs/rewards.md."""

from __future__ import annotations

import click

from loyalty_cli import clock, formats
from loyalty_cli import rewards as core
from loyalty_cli.language import N_, _, ngettext

from .context import DAY, Env, json_option, output_options, pass_env
from .render import emit_csv, emit_json, emit_table
from .translated import Group

LIST_COLUMNS = (
    ("name", N_("Reward")),
    ("points", N_("Points")),
    ("stock", N_("Stock")),
    ("min_tier", N_("Lowest tier")),
    ("from", N_("From")),
    ("to", N_("Until")),
)
FIELDS = ("name", "points", "stock", "min_tier", "from", "to")


class DayOrNone(click.ParamType):
    """A calendar date, YYYY-MM-DD, or `none` to clear it."""

    name = "date|none"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.strip().casefold() == core.NONE:
            return core.NONE
        return DAY.convert(value, param, ctx)


class StockOrNone(click.ParamType):
    """A whole number of items, or `none`: no stock limit."""

    name = "integer|none"

    def convert(self, value, param, ctx):
        if isinstance(value, str) and value.strip().casefold() == core.NONE:
            return core.NONE
        return click.INT.convert(value, param, ctx)


@click.group(cls=Group)
def reward():
    """The rewards catalogue: what members take for their points.  See docs/rewards.md.

    \b
    Example:
      loyalty reward add Coffee --points 150
      loyalty reward add Cake --points 400 --stock 20 --min-tier Silver
      loyalty redeem 123456789015 --reward Coffee
    """


@reward.command("add")
@click.argument("name")
@click.option("--points", type=int, required=True, help="What the reward costs, in points.")
@click.option("--stock", type=int, help="How many there are.  [default: no limit]")
@click.option("--min-tier", metavar="TIER", help="Only for members of this tier or higher.")
@click.option("--from", "first", type=DAY, help="The first day it can be taken (shop time).")
@click.option("--to", "last", type=DAY, help="The last day it can be taken (shop time).")
@json_option
@pass_env
def reward_add(env: Env, name, points, stock, min_tier, first, last, as_json):
    """Add a reward NAME to the catalogue; names are unique (capitals aside).

    \b
    Example:
      loyalty reward add Coffee --points 150
      loyalty reward add Cake --points 400 --stock 20
      loyalty reward add "Christmas hamper" --points 2000 --stock 5 --min-tier Gold \\
          --from 2026-12-01 --to 2026-12-24
    """
    with env.store().transaction() as shop:
        at = env.clock.now
        found = core.add(shop, name, points, at=at, stock=stock, min_tier=min_tier, first=first, last=last)
    _print_reward(
        found,
        as_json,
        ngettext(
            "Reward {name} added: {count} point, {stock}.",
            "Reward {name} added: {count} points, {stock}.",
            found["points"],
        ),
    )


@reward.command("edit")
@click.argument("name")
@click.option("--points", type=int, help="A new price, in points.")
@click.option("--stock", type=StockOrNone(), help="The stock now (counted as stock added), or none.")
@click.option("--min-tier", metavar="TIER", help="The lowest tier allowed, or none.")
@click.option("--from", "first", type=DayOrNone(), help="The first day it can be taken, or none.")
@click.option("--to", "last", type=DayOrNone(), help="The last day it can be taken, or none.")
@json_option
@pass_env
def reward_edit(env: Env, name, as_json, **changes):
    """Change a reward: its points, stock, lowest tier or days; `none` clears a limit.

    \b
    Example:
      loyalty reward edit Cake --points 450
      loyalty reward edit Cake --stock 30
      loyalty reward edit Coffee --to none --min-tier none
    """
    if all(v is None for v in changes.values()):
        raise click.UsageError(_("give what to change: --points, --stock, --min-tier, --from or --to"))
    with env.store().transaction() as shop:
        found = core.edit(shop, name, **changes)
    _print_reward(
        found,
        as_json,
        ngettext(
            "Reward {name} changed: {count} point, {stock}.",
            "Reward {name} changed: {count} points, {stock}.",
            found["points"],
        ),
    )


@reward.command("restock")
@click.argument("name")
@click.argument("count", type=int)
@json_option
@pass_env
def reward_restock(env: Env, name, count, as_json):
    """Add COUNT to a reward's stock (such as items given back after a refund).

    \b
    Example:
      loyalty reward restock Cake 10
    """
    with env.store().transaction() as shop:
        found = core.restock(shop, name, count)
    _print_reward(
        found,
        as_json,
        ngettext(
            "Reward {name} restocked: {count} point, {stock}.",
            "Reward {name} restocked: {count} points, {stock}.",
            found["points"],
        ),
    )


@reward.command("remove")
@click.argument("name")
@json_option
@pass_env
def reward_remove(env: Env, name, as_json):
    """Take a reward out of the catalogue; past redemptions keep its name.

    \b
    Example:
      loyalty reward remove Cake
    """
    with env.store().transaction() as shop:
        found = core.remove(shop, name, at=env.clock.now)
    if as_json:
        emit_json({**_json(found), "removed_at": found["removed_at"]})
    else:
        click.echo(_("Reward {name} removed from the catalogue.").format(name=found["name"]))


@reward.command("list")
@output_options
@pass_env
def reward_list(env: Env, as_json, as_csv):
    """The rewards on offer, cheapest first: points, stock, lowest tier and days.

    \b
    Example:
      loyalty reward list
      loyalty reward list --json
    """
    shop = env.store().read()
    rows = [_json(r) for r in core.catalogue(shop)]
    if as_json:
        emit_json({"rewards": rows})
    elif as_csv:
        emit_csv(rows, list(FIELDS), numeric=("points", "stock"))
    elif not rows:
        click.echo(_("The catalogue is empty; add a reward with: loyalty reward add NAME --points N"))
    else:
        shown = [
            {
                "name": row["name"],
                "points": formats.number(row["points"]),
                "stock": _("no stock limit") if row["stock"] is None else formats.number(row["stock"]),
                "min_tier": row["min_tier"] or "-",
                "from": _day(row["from"]),
                "to": _day(row["to"]),
            }
            for row in rows
        ]
        emit_table(shown, [(key, _(header)) for key, header in LIST_COLUMNS], optional=("from", "to"))


def redeem_reward(env: Env, member_ref: str, name: str, receipt, when, as_json: bool, partner=None) -> None:
    """`redeem MEMBER --reward NAME`: spend the reward's points, take one from its stock."""
    from loyalty_cli import balances, pending, projection

    with env.store().transaction() as shop:
        programme = shop.programme()
        at = clock.parse_at(when, env.clock, programme.tz)
        taken = core.redeem(
            shop,
            member_ref,
            name,
            at=at,
            operator=env.operator,
            receipt=receipt,
            now=env.clock.now,
            partner=partner,
        )
        done, found = taken.done, taken.reward
        waiting = pending.held(done.member["points"]["lots"], projection.day_of(env.clock.now, programme.tz))
    spent = -done.entry.points
    if as_json:
        emit_json(
            {
                "card": done.entry.card,
                "receipt": done.entry.receipt,
                "reward": found["name"],
                "partner": done.entry.partner,
                "points": spent,
                "stock": found["stock"],
                "balance": done.balance,
                "pending": balances.json_value(programme, waiting),
            }
        )
        return
    click.echo(
        ngettext(
            "{card}: {reward} for {count} point; balance {balance}",
            "{card}: {reward} for {count} points; balance {balance}",
            spent,
        ).format(
            card=done.entry.card,
            reward=found["name"],
            count=formats.number(spent),
            balance=formats.number(done.balance),
        )
    )
    if done.entry.partner:
        click.echo("  " + _("At partner shop {partner}").format(partner=done.entry.partner))


def _print_reward(found: dict, as_json: bool, text: str) -> None:
    if as_json:
        emit_json(_json(found))
    else:
        click.echo(
            text.format(
                name=found["name"], count=formats.number(found["points"]), stock=_stock(found["stock"])
            )
        )


def _json(found: dict) -> dict:
    return {key: found.get(key) for key in FIELDS}


def _stock(stock: int | None) -> str:
    if stock is None:
        return _("no stock limit")
    return ngettext("{count} in stock", "{count} in stock", stock).format(count=formats.number(stock))


def _day(text: str | None) -> str:
    return formats.day(clock.parse_date(text)) if text else "-"
