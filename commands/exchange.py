"""`import members|purchases`: bring a shop's existing records in from CSV."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from loyalty_cli import formats, importing, member_import
from loyalty_cli.language import N_, _, ngettext

from .context import OUTPUT_FILE, Env, json_option, pass_env
from .render import emit_json, note
from .translated import Group


@click.group("import", cls=Group)
def import_group():
    """Import members or purchases from a CSV file (one transaction per file)."""


def _import_command(what: str, required: tuple[str, ...], run, help: str):
    @import_group.command(what, help=help)
    @click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--encoding",
        metavar="ENC",
        callback=_known_encoding,
        help="The file's encoding when it is not UTF-8, such as cp1257 or cp1251.",
    )
    @click.option("--strict", is_flag=True, help="Import nothing when any row is rejected.")
    @click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
    @click.option(
        "--rejects",
        type=OUTPUT_FILE,
        help="Write the rows that were not imported, with the line and the reason, to this CSV file.",
    )
    @json_option
    @pass_env
    @click.pass_context
    def command(ctx, env: Env, path, encoding, strict, dry_run, rejects, as_json, **options):
        sheet = importing.read_rows(path, required, encoding)
        written = not dry_run
        try:
            with (
                env.store().transaction(dry_run=dry_run) as shop,
                _progress(sheet.size, what) as advance,
            ):
                result = run(shop, sheet, now=env.clock, operator=env.operator, progress=advance, **options)
                if rejects is not None:  # before the commit: no import without its rejects
                    importing.write_rejects(rejects, sheet, result.rejected)
                if strict and result.rejected:
                    raise _Refused(result)
        except _Refused as refused:
            result, written = refused.result, False
        report_import(
            result, dry_run=dry_run, strict=strict, written=written, rejects=rejects, as_json=as_json
        )
        if result.rejected:
            ctx.exit(1)

    return command


class _Refused(Exception):
    """--strict: a row was rejected, so the transaction is abandoned."""

    def __init__(self, result: importing.ImportResult):
        super().__init__("rows were rejected")
        self.result = result


def _known_encoding(ctx, param, value):
    if value is None:
        return None
    import codecs

    try:
        return codecs.lookup(value).name
    except LookupError:
        raise click.BadParameter(
            _("{value!r} is not an encoding (such as utf-8, cp1257, cp1251)").format(value=value)
        ) from None


def report_import(result, *, dry_run: bool, strict: bool, written: bool, rejects, as_json: bool) -> None:
    """What an import did (members, purchases, survey answers): --json, or a summary line
    and the rejected rows with their lines on stderr."""
    rejected = len(result.rejected)
    if as_json:
        emit_json(
            {
                **result.to_json(),
                "dry_run": dry_run,
                "strict": strict,
                "written": written,
                "rejects": str(rejects) if rejects is not None else None,
            }
        )
        return
    if written:
        summary = ngettext(
            "{count} row: imported {imported}, skipped {skipped} already recorded, rejected {rejected}",
            "{count} rows: imported {imported}, skipped {skipped} already recorded, rejected {rejected}",
            result.rows,
        )
    else:
        summary = ngettext(
            "{count} row: would import {imported}, skipped {skipped} already recorded, rejected {rejected}",
            "{count} rows: would import {imported}, skipped {skipped} already recorded, rejected {rejected}",
            result.rows,
        )
    count = formats.number
    parts = [
        summary.format(
            count=count(result.rows),
            imported=count(result.imported),
            skipped=count(result.skipped),
            rejected=count(rejected),
        )
    ]
    if rejected and rejects is not None:
        parts.append(_("the rejected rows are in {path}").format(path=rejects))
    elif rejected:
        parts.append(_("name a file with --rejects to keep the rejected rows"))
    if strict and rejected and not dry_run:
        parts.append(_("nothing was imported (--strict)"))
    click.echo("; ".join(parts))
    for item in result.rejected[:10]:
        note("  " + _("line {line}: {reason}").format(line=item.line, reason=item.reason))
    more = rejected - 10
    if more > 0 and rejects:
        note("  " + ngettext("... and {count} more", "... and {count} more", more).format(count=count(more)))
    elif more > 0:
        shown = ngettext("... and {count} more (see --rejects)", "... and {count} more (see --rejects)", more)
        note("  " + shown.format(count=count(more)))


import_members = _import_command(
    "members",
    member_import.MEMBER_COLUMNS,
    member_import.import_members,
    help="""Import members from FILE, a CSV file with the columns name,phone,email,birthday,card
    (only name is required; consent, enrolled, and from another system points and spend_12m
    may follow).

    The file may be as a spreadsheet saves it: the delimiter (comma, semicolon or tab) is
    recognised, header names ignore case, dates may be DD.MM.YYYY and amounts 1 234,50. Rows
    already recorded are skipped, so a re-run imports nothing twice; invalid rows are reported
    with their line (and written to --rejects) and the valid ones imported. The exit status
    is 1 when any row was rejected.

    \b
    Example:
      loyalty import members customers.csv --encoding cp1257 --rejects bad-members.csv
    """,
)
import_members = click.option(
    "--allow-duplicates",
    is_flag=True,
    help="Enrol a row without card and phone that shares only the name with a member.",
)(import_members)
import_members = click.option(
    "--welcome/--no-welcome",
    default=False,
    help="Give imported members the programme's welcome bonus (default: no).",
)(import_members)
import_purchases = _import_command(
    "purchases",
    importing.PURCHASE_COLUMNS,
    importing.import_purchases,
    help="""Import purchases from FILE, a CSV file with the columns card,amount,receipt,at[,store]
    (card may hold the member's phone instead).

    An optional partner column names the partner shop where the purchase was made (empty:
    the shop itself); a row naming a partner shop that was not added is rejected.

    amount is the receipt total. A till that applied the loyalty discount itself adds the
    columns discount, paid_points and to_pay: each row's bill is then taken as given
    (amount - discount - the points' value = to_pay, or the row is rejected); without them
    the programme's discounts apply as for a purchase.

    The file may be as a spreadsheet saves it: the delimiter (comma, semicolon or tab) is
    recognised, header names ignore case, dates may be DD.MM.YYYY and amounts 1 234,50. Rows
    already recorded are skipped, so a re-run imports nothing twice; invalid rows are reported
    with their line (and written to --rejects) and the valid ones imported. The exit status
    is 1 when any row was rejected.

    \b
    Example:
      loyalty import purchases till-export.csv --dry-run
    """,
)
PROGRESS = {"members": N_("Importing members"), "purchases": N_("Importing purchases")}


@contextmanager
def _progress(total: int, what: str):
    """A progress bar on stderr when it is a terminal; silence otherwise."""
    if not sys.stderr.isatty() or total < 100:
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(_(PROGRESS[what]), total=total)
        yield lambda n: bar.advance(task, n)
