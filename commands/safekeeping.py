"""`backup` and `restore`: one archive file of the whole data directory, and putting it back."""

from __future__ import annotations

from pathlib import Path

import click

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
    """Write a consistent snapshot of the data directory to one .tar.gz archive.

    The archive holds the programme, the members, the draws and the whole ledger, with a
    manifest of SHA-256 sums; it is taken while no other loyalty command can write. Keep
    it somewhere else than the data directory: next to `maintain` in cron, every night.

    \b
    Example:
      loyalty backup --output /mnt/backup/loyalty-$(date +%a).tar.gz
      15 0 * * * loyalty backup -o "$HOME/backups/loyalty-$(date +\\%a).tar.gz"
    """
    from loyalty_cli import backups

    target = output or Path(backups.default_name(env.clock))
    result = backups.backup(env.store(), target, now=env.clock)
    if as_json:
        emit_json(result.to_json())
    else:
        click.echo(
            f"Backed up {result.members} members and {result.entries} ledger entries "
            f"({result.files} files, {result.bytes} bytes) to {result.path}"
        )


@click.command(cls=Command)
@click.argument("archive", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Really replace the data in the data directory.")
@json_option
@pass_env
def restore(env: Env, archive, yes, as_json):
    """Replace the data directory's data with the archive FILE made by `loyalty backup`.

    The archive is checked first: every file as its manifest says, the data readable and
    `verify` clean; a bad archive changes nothing (exit 3). The check holds no lock, so
    the tills keep working while it runs. The data it replaces is kept in
    backups/before-restore-<time>.tar.gz inside the data directory, and members erased
    there stay erased. Without --yes only the check is done: it says what a restore would
    replace and exits 0.

    \b
    Example:
      loyalty restore /mnt/backup/loyalty-Mon.tar.gz          # check only
      loyalty --data-dir /srv/shop restore loyalty-Mon.tar.gz --yes
    """
    from loyalty_cli import backups

    result = backups.restore(env.store(), archive, now=env.clock, operator=env.operator, confirmed=yes)
    if as_json:
        emit_json(result.to_json())
        return
    if not result.restored:
        click.echo(
            f"{result.archive} is sound: {result.members} members and {result.entries} ledger entries "
            f"(taken {result.taken_at}). Nothing was changed."
        )
        what = (
            f"replace the data in {env.data_dir}" if result.replaces else f"put this data into {env.data_dir}"
        )
        note(
            f"`loyalty restore {result.archive} --yes` would {what}"
            + (" (keeping the data there in backups/before-restore-<time>.tar.gz)" if result.replaces else "")
        )
        return
    click.echo(
        f"Restored {result.members} members and {result.entries} ledger entries "
        f"from {result.archive} (taken {result.taken_at}) into {env.data_dir}"
    )
    if result.kept:
        note(f"The data that was there is kept in {result.kept}")
    if result.erased_again:
        note(f"Erased again: {', '.join(result.erased_again)} (erased before the restore)")
