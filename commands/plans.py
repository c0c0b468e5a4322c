"""`plan add|list|edit` and `member subscribe`: paid membership plans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import click

from loyalty_cli import clock, formats, plans
from loyalty_cli.language import N_, _, ngettext

from .context import Env, json_option, pass_env
from .render import emit_json, emit_table
from .translated import Command, Group

PLAN_HEADERS = [
    ("name", N_("Plan")),
    ("fee", N_("Fee")),
    ("months", N_("Months")),
    ("multiplier", N_("Multiplier")),
    ("discount", N_("Discount %")),
]


@click.group(cls=Group)
def plan():
    """Paid membership plans: a fee buys a better multiplier and discount for some months.

    \b
    Example:
      loyalty plan add "Gold club" --fee 20.00 --months 12 --multiplier 2 --discount 10
      loyalty member subscribe 123456789015 "Gold club"
    """


def _terms(function):
    function = click.option(
        "--discount", metavar="PERCENT", help="Discount % on every receipt while it runs."
    )(function)
    function = click.option("--multiplier", metavar="X", help="Earn multiplier while it runs.")(function)
    function = click.option("--months", metavar="N", help="How long it runs, 1 to 120 months.")(function)
    return click.option("--fee", metavar="AMOUNT", help="The fee, such as 20.00.")(function)


@plan.command("add", cls=Command)
@click.argument("name")
@_terms
@json_option
@pass_env
def plan_add(env: Env, name, fee, months, multiplier, discount, as_json):
    """Add a membership plan NAME: its fee, length in months, multiplier and discount.

    While a member's plan runs they earn with the better of their tier's multiplier and the
    plan's, and get the better of the tier's, the plan's and the threshold discount (all
    added up when discount.stack is on). --multiplier defaults to 1, --discount to 0.

    \b
    Example:
      loyalty plan add "Gold club" --fee 20.00 --months 12 --multiplier 2 --discount 10
      loyalty plan add Summer --fee 5 --months 3 --discount 5
    """
    if fee is None or months is None:
        raise click.UsageError(_("give --fee and --months"))
    with env.store().transaction() as shop:
        added = plans.add(
            shop,
            name,
            fee=fee,
            months=months,
            multiplier=multiplier or "1",
            discount=discount or "0",
            at=env.clock.now,
        )
        currency = shop.programme().currency
    if as_json:
        emit_json(plans.plan_json(added))
        return
    click.echo(_("Added plan {plan}: {terms}").format(plan=added["name"], terms=_terms_text(added, currency)))


@plan.command("edit", cls=Command)
@click.argument("name")
@_terms
@json_option
@pass_env
def plan_edit(env: Env, name, fee, months, multiplier, discount, as_json):
    """Change a plan's fee, months, multiplier or discount.

    Memberships already bought keep the terms they were bought with; the change applies to
    subscriptions and renewals from now on.

    \b
    Example:
      loyalty plan edit "Gold club" --fee 25.00
      loyalty plan edit "Gold club" --discount 12 --json
    """
    with env.store().transaction() as shop:
        changed = plans.edit(
            shop, name, at=env.clock.now, fee=fee, months=months, multiplier=multiplier, discount=discount
        )
        currency = shop.programme().currency
    if as_json:
        emit_json(plans.plan_json(changed))
        return
    click.echo(
        _("Changed plan {plan}: {terms}").format(plan=changed["name"], terms=_terms_text(changed, currency))
    )


@plan.command("list", cls=Command)
@json_option
@pass_env
def plan_list(env: Env, as_json):
    """List the membership plans.

    \b
    Example:
      loyalty plan list
      loyalty plan list --json
    """
    shop = env.store().read()
    found = shop.plans.all()
    if as_json:
        emit_json({"plans": [plans.plan_json(p) for p in found]})
        return
    currency = shop.programme().currency
    rows = [
        {
            "name": p["name"],
            "fee": formats.money(Decimal(p["fee"]), currency),
            "months": formats.number(int(p["months"])),
            "multiplier": _decimal(p["multiplier"]),
            "discount": _decimal(p["discount"]),
        }
        for p in found
    ]
    emit_table(rows, [(key, _(header)) for key, header in PLAN_HEADERS], title=_("Membership plans"))


def _decimal(text: str) -> str:
    """A multiplier or a percent as people write it: 2, 1.5 (1,5 in lv and ru)."""
    return formats.percent(Decimal(text))


def _terms_text(plan: dict, currency: str) -> str:
    months = int(plan["months"])
    return ngettext(
        "fee {fee} for {count} month, multiplier {multiplier}, discount {discount} %",
        "fee {fee} for {count} months, multiplier {multiplier}, discount {discount} %",
        months,
    ).format(
        fee=formats.money(Decimal(plan["fee"]), currency),
        count=formats.number(months),
        multiplier=_decimal(plan["multiplier"]),
        discount=_decimal(plan["discount"]),
    )


def subscribe(env: Env, member_ref: str, plan_name: str, paid, when, as_json: bool) -> None:
    """`member subscribe`: buy or renew a membership, and say so."""
    with env.store().transaction() as shop:
        programme = shop.programme()
        at = clock.parse_at(when, env.clock, programme.tz)
        done = plans.subscribe(shop, member_ref, plan_name, at=at, operator=env.operator, paid=paid)
    membership = done.member[plans.FIELD]
    if as_json:
        emit_json(
            {
                "card": done.entry.card,
                "name": done.member.get("name"),
                "plan": done.entry.plan,
                "fee": done.entry.fee,
                "from": membership["from"],
                "until": done.entry.until,
                "renewed": done.renewed,
                "entry": done.entry.id,
            }
        )
        return
    if done.renewed:
        text = _("Renewed {plan} for {card} until {until} (fee {fee}).")
    else:
        text = _("{card} is a member of {plan} until {until} (fee {fee}).")
    click.echo(
        text.format(
            plan=done.entry.plan,
            card=done.entry.card,
            until=formats.day(date.fromisoformat(done.entry.until)),
            fee=formats.money(Decimal(done.entry.fee), programme.currency),
        )
    )
