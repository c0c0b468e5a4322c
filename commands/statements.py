"""`statement` and `statements`: a member's points over a period, as text, CSV, JSON or HTML.

A statement is for the member, so text and HTML are written in the member's language
(`statement --lang` overrides it); CSV and JSON are the same in every language. What the
command says to the operator (the file written, the progress bar) stays in the operator's.
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click

from loyalty_cli import cards, checkout, files, formats, language, members
from loyalty_cli.language import _, ngettext
from loyalty_cli.money import to_text
from loyalty_cli.reporting import statements as core

from .context import DAY, OUTPUT_FILE, Env, json_option, member_argument, pass_env
from .render import deliver, emit_json, json_text, note, on_terminal
from .translated import Command, LanguageChoice

FORMATS = ("text", "csv", "json", "html")
EXTENSIONS = {"text": "txt", "csv": "csv", "json": "json", "html": "html"}
# A purchase's bill: the receipt before the discount, the discount, the points paid with
# and their value, and the money paid (the purchase's amount); empty on other entries.
BILL_COLUMNS = ["total", "discount_percent", "discount", "paid_points", "paid_value", "to_pay"]
CSV_COLUMNS = [
    "date",
    "time",
    "at",
    "kind",
    "description",
    "receipt",
    "amount",
    "points",
    "balance",
    *BILL_COLUMNS,
]
CSV_NUMERIC = ("amount", "points", "balance", *BILL_COLUMNS)
WIDTH = 100
# Joins the digit groups of a card or a phone so that wrapping never splits them; a plain
# space once the lines are wrapped (the no-break spaces of money and counts stay).
JOIN = "\x00"

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text to print, csv for a spreadsheet, json for scripts, html for a printable page.",
)


@click.command(cls=Command)
@member_argument()
@click.option("--from", "start", type=DAY, help="First day of the period.  [default: 1st of this month]")
@click.option("--to", "end", type=DAY, help="Last day of the period.  [default: today]")
@format_option
@click.option(
    "--output",
    type=OUTPUT_FILE,
    help="Write the statement to FILE instead of printing it.",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option(
    "--lang",
    "lang",
    type=LanguageChoice(),
    help="Write the statement in this language instead of the member's.",
)
@pass_env
def statement(env: Env, member_ref, start, end, fmt, output, as_json, lang):
    """Print a member's statement: every entry of the period with a running balance.

    It shows the opening and closing balance, the tier and what is still needed for the
    next one, and the points expiring in the coming three months. Entries are in the order
    of their date and time (a back-dated entry takes its place), shown in shop time.
    Text and HTML are in the member's language unless --lang names another.

    \b
    Example:
      loyalty statement 29123456
      loyalty statement 29123456 --lang ru
      loyalty statement 123456789015 --from 2026-01-01 --to 2026-06-30 --format html --output anna.html
    """
    shop = env.store().read()
    found = members.find(shop, member_ref)
    today = env.clock.today(shop.programme().tz)
    first, last = core.default_period(today)
    result = core.for_member(shop, found, start or first, end or last)
    speaks = lang or result.language
    if output is None and fmt == "text" and not as_json and on_terminal():
        with language.speaking(speaks):
            shown = text(result, min(WIDTH, shutil.get_terminal_size().columns))
        deliver(shown, None)
        return
    deliver(render(result, "json" if as_json else fmt, speaks), output)
    if output is not None:
        note(_("Wrote the statement of card {card} to {path}").format(card=result.card, path=output))


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
        raise click.BadParameter(
            _("cannot create {folder}: {reason}").format(folder=output_dir, reason=files.reason(error))
        ) from None
    written = []
    # Each file appears complete or not at all; they are made durable a batch at a time.
    batch = files.Batch(output_dir)
    try:
        with _progress(len(shop.members), month) as advance:
            for item in core.for_month(shop, month, progress=advance):
                path = output_dir / f"statement-{month}-{item.card}.{EXTENSIONS[fmt]}"
                with files.reporting(path):
                    batch.add(path, render(item, fmt, item.language).encode("utf-8"))
                written.append(path.name)
        with files.reporting(batch.pending[0] if batch.pending else output_dir):
            batch.finish()
    finally:
        batch.discard()
    skipped = len(shop.members) - len(written)
    if as_json:
        emit_json({"month": month, "written": len(written), "skipped": skipped, "files": written})
    else:
        wrote = ngettext(
            "Wrote {count} statement for {month} to {folder}",
            "Wrote {count} statements for {month} to {folder}",
            len(written),
        ).format(count=formats.number(len(written)), month=month, folder=output_dir)
        left_out = ngettext(
            "({count} member without entries or points skipped)",
            "({count} members without entries or points skipped)",
            skipped,
        ).format(count=formats.number(skipped))
        click.echo(f"{wrote} {left_out}")


def render(statement: core.Statement, fmt: str, speaks: str | None = None) -> str:
    """The statement in one of FORMATS, as text ending with a newline.

    Text and HTML are written in the language `speaks` (None: the active one); CSV and
    JSON are the same in every language.
    """
    if fmt == "json":
        return json_text(statement_json(statement)) + "\n"
    if fmt == "csv":
        from loyalty_cli.reporting.spreadsheet import csv_text

        return csv_text(csv_rows(statement), CSV_COLUMNS, CSV_NUMERIC)
    with language.speaking(speaks):
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
        "cashback": statement.cashback,
        "opening_balance": statement.json_value(statement.opening_balance),
        "closing_balance": statement.json_value(statement.closing_balance),
        "entries": [
            {"id": line.id, **row} for line, row in zip(statement.lines, csv_rows(statement), strict=True)
        ],
        "pending": {day: statement.json_value(units) for day, units in statement.pending.items()},
        "tier": statement.tier,
        "next_tier": statement.next_tier,
        "spend_12m": to_text(statement.spend_12m),
        "spend_to_next_tier": money(statement.spend_to_next_tier),
        "expiring": {month: statement.json_value(units) for month, units in statement.expiring.items()},
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
            "points": statement.json_value(line.points),
            "balance": statement.json_value(line.balance),
            **bill_row(line.bill),
        }
        for line in statement.lines
    ]


def bill_row(bill: core.Bill | None) -> dict:
    """The BILL_COLUMNS of an entry: a purchase's bill, None for other entries."""
    if bill is None:
        return dict.fromkeys(BILL_COLUMNS)
    return {
        "total": money(bill.total),
        "discount_percent": str(bill.discount_percent),
        "discount": money(bill.discount),
        "paid_points": bill.paid_points,
        "paid_value": money(bill.paid_value),
        "to_pay": money(bill.to_pay),
    }


def text(statement: core.Statement, width: int = WIDTH) -> str:
    """A plain layout in the active language that prints well and fits in `width` (100) columns.

    Narrower than 80 columns (a small terminal), the receipts are left out and the
    descriptions fold, so that each entry stays on one line where it can.
    """
    from tabulate import tabulate

    narrow = width < 80
    rows = []
    bills = []  # (row, label) of the lines of the purchases' bills
    for line in statement.lines:
        rows.append(
            [
                line.local,
                line.described(statement.figure),
                *([] if narrow else [line.receipt or ""]),
                shown_money(statement, line.amount),
                change(statement, line),
                units(statement, line.balance),
            ]
        )
        # A purchase's bill beneath it: indented descriptions, their money in the Amount column.
        for label, figure in bill_lines(statement, line.bill):
            bills.append((len(rows), label))
            rows.append(["", BILL_INDENT + label, *([] if narrow else [""]), figure, "", ""])
    amount = _("Amount")
    # The descriptions take what the other columns leave (at least 8 columns, 24 when wide).
    floor = 8 if narrow else 24
    described = max(width - 35 - len(amount), floor) if narrow else max(width - 69, floor)
    receipt = [] if narrow else [_("Receipt")]
    headers = [_("Date"), _("Description"), *receipt, amount, points_header(statement), _("Balance")]
    while True:
        # Figures are never folded (and tabulate misreads a folded "1,280" as an int).
        widths = [11, described, None, None, None] if narrow else [17, described, 12, None, None, None]
        for row, label in bills:  # folded here, so that each folded line keeps the indentation
            row = rows[row]
            row[1] = "\n".join(
                BILL_INDENT + part
                for part in textwrap.wrap(label, max(widths[1] - len(BILL_INDENT), 6), break_long_words=False)
            )
        table = _tabulate(
            tabulate,
            rows,
            headers=headers,
            tablefmt="simple",
            disable_numparse=True,
            # Folding costs more than the rest of the table: asked for only when a cell needs it.
            maxcolwidths=None if fits(rows, widths) else widths,
            colalign=("left", "left", *([] if narrow else ["left"]), "right", "right", "right"),
        )
        # tabulate pads headers beyond the widths asked for: narrow the descriptions until it fits.
        over = max(map(len, table.splitlines()), default=0) - width
        if over <= 0 or described <= floor:
            break
        described = max(described - over, floor)
    out = [
        _("{shop}: loyalty statement").format(shop=statement.shop_name),
        member_line(statement),
        _("Period: {start} to {end}").format(
            start=formats.day(statement.start), end=formats.day(statement.end)
        ),
        "",
        balance_line(statement.opening_balance, opening=True, statement=statement),
        "",
        table if statement.lines else _("No entries in this period."),
        "",
        balance_line(statement.closing_balance, opening=False, statement=statement),
        *([pending_line(statement, JOIN)] if statement.pending else []),
        _("Tier: {progress}").format(progress=tier_progress(statement)),
        # Each month with its points is kept on one line.
        expiring_heading(statement).format(
            months=", ".join(item.replace(" ", JOIN) for item in expiring_items(statement))
        ),
    ]
    lines = []
    for item in out:
        if item and len(item) > width and "\n" not in item:
            lines.extend(textwrap.wrap(item, width, subsequent_indent="  ", break_long_words=False))
        else:
            lines.append(item)
    return "\n".join(lines).replace(JOIN, " ") + "\n"


# Indents a line of a purchase's bill under the purchase (kept by the table: see _tabulate).
BILL_INDENT = "  "


def _tabulate(tabulate, rows, **options) -> str:
    """tabulate's table, with the indentation of the bills' lines kept (an option since
    tabulate 0.10, a module setting before)."""
    try:
        return tabulate(rows, preserve_whitespace=True, **options)
    except TypeError:
        import tabulate as module

        kept = module.PRESERVE_WHITESPACE
        module.PRESERVE_WHITESPACE = True
        try:
            return tabulate(rows, **options)
        finally:
            module.PRESERVE_WHITESPACE = kept


def bill_lines(statement: core.Statement, bill: core.Bill | None) -> list[tuple[str, str]]:
    """The lines of a purchase's bill as (label, money) for people; none for a plain one.

    "Receipt total €60.00", "Discount 5 % -€3.00", "Paid with 300 points -€3.00": the
    purchase's own amount is what was paid in money (to_pay)."""
    if bill is None or bill.plain:
        return []
    paid = None
    if bill.paid_points:
        if statement.cashback:
            paid = _("Paid with cashback")
        else:
            paid = _("Paid with {paid}").format(paid=statement.amount(bill.paid_points))
    return checkout.lines(
        bill.total,
        bill.discount_percent,
        bill.discount,
        bill.paid_value,
        paid=paid,
        currency=statement.currency,
    )


def points_header(statement: core.Statement) -> str:
    """The heading of the points column: "Points", or "Cashback"."""
    return _("Cashback") if statement.cashback else _("Points")


def expiring_heading(statement: core.Statement) -> str:
    """The sentence listing what expires by month, with a {months} placeholder."""
    if statement.cashback:
        return _("Cashback expiring at the end of the month: {months}")
    return _("Points expiring at the end of the month: {months}")


def pending_line(statement: core.Statement, space: str = " ") -> str:
    """ "Of which pending: 48 points, spendable from 2026-12-15"; `space` joins the words of
    each day's part (JOIN keeps it on one line of a wrapped text)."""
    items = [
        _("{amount}, spendable from {day}")
        .format(amount=statement.amount(units), day=formats.day(date.fromisoformat(day)))
        .replace(" ", space)
        for day, units in statement.pending.items()
    ]
    return _("Of which pending: {items}").format(items="; ".join(items))


def fits(rows: list[list[str]], widths: list[int | None]) -> bool:
    """Whether every cell is already as tabulate would fold it to `widths` (so it need not be asked).

    True only for cells that folding provably leaves as they are: empty, or at most their
    column's width of characters one column wide each (Latin, Cyrillic, common punctuation;
    no control or zero-width character, nothing tabulate or wcwidth would measure
    otherwise), no whitespace at either end, and not "True" or "False" (which tabulate's
    folding turns into "True").
    """
    for row in rows:
        for cell, width in zip(row, widths, strict=False):
            if width is None or not cell:
                continue
            if cell.startswith(BILL_INDENT) and cell[len(BILL_INDENT) :] == cell.strip():
                cell = cell[len(BILL_INDENT) :]
                width -= len(BILL_INDENT)
            if len(cell) > width or cell != cell.strip() or cell in _BOOLEANS or not _NARROW.match(cell):
                return False
    return True


_BOOLEANS = ("True", "False")
# Characters one column wide for tabulate and wcwidth alike (the ranges leave out controls,
# the soft hyphen, combining marks, zero-width and line-separating characters).
_NARROW = re.compile(r"[\x20-\x7e\xa0-\xac\xae-\u02ff\u0400-\u0482\u048a-\u04ff\u2010-\u2027\u20ac]*\Z")


def member_line(statement: core.Statement) -> str:
    """Who the statement is for: name, card and (masked) phone, the digit groups kept together."""
    name = display_name(statement)
    card = cards.display(statement.card).replace(" ", JOIN)
    if statement.phone:
        phone = statement.phone.replace(" ", JOIN)
        return _("Member: {name}, card {card}, phone {phone}").format(name=name, card=card, phone=phone)
    return _("Member: {name}, card {card}").format(name=name, card=card)


def balance_line(balance: int, *, opening: bool, statement: core.Statement | None = None) -> str:
    """ "Opening balance: 12 points" or "Closing balance: 40 points", in the active language
    ("Closing balance: €4.20" of cashback)."""
    if statement is not None and statement.cashback:
        text = _("Opening balance: {amount}") if opening else _("Closing balance: {amount}")
        return text.format(amount=statement.figure(balance))
    if opening:
        text = ngettext("Opening balance: {count} point", "Opening balance: {count} points", balance)
    else:
        text = ngettext("Closing balance: {count} point", "Closing balance: {count} points", balance)
    return text.format(count=count(balance))


def display_name(statement: core.Statement) -> str:
    """The member's name, or a note that it was erased."""
    return statement.name or _("(name erased)")


def tier_progress(statement: core.Statement) -> str:
    """Tier, 12-month spend and what the next tier still needs, in one sentence."""
    values = {
        "tier": statement.tier or _("no tier"),
        "spend": formats.money(statement.spend_12m, statement.currency),
        "next_tier": statement.next_tier,
    }
    if statement.next_tier is None:
        if statement.tier:
            return _("{tier} (spend over 12 months {spend}); the top tier").format(**values)
        return _("{tier} (spend over 12 months {spend})").format(**values)
    needed = statement.spend_to_next_tier
    if needed == 0:
        reached = _("{tier} (spend over 12 months {spend}); {next_tier} is reached at the next tier review")
        return reached.format(**values)
    return _("{tier} (spend over 12 months {spend}); {needed} more to reach {next_tier}").format(
        needed=formats.money(needed, statement.currency), **values
    )


def expiring_items(statement: core.Statement) -> list[str]:
    """ "November 2026: 40 points", "December 2026: 0 points", ... for the coming months."""
    if statement.cashback:
        return [
            _("{month}: {amount}").format(month=month_heading(month), amount=statement.figure(cents))
            for month, cents in statement.expiring.items()
        ]
    return [expiring_in(month, points) for month, points in statement.expiring.items()]


def expiring_in(month: str, points: int) -> str:
    """ "November 2026: 40 points": the points expiring at the end of `month` (YYYY-MM)."""
    return ngettext("{month}: {count} point", "{month}: {count} points", points).format(
        month=month_heading(month), count=count(points)
    )


def month_heading(month: str) -> str:
    """A month given as YYYY-MM as people read it: "November 2026", "novembris 2026"."""
    year, number = month.split("-")
    return formats.month(int(year), int(number))


def count(points: int) -> str:
    """A count as the active language writes it: 1,250 / 1 250 (one under 1,000 needs no grouping)."""
    return str(points) if -1000 < points < 1000 else formats.number(points)


def units(statement: core.Statement, points: int) -> str:
    """A balance of the statement's points ("1,250"), or of its cashback as money ("€12.50")."""
    return statement.figure(points) if statement.cashback else count(points)


def change(statement: core.Statement, line: core.Line) -> str:
    """An entry's change of points for people; none for a confirmation (it moves pending
    points, already in the balance, to spendable: its description says how many)."""
    return "" if line.kind == "confirm" else signed_units(statement, line.points)


def signed_units(statement: core.Statement, points: int) -> str:
    """A change of points with its sign ("+1,250"), or of cashback ("+€1.20", "-€0.50")."""
    return ("-" if points < 0 else "+") + units(statement, abs(points))


def signed(points: int) -> str:
    """Points with their sign, grouped as the language groups them: +1,250 / -5 / +1 250."""
    return ("-" if points < 0 else "+") + count(abs(points))


def shown_money(statement: core.Statement, amount) -> str:
    """An amount of the statement's currency for people ("€12.30", "12,30 €"); "" for none."""
    return "" if amount is None else formats.money(amount, statement.currency)


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
        task = bar.add_task(_("Statements for {month}").format(month=month), total=total)
        yield lambda count=1: bar.advance(task, count)
