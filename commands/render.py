"""Output: rich tables on a terminal, plain text when piped, JSON and CSV for scripts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from loyalty_cli.spreadsheet import FORMULA_STARTS, csv_text, safe_cell

__all__ = [
    "FORMULA_STARTS",
    "deliver",
    "emit_csv",
    "emit_json",
    "emit_pairs",
    "emit_table",
    "note",
    "safe_cell",
]


def emit_json(document) -> None:
    """One JSON document on stdout (money as strings, points as integers)."""
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def emit_csv(rows: list[dict], columns: list[str], numeric: tuple[str, ...] = ()) -> None:
    """CSV on stdout; text cells escaped, numeric columns left as numbers."""
    click.echo(csv_text(rows, columns, numeric), nl=False)


def emit_table(rows: list[dict], columns: list[tuple[str, str]], title: str | None = None) -> None:
    """A table for people: rich on a terminal, tabulate's plain layout when piped."""
    headers = [header for _key, header in columns]
    cells = [["" if row.get(k) is None else str(row.get(k)) for k, _h in columns] for row in rows]
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title=title)
        for header in headers:
            table.add_column(header, overflow="fold")
        for line in cells:
            # Text() keeps data such as "[bold]" from being read as markup.
            table.add_row(*(Text(cell) for cell in line))
        Console(highlight=False).print(table)
    else:
        from tabulate import tabulate

        if title:
            click.echo(title)
        click.echo(tabulate(cells, headers=headers, tablefmt="simple", disable_numparse=True))


def emit_pairs(pairs: list[tuple[str, object]]) -> None:
    """Label: value lines for one record."""
    width = max(len(label) for label, _ in pairs)
    for label, value in pairs:
        click.echo(f"{label + ':':<{width + 1}} {'' if value is None else value}")


def deliver(text: str, output: Path | None) -> None:
    """A finished document: to stdout, or written to the file `output` (UTF-8, 0600).

    A failure to write leaves any previous `output` as it was (exit 3).
    """
    if output is None:
        click.echo(text, nl=False)
        return
    from loyalty_cli import files

    with files.reporting(output):  # a new private file renamed over `output`, never opened in place
        files.write_atomic(output, text.encode("utf-8"))


def note(text: str) -> None:
    """A message for the person at the terminal, on stderr."""
    click.echo(text, err=True)
