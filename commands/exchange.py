"""`import members|purchases`: bring a shop's existing records in from CSV."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from loyalty_cli import files, importing

from .context import OUTPUT_FILE, Env, json_option, pass_env
from .render import emit_json, note


@click.group("import")
def import_group():
    """Import members or purchases from a CSV file (one transaction per file)."""


def _import_command(what: str, required: tuple[str, ...], run, columns: str, example: str):
    @import_group.command(what)
    @click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
    @click.option(
        "--rejects",
        type=OUTPUT_FILE,
        help="Write the rows that were not imported, with the reason, to this CSV file.",
    )
    @json_option
    @pass_env
    def command(env: Env, path, dry_run, rejects, as_json):
        header, rows = importing.read_rows(path, required)
        with (
            env.store().transaction(dry_run=dry_run) as shop,
            _progress(len(rows), what) as advance,
        ):
            result = run(shop, rows, now=env.clock, operator=env.operator, progress=advance)
        if rejects is not None:
            done = "" if dry_run else f" (the import itself is done: {result.imported} imported)"
            with files.reporting(rejects, done):
                importing.write_rejects(rejects, header, result.rejected)
        if as_json:
            emit_json({**result.to_json(), "dry_run": dry_run})
            return
        verb = "would import" if dry_run else "imported"
        click.echo(
            f"{result.rows} rows: {verb} {result.imported}, skipped {result.skipped} already recorded, "
            f"rejected {len(result.rejected)}"
        )
        for item in result.rejected[:10]:
            note(f"  line {item.line}: {item.reason}")
        if len(result.rejected) > 10:
            note(f"  ... and {len(result.rejected) - 10} more" + ("" if rejects else " (see --rejects)"))

    command.help = (
        f"Import {what} from FILE, a CSV file with the columns {columns}.\n\n"
        f"Rows already recorded are skipped, so a re-run imports nothing twice; invalid rows "
        f"are reported (and written to --rejects) and the valid ones imported.\n\n"
        f"    \b\n    Example:\n      {example}\n"
    )
    return command


import_members = _import_command(
    "members",
    importing.MEMBER_COLUMNS,
    importing.import_members,
    "name,phone,email,birthday,card (only name is required; enrolled_at and consent may follow)",
    "loyalty import members customers.csv --rejects bad-members.csv",
)
import_purchases = _import_command(
    "purchases",
    importing.PURCHASE_COLUMNS,
    importing.import_purchases,
    "card,amount,receipt,at[,store]",
    "loyalty import purchases till-export.csv --dry-run",
)


@contextmanager
def _progress(total: int, what: str):
    """A progress bar on stderr when it is a terminal; silence otherwise."""
    if not sys.stderr.isatty() or total < 100:
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(f"Importing {what}", total=total)
        yield lambda n: bar.advance(task, n)
