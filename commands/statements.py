"""`statement` and `statements`: a member's points over a period, as text, CSV, JSON or HTML."""

from __future__ import annotations

import shutil
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

import click

from loyalty_cli import cards, files, members
from loyalty_cli import statements as core
from loyalty_cli.money import to_text

from .context import DAY, OUTPUT_FILE, Env, json_option, pass_env
from .render import deliver, emit_json, json_text, note, on_terminal
from .translated import Command

FORMATS = ("text", "csv", "json", "html")
EXTENSIONS = {"text": "txt", "csv": "csv", "json": "json", "html": "html"}
CSV_COLUMNS = ["date", "time", "at", "kind", "description", "receipt", "amount", "points", "balance"]
CSV_NUMERIC = ("amount", "points", "balance")
WIDTH = 100
NBSP = "\u00a0"

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text to print, csv for a spreadsheet, json for scripts, html for a printable page.",
)


@click.command(cls=Command)
@click.argument("member_ref", metavar="MEMBER")
@click.option("--from", "start", type=DAY, help="First day of the period.  [default: 1st of this month]")
@click.option("--to", "end", type=DAY, help="Last day of the period.  [default: today]")
@format_option
@click.option(
    "--output",
    type=OUTPUT_FILE,
    help="Write the statement to FILE instead of printing it.",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@pass_env
def statement(env: Env, member_ref, start, end, fmt, output, as_json):
    """Print a member's statement: every entry of the period with a running balance.

    It shows the opening and closing balance, the tier and what is still needed for the
    next one, and the points expiring in the coming three months. Entries are in the order
    of their date and time (a back-dated entry takes its place), shown in shop time.

    \b
    Example:
      loyalty statement 29123456
      loyalty statement 123456789015 --from 2026-01-01 --to 2026-06-30 --format html --output anna.html
    """
    shop = env.store().read()
    found = members.find(shop, member_ref)
    today = env.clock.today(shop.programme().tz)
    first, last = core.default_period(today)
    result = core.for_member(shop, found, start or first, end or last)
    if output is None and fmt == "text" and not as_json and on_terminal():
        deliver(text(result, min(WIDTH, shutil.get_terminal_size().columns)), None)
        return
    deliver(render(result, "json" if as_json else fmt), output)
    if output is not None:
        note(f"Wrote the statement of card {result.card} to {output}")


@click.command(cls=Command)
@click.option("--month", required=True, metavar="YYYY-MM", help="The month the statements cover.")
@click.option(
    "--output-dir",
    required=True,
    type=click.Path(file_okay=False, writable=True, path_type=Path),
    help="Folder for the statements (created if missing); one file per member.",
)
@format_option
@json_option
@pass_env
def statements(env: Env, month, output_dir, fmt, as_json):
    """Write one statement per member with activity or points in a month.

    Files are named statement-YYYY-MM-CARD.EXT. Members with no entries and no points
    in the month are skipped.

    \b
    Example:
      loyalty statements --month 2026-10 --output-dir statements/2026-10 --format html
    """
    month = core.month_period(month)[0].strftime("%Y-%m")
    shop = env.store().read()
    try:
        files.ensure_dir(output_dir)  # a folder it creates is private (0700)
    except OSError as error:
        raise click.BadParameter(f"cannot create {output_dir}: {error.strerror}") from None
    written = []
    with _progress(len(shop.members), month) as advance:
        for item in core.for_month(shop, month, progress=advance):
            path = output_dir / f"statement-{month}-{item.card}.{EXTENSIONS[fmt]}"
            deliver(render(item, fmt), path)
            written.append(path.name)
    skipped = len(shop.members) - len(written)
    if as_json:
        emit_json({"month": month, "written": len(written), "skipped": skipped, "files": written})
    else:
        click.echo(
            f"Wrote {len(written)} statement{'' if len(written) == 1 else 's'} for {month} to {output_dir} "
            f"({skipped} members without entries or points skipped)"
        )


def render(statement: core.Statement, fmt: str) -> str:
    """The statement in one of FORMATS, as text ending with a newline."""
    if fmt == "json":
        return json_text(statement_json(statement)) + "\n"
    if fmt == "csv":
        from loyalty_cli.spreadsheet import csv_text

        return csv_text(csv_rows(statement), CSV_COLUMNS, CSV_NUMERIC)
    if fmt == "html":
        from .statement_html import page

        return page(statement)
    return text(statement)


def statement_json(statement: core.Statement) -> dict:
    """The SPEC keys of `statement --format json`, and more."""
    return {
        "shop": statement.shop_name,
        "currency": statement.currency,
        "card": statement.card,
        "name": statement.name,
        "phone": statement.phone,
        "from": statement.start.isoformat(),
        "to": statement.end.isoformat(),
        "opening_balance": statement.opening_balance,
        "closing_balance": statement.closing_balance,
        "entries": [
            {"id": line.id, **row} for line, row in zip(statement.lines, csv_rows(statement), strict=True)
        ],
        "tier": statement.tier,
        "next_tier": statement.next_tier,
        "spend_12m": to_text(statement.spend_12m),
        "spend_to_next_tier": money(statement.spend_to_next_tier),
        "expiring": statement.expiring,
    }


def csv_rows(statement: core.Statement) -> list[dict]:
    """The entry table, one row per entry."""
    return [
        {
            "date": line.day.isoformat(),
            "time": line.time,
            "at": line.at,
            "kind": line.kind,
            "description": line.description,
            "receipt": line.receipt,
            "amount": money(line.amount),
            "points": line.points,
            "balance": line.balance,
        }
        for line in statement.lines
    ]


def text(statement: core.Statement, width: int = WIDTH) -> str:
    """A plain layout that prints well and fits in `width` (100) columns.

    Narrower than 80 columns (a small terminal), the receipts are left out and the
    descriptions fold, so that each entry stays on one line where it can.
    """
    from tabulate import tabulate

    currency = statement.currency
    narrow = width < 80
    rows = [
        [
            line.local,
            line.description,
            *([] if narrow else [line.receipt or ""]),
            money(line.amount) or "",
            f"{line.points:+d}",
            str(line.balance),
        ]
        for line in statement.lines
    ]
    amount = f"Amount {currency}"
    described = max(width - 35 - len(amount), 8)
    while True:
        table = tabulate(
            rows,
            headers=["Date", "Description", *([] if narrow else ["Receipt"]), amount, "Points", "Balance"],
            tablefmt="simple",
            disable_numparse=True,
            maxcolwidths=[10, described, 9, 7, 7] if narrow else [16, 26, 12, 12, 11, 11],
            colalign=("left", "left", *([] if narrow else ["left"]), "right", "right", "right"),
        )
        # tabulate pads headers beyond the widths asked for: narrow the descriptions until it fits.
        over = max(map(len, table.splitlines()), default=0) - width
        if not narrow or over <= 0 or described <= 8:
            break
        described = max(described - over, 8)
    out = [
        f"{statement.shop_name}: loyalty statement",
        # No-break spaces keep the card and the phone whole when the line is wrapped.
        f"Member: {display_name(statement)}, card {cards.display(statement.card).replace(' ', NBSP)}"
        + (f", phone {statement.phone.replace(' ', NBSP)}" if statement.phone else ""),
        f"Period: {statement.start.isoformat()} to {statement.end.isoformat()}",
        "",
        f"Opening balance: {statement.opening_balance} points",
        "",
        table if statement.lines else "No entries in this period.",
        "",
        f"Closing balance: {statement.closing_balance} points",
        tier_progress(statement),
        "Points expiring: " + expiring_summary(statement),
    ]
    lines = []
    for item in out:
        if item and len(item) > width and "\n" not in item:
            lines.extend(textwrap.wrap(item, width, subsequent_indent="  ", break_long_words=False))
        else:
            lines.append(item)
    return "\n".join(lines).replace(NBSP, " ") + "\n"


def display_name(statement: core.Statement) -> str:
    """The member's name, or a note that it was erased."""
    return statement.name or "(name erased)"


def tier_progress(statement: core.Statement) -> str:
    """Tier, 12-month spend and what the next tier still needs, in one sentence."""
    currency = statement.currency
    spend = f"spend over 12 months {to_text(statement.spend_12m)} {currency}"
    tier = f"Tier: {statement.tier}" if statement.tier else "Tier: none"
    if statement.next_tier is None:
        return f"{tier} ({spend})" + ("; the top tier" if statement.tier else "")
    needed = statement.spend_to_next_tier
    if needed == 0:
        return f"{tier} ({spend}); {statement.next_tier} is reached at the next tier review"
    return f"{tier} ({spend}); {to_text(needed)} {currency} more to reach {statement.next_tier}"


def expiring_summary(statement: core.Statement) -> str:
    """ "end of 2026-11: 40, end of 2026-12: 0, ..." for the coming months."""
    return ", ".join(f"end of {month}: {points}" for month, points in statement.expiring.items())


def money(amount) -> str | None:
    """A Decimal as a money string, None as None."""
    return None if amount is None else to_text(amount)


@contextmanager
def _progress(total: int, month: str):
    """A progress bar on stderr when it is a terminal (and the job is large enough)."""
    if not sys.stderr.isatty() or total < 50:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"Statements {month}", total=total)
        yield lambda count=1: bar.advance(task, count)
