"""`verify`: check that the ledger and the members' balances agree."""

from __future__ import annotations

import click

from loyalty_cli.errors import DataProblem

from .context import Env, json_option, pass_env
from .render import emit_json


@click.command()
@json_option
@pass_env
def verify(env: Env, as_json):
    """Rebuild every balance from the ledger and check it, and the hash chain.

    Exits 0 when everything agrees, 3 with a list of the differences otherwise.

    \b
    Example:
      loyalty verify && echo "all balances agree with the ledger"
    """
    from loyalty_cli.verification import verify as run_checks

    report = run_checks(env.store().read())
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
            click.echo(f"OK: {report.members} members, {report.entries} ledger entries agree")
    if not report.ok:
        if not as_json:
            click.echo(f"{len(report.problems)} problem(s) found", err=True)
        raise SystemExit(int(DataProblem.status))
