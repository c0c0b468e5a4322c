"""`backup` and `restore`: one archive file of the whole programme, and putting it back (either store)."""

from __future__ import annotations

from pathlib import Path

import click

from loyalty_cli import formats
from loyalty_cli.language import _, ngettext

from .context import OUTPUT_FILE, Env, json_option, pass_env
from .render import emit_json, note
from .translated import Command


@click.command(cls=Command)
@click.option(
    "--output",
    "-o",
    type=OUTPUT_FILE,
    help="The archive to write.  [default: loyalty-backup-<UTC time>.tar.gz here]",
)
@json_option
@pass_env
def backup(env: Env, output, as_json):
    """Write a consistent snapshot of the programme to one .tar.gz archive.

    The archive holds the programme, the members, the draws and the whole ledger, with a
    manifest of SHA-256 sums; it is taken while no other loyalty command can write (on
    PostgreSQL: from one snapshot, while the tills go on). The archive is the same for
    both stores: a backup of either restores into either. Keep it somewhere else than the
    data: next to `maintain` in cron, every night.

    \b
    Example:
      loyalty backup --output /mnt/backup/loyalty-$(date +%a).tar.gz
      15 0 * * * loyalty backup -o "$HOME/backups/loyalty-$(date +\\%a).tar.gz"
    """
    from loyalty_cli.storage import backups

    target = output or Path(backups.default_name(env.clock))
    result = backups.backup(env.store(), target, now=env.clock)
    if as_json:
        emit_json(result.to_json())
    else:
        click.echo(
            _("Backed up {members} and {entries} ({files}, {size}) to {path}").format(
                members=_members(result.members),
                entries=_entries(result.entries),
                files=ngettext("{count} file", "{count} files", result.files).format(
                    count=formats.number(result.files)
                ),
                size=ngettext("{count} byte", "{count} bytes", result.bytes).format(
                    count=formats.number(result.bytes)
                ),
                path=result.path,
            )
        )


@click.command(cls=Command)
@click.argument("archive", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Really replace the programme's data.")
@json_option
@pass_env
def restore(env: Env, archive, yes, as_json):
    """Replace the programme's data with the archive FILE made by `loyalty backup`.

    The archive is checked first: every file as its manifest says, the data readable and
    `verify` clean; a bad archive changes nothing (exit 3). The check holds no lock, so
    the tills keep working while it runs. The data it replaces is kept in
    backups/before-restore-<time>.tar.gz inside the data directory (with --database: the
    data directory of this computer), and members erased there stay erased. With
    --database the tables are replaced in one transaction. Without --yes only the check
    is done: it says what a restore would replace and exits 0.

    \b
    Example:
      loyalty restore /mnt/backup/loyalty-Mon.tar.gz          # check only
      loyalty --data-dir /srv/shop restore loyalty-Mon.tar.gz --yes
    """
    from loyalty_cli.storage import backups, moving
    from loyalty_cli.verification import verify

    store = env.store()
    result = backups.restore(
        store,
        archive,
        now=env.clock,
        confirmed=yes,
        check=verify,
        erase_again=_erase_again(env),
        keep_in=env.data_dir / "backups",
    )
    place = moving.place(store)
    if as_json:
        emit_json(result.to_json())
        return
    if not result.restored:
        click.echo(
            _("{archive} is sound: {members} and {entries} (taken {taken}). Nothing was changed.").format(
                archive=result.archive,
                members=_members(result.members),
                entries=_entries(result.entries),
                taken=_taken(result.taken_at),
            )
        )
        if result.replaces:
            what = _(
                "`loyalty restore {archive} --yes` would replace the data in {folder} "
                "(keeping the data there in backups/before-restore-<time>.tar.gz)"
            )
        else:
            what = _("`loyalty restore {archive} --yes` would put this data into {folder}")
        note(what.format(archive=result.archive, folder=place))
        return
    click.echo(
        _("Restored {members} and {entries} from {archive} (taken {taken}) into {folder}").format(
            members=_members(result.members),
            entries=_entries(result.entries),
            archive=result.archive,
            taken=_taken(result.taken_at),
            folder=place,
        )
    )
    if result.kept:
        note(_("The data that was there is kept in {path}").format(path=result.kept))
    if result.erased_again:
        note(
            _("Erased again: {cards} (erased before the restore)").format(
                cards=", ".join(result.erased_again)
            )
        )


def _erase_again(env: Env):
    """Erase members again in a shop (the restored data) if they are not erased there yet."""

    def erase(shop, cards: list[str]) -> list[str]:
        from loyalty_cli import privacy

        done = []
        for card in cards:
            member = shop.members.get(card)
            if member is not None and not member.get("erased_at"):
                privacy.erase_member(shop, member, at=env.clock.now, operator=env.operator)
                done.append(card)
        return done

    return erase


def _members(count: int) -> str:
    return ngettext("{count} member", "{count} members", count).format(count=formats.number(count))


def _entries(count: int) -> str:
    return ngettext("{count} ledger entry", "{count} ledger entries", count).format(
        count=formats.number(count)
    )


def _taken(when: str | None) -> str:
    """When an archive was taken (stored as UTC ISO 8601), as people read it."""
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(str(when)).astimezone(timezone.utc)
    except ValueError:
        return str(when)
    return formats.moment(moment) + " UTC"
