"""`migrate`: copy the whole programme into another store, then verify the copy there."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from loyalty_cli import formats, language
from loyalty_cli.errors import DataProblem
from loyalty_cli.language import _, ngettext

from .context import Env, _say_waiting, json_option, pass_env
from .render import emit_json, note
from .translated import Command


@click.command(cls=Command)
@click.option(
    "--from",
    "source",
    metavar="URL|DIR",
    help="Where the programme is now.  [default: --database if given, else the data directory]",
)
@click.option(
    "--to",
    "target",
    metavar="URL|DIR",
    required=True,
    help="Where to copy it: a postgresql:// URL, or a folder. It must hold no programme.",
)
@click.option("--yes", is_flag=True, help="Really copy (without it, only say what would be copied).")
@json_option
@pass_env
def migrate(env: Env, source, target, yes, as_json):
    """Copy the whole programme into PostgreSQL, or from PostgreSQL into a data folder.

    Everything is copied as it is stored: the programme's settings, the members, the
    whole ledger with its hash chain, draws, rewards, plans and partners. The source is
    only read and never changed; the target must hold no programme, and is written in
    one go, so a copy that fails leaves it empty. The copy is then checked with `verify`
    on the target: a copy that does not verify exits 3. Without --yes nothing is
    copied: it says what would be, and exits 0.

    A postgresql:// URL names a database; anything else is a folder. Point the tills
    at the new store only after the copy verified (`--database URL` or
    LOYALTY_DATABASE_URL), and stop using the old one.

    \b
    Example:
      loyalty migrate --to postgresql://loyalty@db.local/shop            # what would be copied
      loyalty migrate --to postgresql://loyalty@db.local/shop --yes
      loyalty migrate --from postgresql://loyalty@db.local/shop --to /srv/shop-copy --yes
    """
    from loyalty_cli.storage import moving
    from loyalty_cli.verification import verify

    origin = _store(env, source) if source else env.store()
    destination = _store(env, target)
    shop = moving.open_source(origin)
    moving.check_empty(destination)
    where = {"from": moving.place(origin), "to": moving.place(destination)}
    if not yes:
        counts = moving.count(shop)
        if as_json:
            emit_json({**where, **counts.to_json(), "copied": False, "verified": None, "problems": []})
            return
        click.echo(
            _("{source} holds {members} and {entries}. Nothing was copied.").format(
                source=where["from"], members=_members(counts.members), entries=_entries(counts.entries)
            )
        )
        note(_("add --yes to copy them into {target}").format(target=where["to"]))
        return
    with _progress(shop.meta["next_id"] - 1) as advance:
        moved = moving.copy(shop, destination, progress=advance)
    # JSON is for programs: its problems are in English whatever the operator's language.
    with language.speaking(language.ENGLISH if as_json else None):
        report = verify(destination.read())
    if as_json:
        emit_json(
            {**where, **moved.to_json(), "copied": True, "verified": report.ok, "problems": report.problems}
        )
    else:
        click.echo(
            _("Copied {members} and {entries} from {source} to {target}").format(
                members=_members(moved.members),
                entries=_entries(moved.entries),
                source=where["from"],
                target=where["to"],
            )
        )
        for problem in report.problems:
            click.echo(problem)
        if report.ok:
            click.echo(_("verify: the copy agrees with its ledger"))
    if not report.ok:
        note(
            ngettext(
                "the copy in {target} does not verify ({count} problem); the source is unchanged: "
                "check it with `loyalty verify`",
                "the copy in {target} does not verify ({count} problems); the source is unchanged: "
                "check it with `loyalty verify`",
                len(report.problems),
            ).format(target=where["to"], count=formats.number(len(report.problems)))
        )
        raise SystemExit(int(DataProblem.status))


def _store(env: Env, place: str):
    """The store named by --from/--to: a database for a postgresql:// URL, else a folder."""
    from loyalty_cli.storage import moving

    if moving.is_database(place):
        from loyalty_cli.storage.postgres.store import PostgresStore

        return PostgresStore(place, env.wait, env.clock, on_wait=_say_waiting)
    from loyalty_cli.storage.folder.store import Store

    return Store(Path(place), env.wait, env.clock, on_wait=_say_waiting)


@contextmanager
def _progress(total: int):
    """A progress bar of the ledger entries copied, on stderr when it is a terminal."""
    if not sys.stderr.isatty() or total < 10_000:
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(_("Copying the ledger"), total=total)
        yield lambda done: bar.update(task, completed=done)


def _members(count: int) -> str:
    return ngettext("{count} member", "{count} members", count).format(count=formats.number(count))


def _entries(count: int) -> str:
    return ngettext("{count} ledger entry", "{count} ledger entries", count).format(
        count=formats.number(count)
    )
