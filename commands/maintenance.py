"""`verify`: check that the ledger and the members' balances agree."""

from __future__ import annotations

from pathlib import Path

import click

from loyalty_cli import formats, language
from loyalty_cli.errors import DataProblem
from loyalty_cli.language import _, ngettext

from .context import Env, json_option, pass_env
from .render import emit_json
from .translated import Command


@click.command(cls=Command)
@click.option(
    "--against",
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Also check that the ledger still holds what this `loyalty backup` archive recorded.",
)
@json_option
@pass_env
def verify(env: Env, against, as_json):
    """Rebuild every balance from the ledger and check it, and the hash chain.

    Exits 0 when everything agrees, 3 with a list of the differences otherwise. With
    --against, an archive kept elsewhere also vouches for the history up to the moment
    it was taken.

    \b
    Example:
      loyalty verify && echo "all balances agree with the ledger"
      loyalty verify --against /mnt/backup/loyalty-Mon.tar.gz
    """
    from loyalty_cli.verification import verify as run_checks

    shop = env.store().read()
    # JSON is for programs: its problems are in English whatever the operator's language.
    with language.speaking(language.ENGLISH if as_json else None):
        report = run_checks(shop)
        if against is not None:
            from loyalty_cli.storage.backups import check_against

            report.problems.extend(check_against(shop, against))
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "members": report.members,
                "entries": report.entries,
                "problems": report.problems,
            }
        )
    else:
        for problem in report.problems:
            click.echo(problem)
        if report.ok:
            members = ngettext("{count} member", "{count} members", report.members)
            entries = ngettext("{count} ledger entry", "{count} ledger entries", report.entries)
            click.echo(
                _("OK: {members}, {entries} agree").format(
                    members=members.format(count=formats.number(report.members)),
                    entries=entries.format(count=formats.number(report.entries)),
                )
            )
    if not report.ok:
        if not as_json:
            found = ngettext("{count} problem found", "{count} problems found", len(report.problems))
            click.echo(found.format(count=formats.number(len(report.problems))), err=True)
        raise SystemExit(int(DataProblem.status))
