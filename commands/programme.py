"""`init` and `program show|set`: create the programme and change its rules."""

from __future__ import annotations

import click

from loyalty_cli import formats
from loyalty_cli import program as rules
from loyalty_cli.errors import Refused
from loyalty_cli.language import N_, _, ngettext

from .completion import complete_setting, complete_setting_value
from .context import Env, json_option, pass_env
from .render import emit_json, emit_pairs, note
from .translated import Command, Group, help_text


@click.command(cls=Command)
@click.option("--name", help="The shop's name, printed on statements.")
@click.option("--currency", help="ISO 4217 currency code.  [default: EUR]")
@click.option("--timezone", help="Timezone for days, months and birthdays.  [default: Europe/Riga]")
@click.option("--region", help="Default phone region.  [default: LV]")
@click.option("--earn-rate", help="Points per currency unit.  [default: 1]")
@click.option("--expiry-months", help="Months until points expire, 0 = never.  [default: 12]")
@click.option("--sample", is_flag=True, help="Load the demo shop: 50 members, 18 months of purchases.")
@json_option
@pass_env
def init(env: Env, name, currency, timezone, region, earn_rate, expiry_months, sample, as_json):
    """Create the loyalty programme in the data directory.

    Refuses (exit 1) when a programme already exists there; nothing is changed.

    \b
    Example:
      loyalty init --name "Maiznīca Rīts" --currency EUR --timezone Europe/Riga --region LV
      loyalty --data-dir demo-shop init --sample
    """
    from loyalty_cli import clock, files
    from loyalty_cli import sample as sample_shop

    store = env.store()
    given = {
        "name": name,
        "currency": currency,
        "timezone": timezone,
        "region": region,
        "earn.rate": earn_rate,
        "expiry.months": expiry_months,
    }
    place = getattr(store, "root", None) or store.place  # a data folder, or a database's host/db
    if env.database is None:
        files.claim_dir(store.root)  # an existing folder others could read or write is tightened
    with store.transaction(create=True) as shop:
        if shop.has_programme():
            raise Refused(
                _("a programme already exists in {folder}; nothing was changed").format(folder=place)
            )
        settings = sample_shop.sample_settings() if sample else dict(rules.DEFAULTS)
        for key, value in given.items():
            if value is None:
                continue
            settings[key] = rules.parse_setting(key, value)
        settings["created_at"] = clock.iso(env.clock.now)
        shop.save_settings(settings)
        results = sample_shop.load_sample(shop, now=env.clock, operator=env.operator) if sample else []
    document = {
        "data_dir": str(place),
        "name": settings["name"],
        "imported": {r.what: r.imported for r in results},
    }
    if as_json:
        emit_json(document)
        return
    click.echo(
        _("Created the loyalty programme {name} in {folder}").format(
            name=repr(settings["name"]), folder=place
        )
    )
    for result in results:
        note(_sample_imported(result.what, result.imported))


def _sample_imported(what: str, count: int) -> str:
    """ "Sample members: 50 imported" in the active language."""
    shown = formats.number(count)
    if what == "members":
        return ngettext("Sample members: {count} imported", "Sample members: {count} imported", count).format(
            count=shown
        )
    return ngettext("Sample purchases: {count} imported", "Sample purchases: {count} imported", count).format(
        count=shown
    )


@click.group(cls=Group)
def program():
    """Show or change the programme's rules (rates, expiry, tiers, bonuses)."""


@program.command("show")
@json_option
@pass_env
def program_show(env: Env, as_json):
    """Show every setting of the programme.

    \b
    Example:
      loyalty program show --json
    """
    settings = env.store().read().programme().settings
    shown = {k: settings.get(k, rules.DEFAULTS[k]) for k in rules.DEFAULTS}
    if as_json:
        emit_json(shown)
    else:
        emit_pairs(list(shown.items()))


_SET_EXAMPLE = N_(
    """\b
Example:
  loyalty program set earn.rate 2
  loyalty program set tiers "Bronze:0:1,Silver:500:1.25,Gold:1500:1.5"
  loyalty program set tiers "Bronze:0:1:0,Silver:500:1.25:3,Gold:1500:1.5:5"
  loyalty program set discount.threshold 50 && loyalty program set discount.percent 5
  loyalty program set language lv"""
)


class _SettingCommand(Command):
    """`program set`: its help lists every setting, each described in the active language."""

    def _keys_help(self) -> str | None:
        width = max(map(len, rules.KEY_HELP))
        keys = "".join(f"\n  {key:<{width}}  {_(text)}" for key, text in rules.KEY_HELP.items())
        return f"{Command.help.fget(self)}{keys}\n\n{help_text(_SET_EXAMPLE)}"

    help = property(_keys_help, Command.help.fset)


@program.command("set", cls=_SettingCommand)
@click.argument("key", metavar="KEY", shell_complete=complete_setting)
@click.argument("value", shell_complete=complete_setting_value)
@json_option
@pass_env
def program_set(env: Env, key, value, as_json):
    """Change one setting. A changed rate applies to new entries only.

    \b
    Keys:"""
    with env.store().transaction() as shop:
        settings = dict(shop.programme().settings)
        settings[key] = rules.parse_setting(key, value)
        rules.check_change(settings, shop.programme().settings, has_entries=shop.meta["next_id"] > 1)
        shop.save_settings(settings)
    if as_json:
        emit_json({"key": key, "value": settings[key]})
    else:
        click.echo(f"{key} = {settings[key]}")
