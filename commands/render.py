"""Output: rich tables on a terminal, plain text when piped, JSON and CSV for scripts.

Everything printed here may hold text stored earlier (names, reasons, prizes ...), so it
goes out without control characters (`text_fields.printable`): a name cannot clear the
screen or fake a line of output. Whether a stream is a terminal follows rich's convention:
`TTY_COMPATIBLE=1` (or `0`) says so for a stream that cannot tell, such as a CI log.
"""

from __future__ import annotations

import json
import os
import re
import sys
from decimal import Decimal
from pathlib import Path

import click

from loyalty_cli.language import _
from loyalty_cli.reporting.spreadsheet import FORMULA_STARTS, csv_text, safe_cell
from loyalty_cli.text_fields import printable, printable_lines

__all__ = [
    "FORMULA_STARTS",
    "deliver",
    "emit_csv",
    "emit_json",
    "emit_pairs",
    "emit_table",
    "json_text",
    "note",
    "on_terminal",
    "printable",
    "safe_cell",
    "show_error",
    "uses_colour",
]

# Identifiers read digit by digit: a table never breaks them over two lines.
UNBROKEN = ("card", "phone", "old_card", "new_card", "receipt")
# What a narrow terminal leaves out first, unless a command names its own.
LESS_IMPORTANT = ("email", "held_at", "consent", "tier", "entrants")
# A column no wider than this is never folded: a status or a number stays on one line.
SHORT = 14
# A folded column keeps at least this many characters a line.
FOLDED = 8
# Narrower than this, a table is drawn without its outer border.
NARROW = 80
# Both patterns are compiled on first use (re's own cache), not on import: compiling them
# cost every command a millisecond or two, and most print neither a table nor JSON.
# 1438, -5, 12.30, 1 234,50, 22%: a number as the tool prints it (not a list of cards).
# A number as formats.py writes it: 1 234, 1,234, 12,5 %, €12.30, 12,30 €, PLN5.00, 5,00 PLN.
_NUMBER = (
    "[-+]?(?:[€$£]|[A-Z]{3})?(?:[0-9]{1,3}(?:[ \u00a0,][0-9]{3})+|[0-9]+)(?:[.,][0-9]+)?"
    "(?:[ \u00a0]?%|\u00a0(?:[€$£]|[A-Z]{3}))?"
)
# JSON keeps these inside strings as they are; escaped, they are the same data.
_JSON_UNSAFE = "[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def on_terminal(stream=None) -> bool:
    """True when `stream` (default stdout) is shown on a terminal."""
    forced = os.environ.get("TTY_COMPATIBLE", "")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        return (stream or sys.stdout).isatty()
    except (AttributeError, ValueError):
        return False


def uses_colour() -> bool:
    """Errors are red on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    return on_terminal(sys.stderr) and not os.environ.get("NO_COLOR")


def show_error(text: str, *, file=None, nl: bool = True) -> None:
    """An error message on stderr; its "Error:" lines red when `uses_colour()`."""
    text = printable_lines(text)
    if not uses_colour():
        click.echo(text, file=file, err=True, nl=nl)
        return
    starts = ("Error", _("Error: {message}").partition("{")[0].strip() or "Error")
    lines = [click.style(line, fg="red") if line.startswith(starts) else line for line in text.split("\n")]
    click.echo("\n".join(lines), file=file, err=True, nl=nl, color=True)


def emit_json(document) -> None:
    """One JSON document on stdout (money as strings, points as integers)."""
    click.echo(json_text(document))


def json_text(document) -> str:
    """The JSON text of `document`: UTF-8 letters as they are, controls escaped (\\u009b)."""
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return re.sub(_JSON_UNSAFE, lambda found: f"\\u{ord(found.group()):04x}", text)


def emit_csv(rows: list[dict], columns: list[str], numeric: tuple[str, ...] = ()) -> None:
    """CSV on stdout; text cells escaped, numeric columns left as numbers."""
    click.echo(printable_lines(csv_text(rows, columns, numeric)), nl=False)


def emit_table(
    rows: list[dict],
    columns: list[tuple[str, str]],
    title: str | None = None,
    *,
    optional: tuple[str, ...] = LESS_IMPORTANT,
) -> None:
    """A table for people: rich on a terminal, tabulate's plain layout when piped.

    On a terminal numbers are right-aligned, cards and phones never break, and a terminal
    too narrow for every column drops the `optional` ones (in the order given; never the
    first), then folds the text of the others. An empty table says so on stderr.
    """
    if not rows:
        note(_("Nothing to list.") if title is None else _("{title}: nothing to list.").format(title=title))
        return
    cells = [["" if row.get(k) is None else printable(row.get(k)) for k, _h in columns] for row in rows]
    if on_terminal():
        _rich_table(rows, columns, cells, title, optional)
        return
    from tabulate import tabulate

    if title:
        click.echo(printable(title))
    headers = [header for _key, header in columns]
    click.echo(tabulate(cells, headers=headers, tablefmt="simple", disable_numparse=True))


def emit_pairs(pairs: list[tuple[str, object]]) -> None:
    """Label: value lines for one record; on a narrow terminal a long value folds under itself.

    A value that is a list shows one item a line, under one another in the value column.
    """
    width = max(len(label) for label, _ in pairs)
    room = _terminal_width() - width - 2 if on_terminal() else 0
    indent = "\n" + " " * (width + 2)
    for label, value in pairs:
        items = value if isinstance(value, list) else [value]
        lines = []
        for item in items:
            text = "" if item is None else printable(item)
            if room >= 20 and len(text) > room:
                import textwrap

                lines.extend(textwrap.wrap(text, room, break_on_hyphens=False))
            else:
                lines.append(text)
        click.echo(f"{label + ':':<{width + 1}} {indent.join(lines)}")


def deliver(text: str, output: Path | None) -> None:
    """A finished document: to stdout, or written to the file `output` (UTF-8, 0600).

    A failure to write leaves any previous `output` as it was (exit 3).
    """
    if output is None:
        click.echo(printable_lines(text), nl=False)
        return
    from loyalty_cli import files

    with files.reporting(output):  # a new private file renamed over `output`, never opened in place
        files.write_atomic(output, text.encode("utf-8"))


def note(text: str) -> None:
    """A message for the person at the terminal, on stderr."""
    click.echo(printable_lines(text), err=True)


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size().columns


def _rich_table(rows, columns, cells, title, optional) -> None:
    from rich import box
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False, force_terminal=True)  # called only for a terminal
    numeric = [_is_numeric(key, [row.get(key) for row in rows]) for key, _h in columns]
    shown = list(range(len(columns)))
    # The first column names the row (a card, a tier, a draw): it always stays.
    dropped = [i for key in optional for i, (k, _h) in enumerate(columns) if k == key and i > 0]
    while True:
        narrow = console.width < NARROW
        table = Table(
            title=None if title is None else printable(title),
            box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD,
            show_edge=not narrow,
            pad_edge=not narrow,
            collapse_padding=narrow,
        )
        for i in shown:
            key, header = columns[i]
            widest = max(len(header), *(len(line[i]) for line in cells))
            unbroken = key in UNBROKEN or widest <= SHORT
            table.add_column(
                header,
                justify="right" if numeric[i] else "left",
                no_wrap=unbroken,
                overflow="ellipsis" if unbroken else "fold",
                min_width=widest if unbroken else min(widest, FOLDED),
            )
        for line in cells:
            # Text() keeps data such as "[bold]" from being read as markup.
            table.add_row(*(Text(line[i]) for i in shown))
        unlimited = console.options.update_width(10**6)
        if not dropped or Measurement.get(console, unlimited, table).maximum <= console.width:
            break
        shown.remove(dropped.pop(0))
    console.print(table)


def _is_numeric(key: str, values: list) -> bool:
    """A column of numbers (points, money, counts, shares) is right-aligned."""
    present = [v for v in values if v is not None and v != ""]
    return key not in UNBROKEN and bool(present) and all(_is_number(v) for v in present)


def _is_number(value) -> bool:
    if isinstance(value, str):
        return re.fullmatch(_NUMBER, value) is not None
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
