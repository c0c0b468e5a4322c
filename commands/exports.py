"""`export members|ledger`: the shop's data as CSV (the default) or JSON."""

from __future__ import annotations

import click

from loyalty_cli import formats
from loyalty_cli.language import _

from .context import DAY, OUTPUT_FILE, Env, pass_env
from .render import deliver
from .translated import Command


@click.command(cls=Command)
@click.argument("what", type=click.Choice(["members", "ledger"]))
@click.option("--from", "start", type=DAY, help="members: enrolled from this day; ledger: entries from it.")
@click.option("--to", "end", type=DAY, help="members: enrolled up to this day; ledger: entries up to it.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV for spreadsheets (the default).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document (a list of records).")
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for a double-click into a spreadsheet: ';', UTF-8 with BOM, the region's decimal comma.",
)
@click.option(
    "--output",
    type=OUTPUT_FILE,
    help="Write to FILE instead of printing.",
)
@pass_env
def export(env: Env, what, start, end, as_csv, as_json, excel, output):
    """Export the members or the ledger, optionally for a period.

    CSV cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
    carriage return) get a leading apostrophe; money and points columns stay numbers.
    With --excel the file is written the way a spreadsheet in the shop's region expects
    it: semicolons, a byte-order mark, and 12,30 where the region writes a decimal comma.
    Every export imports back with `loyalty import`.

    \b
    Example:
      loyalty export members --output members.csv
      loyalty export members --excel --output members-for-excel.csv
      loyalty export ledger --from 2026-01-01 --to 2026-03-31 --json --output q1.json
    """
    import orjson

    from loyalty_cli.reporting import exports
    from loyalty_cli.reporting.spreadsheet import csv_text, excel_text

    if as_json and (as_csv or excel):
        raise click.UsageError(
            _("choose one of --{option} and --json").format(option="excel" if excel else "csv")
        )
    if start and end and start > end:
        raise click.BadParameter(
            _("--from {first} is after --to {last}").format(first=formats.day(start), last=formats.day(end))
        )
    shop = env.store().read()
    if what == "members":
        rows = exports.members(shop, start, end, env.clock.today(shop.programme().tz))
        columns, numeric = exports.MEMBER_COLUMNS, exports.MEMBER_NUMERIC
    else:
        rows = list(exports.ledger(shop, start, end))
        columns, numeric = exports.LEDGER_COLUMNS, exports.LEDGER_NUMERIC
    if as_json:
        text = orjson.dumps(rows, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()
    else:
        if what == "members":
            rows = [{**row, "consent": "yes" if row["consent"] else "no"} for row in rows]
        if excel:
            text = excel_text(rows, columns, numeric, shop.programme().region)
        else:
            text = csv_text(rows, columns, numeric)
    deliver(text, output)
