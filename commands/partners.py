"""`partner add|list|edit`: the partner shops of a coalition that share the programme's points."""

from __future__ import annotations

from decimal import Decimal

import click

from loyalty_cli import clock, formats
from loyalty_cli import partners as core
from loyalty_cli.language import N_, _

from .context import Env, json_option, output_options, pass_env
from .render import emit_csv, emit_json, emit_table, printable
from .translated import Group

LIST_COLUMNS = (
    ("name", N_("Partner shop")),
    ("redeem_value", N_("Point value")),
    ("added_at", N_("Added")),
)


@click.group(cls=Group)
def partner():
    """Partner shops: other shops where members earn and redeem the same points.

    A purchase or a redemption at a partner names it (`purchase --partner`, `redeem
    --partner`); `report partners` settles a period between the partners and the
    programme at each partner's point value.  See README "Partner shops".
    """


@partner.command("add")
@click.argument("name")
@click.option(
    "--redeem-value",
    metavar="VALUE",
    help="What one point is worth in the settlement with this partner.  [default: redeem.value now]",
)
@json_option
@pass_env
def add(env: Env, name, redeem_value, as_json):
    """Add a partner shop NAME; names are unique (in any letter case).

    The partner's points are settled at --redeem-value; without it, at the programme's
    redeem.value of today, kept with the partner (a later change of redeem.value does
    not change it; `partner edit` does).

    \b
    Example:
      loyalty partner add "Kafejnīca Pie Tilta"
      loyalty partner add "Ziedu Salons" --redeem-value 0.008
    """
    with env.store().transaction() as shop:
        doc = core.add(shop, name, redeem_value=redeem_value, at=env.clock.now, operator=env.operator)
        currency = shop.programme().currency
    _answer(doc, currency, as_json, _("Partner shop {name} added; its points are settled at {value} each"))


@partner.command("edit")
@click.argument("name")
@click.option("--redeem-value", metavar="VALUE", required=True, help="The new value of one point.")
@json_option
@pass_env
def edit(env: Env, name, redeem_value, as_json):
    """Change the value at which partner NAME's points are settled.

    Every settlement run afterwards uses the new value, for any period: settle the
    periods before the change first.

    \b
    Example:
      loyalty partner edit "Kafejnīca Pie Tilta" --redeem-value 0.012
    """
    with env.store().transaction() as shop:
        doc = core.edit(shop, name, redeem_value=redeem_value)
        currency = shop.programme().currency
    _answer(doc, currency, as_json, _("Partner shop {name}: its points are now settled at {value} each"))


def _answer(doc: dict, currency: str, as_json: bool, sentence: str) -> None:
    """The partner as JSON, or `sentence` naming it and the value of its points."""
    if as_json:
        emit_json(doc)
    else:
        click.echo(printable(sentence.format(name=doc["name"], value=_value(doc, currency))))


@partner.command("list")
@output_options
@pass_env
def list_(env: Env, as_json, as_csv):
    """The partner shops and the value their points are settled at.

    \b
    Example:
      loyalty partner list
      loyalty partner list --json
    """
    shop = env.store().read()
    programme = shop.programme()
    docs = sorted(shop.partners.all(), key=lambda d: d["name"].casefold())
    # In a cashback programme every partner settles at face value, whatever was stored.
    docs = [{**doc, "redeem_value": str(core.value(programme, doc))} for doc in docs]
    rows = [{key: doc.get(key) for key, _header in LIST_COLUMNS} for doc in docs]
    if as_json:
        emit_json(rows)
        return
    if as_csv:
        emit_csv(rows, [key for key, _header in LIST_COLUMNS], numeric=("redeem_value",))
        return
    if not rows:
        click.echo(_("No partner shops yet; add one with `loyalty partner add NAME`."))
        return
    shown = [
        {
            "name": doc["name"],
            "redeem_value": _value(doc, programme.currency),
            "added_at": formats.day(clock.from_iso(doc["added_at"]).astimezone(programme.tz).date())
            if doc.get("added_at")
            else "",
        }
        for doc in docs
    ]
    emit_table(shown, [(key, _(header)) for key, header in LIST_COLUMNS])


def _value(doc: dict, currency: str) -> str:
    """A point's value as money: "€0.01", or with all its decimals "0.008 EUR"."""
    return point_value(Decimal(doc["redeem_value"]), currency)


def point_value(value: Decimal, currency: str) -> str:
    """A point's value in the active language: two decimals as money, more with the currency's code."""
    places = -value.normalize().as_tuple().exponent
    if places <= 2:
        return formats.money(value, currency)
    return formats.decimal(value, places) + formats.NBSP + currency
