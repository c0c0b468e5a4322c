"""`backup` and `restore`: a consistent archive of the programme, and putting one back.

One archive format for both stores: the files of a data folder and a manifest. A backup of
a data folder is taken under the lock, so no command changes the data while it is read; a
backup of a PostgreSQL programme reads one snapshot, writes it as a data folder into a
private temporary folder (moving.py) and archives that. So a backup of either store
restores into either.

A restore checks the whole archive (it unpacks, every file is as its manifest says, the
data parses and the caller's check, `verify`, finds nothing wrong) before anything is
replaced; the data it replaces is first archived to backups/before-restore-*.tar.gz (in
the data folder; for a database, in the data folder of the machine running the restore),
and members erased there stay erased: they are erased again in the unpacked copy before
it is put in place, so their personal data never comes back, not even for a moment. Into
a database, the tables' contents are replaced in one transaction under the meta lock.

The programme's rules (the verification, the erasure) are the caller's, passed in: this
module only moves data.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from loyalty_cli import clock, files, ledger
from loyalty_cli.errors import DataProblem, InvalidInput, LoyaltyError, Refused
from loyalty_cli.language import _, ngettext
from loyalty_cli.storage import archives, moving
from loyalty_cli.storage.folder.store import BACKUP_DIR, RESTORE_READY, Store


class Checked(Protocol):
    """What the check of an unpacked archive found (verification.Report)."""

    ok: bool
    problems: list[str]
    members: int
    entries: int


# Checks a shop (the unpacked archive); erases members again in a writable shop.
Check = Callable[[object], Checked]
EraseAgain = Callable[[object, list[str]], list[str]]


@dataclass(frozen=True)
class BackupResult:
    """What `backup` wrote."""

    path: Path
    files: int
    bytes: int
    members: int
    entries: int
    taken_at: str

    def to_json(self) -> dict:
        return {
            "file": str(self.path),
            "files": self.files,
            "bytes": self.bytes,
            "members": self.members,
            "entries": self.entries,
            "taken_at": self.taken_at,
        }


@dataclass
class RestoreResult:
    """What `restore` found in the archive and did with it."""

    archive: Path
    taken_at: str | None
    members: int
    entries: int
    restored: bool = False
    replaces: bool = False
    kept: Path | None = None
    erased_again: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "file": str(self.archive),
            "taken_at": self.taken_at,
            "members": self.members,
            "entries": self.entries,
            "restored": self.restored,
            "replaces_data": self.replaces,
            "previous_data": str(self.kept) if self.kept else None,
            "erased_again": self.erased_again,
        }


def default_name(now: clock.Clock) -> str:
    """The archive's file name when none is given: loyalty-backup-20261122T120000Z.tar.gz."""
    return f"loyalty-backup-{now.now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"


def backup(store, output: Path, *, now: clock.Clock) -> BackupResult:
    """Archive the programme to `output`: a data folder's files under its lock, or one
    snapshot of a database written out as a data folder first."""
    if not store.exists():
        raise Refused(
            _("no loyalty programme in {folder}; there is nothing to back up").format(
                folder=moving.place(store)
            )
        )
    folder = output.absolute().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInput(
            _("cannot write {path}: {folder} is not a folder this user can write to").format(
                path=output, folder=folder
            )
        )
    taken_at = clock.iso(now.now)
    if isinstance(store, Store):
        with store.locked():
            shop = store.read()
            store.check(shop)  # damaged data is never archived as if it were good
            names, info = _archive(output, store, shop, taken_at)
    else:
        shop = store.read()
        with _private_folder("backup") as place:
            written = Store(place / "data", clock=now)
            moving.copy(shop, written)
            names, info = _archive(output, written, shop, taken_at)
    return BackupResult(
        path=output,
        files=len(names),
        bytes=output.stat().st_size,
        members=info["members"],
        entries=info["entries"],
        taken_at=taken_at,
    )


def _archive(output: Path, store: Store, shop, taken_at: str) -> tuple[list[str], dict]:
    """Write the data files of the folder `store` (whose snapshot is `shop`) to `output`."""
    names = [str(p.relative_to(store.root)) for p in store.data_files()]
    info = {
        "taken_at": taken_at,
        "schema": shop.meta["schema"],
        "members": len(shop.members),
        "entries": shop.meta["next_id"] - 1,
        "last_hash": shop.meta["last_hash"],
    }
    try:
        archives.write(output, store.root, names, info=info)
    except OSError as error:
        raise DataProblem(
            _("could not write {path}: {reason}; no backup was made").format(
                path=output, reason=files.reason(error)
            )
        ) from None
    return names, info


def restore(
    store,
    archive: Path,
    *,
    now: clock.Clock,
    confirmed: bool,
    check: Check,
    erase_again: EraseAgain,
    keep_in: Path | None = None,
) -> RestoreResult:
    """Check `archive`, then (if `confirmed`) make it the programme's data in `store`.

    The check (unpack into a private folder, every file as its manifest says, `check`
    finding nothing wrong) takes no lock: the tills keep working meanwhile. Only putting
    the checked data in place does. Members erased in the data being replaced are erased
    again (`erase_again`) in the unpacked copy first. The replaced data is archived into
    `keep_in` (default: the data folder's backups/). Without `confirmed` the result says
    what a restore would replace.
    """
    with contextlib.ExitStack() as stack:
        stage = stack.enter_context(_stage(store, archive))
        result = _unpack_and_check(archive, stage, check)
        result.replaces = store.exists()
        if not confirmed:
            return result
        if isinstance(store, Store):
            with store.locked():
                erased = _erased_cards(store)
                result.kept = _keep_current(store, now, keep_in)
                result.erased_again = _erase_in_stage(stage, erased, erase_again)
                _install(store, stage, result.kept)
        else:
            _replace_database(store, stage, result, now=now, keep_in=keep_in, erase_again=erase_again)
        result.restored = True
    return result


@contextlib.contextmanager
def _stage(store, archive: Path):
    """A private folder to unpack the archive into: inside a data folder (the same disk as
    the data, so that putting it in place is a rename), else in the temporary folder."""
    if not isinstance(store, Store):
        with _private_folder("restore") as place:
            yield place
        return
    try:
        files.ensure_dir(store.root)
        stage = files.private_workdir(store.root, "restore")
        path = stage.__enter__()
    except OSError as error:
        raise DataProblem(
            _("could not unpack {archive} in {folder}: {reason}; nothing was changed").format(
                archive=archive, folder=store.root, reason=files.reason(error)
            )
        ) from None
    try:
        yield path
    finally:
        stage.__exit__(None, None, None)


@contextlib.contextmanager
def _private_folder(label: str):
    """A private temporary folder (0700), removed afterwards."""
    try:
        holder = tempfile.TemporaryDirectory(prefix=f"loyalty-{label}-")
    except OSError as error:
        raise DataProblem(
            _("could not make a temporary folder in {folder}: {reason}; nothing was changed").format(
                folder=tempfile.gettempdir(), reason=files.reason(error)
            )
        ) from None
    with holder as place:
        yield Path(place)


def _replace_database(store, stage: Path, result: RestoreResult, *, now, keep_in, erase_again) -> None:
    """Replace the database's programme with the unpacked one: one transaction, under the meta lock."""
    with store.transaction(create=True) as shop:
        erased = []
        if shop.has_programme():
            erased = [m["card"] for m in shop.members.all() if m.get("erased_at")]
            result.kept = _keep_database(shop, now, keep_in)
        result.erased_again = _erase_in_stage(stage, erased, erase_again)
        unpacked = Store(stage).read()
        shop.clear()
        moving.copy_into(unpacked, shop)


def _erase_in_stage(stage: Path, cards: list[str], erase_again: EraseAgain) -> list[str]:
    """Erase again, in the unpacked copy, the members erased in the data being replaced."""
    if not cards:
        return []
    with Store(stage).transaction() as shop:
        done = erase_again(shop, cards)
    # The version before the erasure, kept as a rotating backup by that commit, goes.
    shutil.rmtree(stage / BACKUP_DIR, ignore_errors=True)
    return done


def _keep_database(shop, now: clock.Clock, keep_in: Path | None) -> Path:
    """Archive the database's programme (`shop`, under the lock) before it is replaced."""
    folder = keep_in if keep_in is not None else Path.cwd()
    with _private_folder("keep") as place:
        written = Store(place / "data", clock=now)
        moving.copy(shop, written)
        return _keep_current(written, now, folder)


def check_against(shop, archive: Path) -> list[str]:
    """Problems found comparing the ledger with what an archive recorded when it was taken.

    The archive's manifest names the newest entry then and its hash. If that entry is now
    missing or hashes otherwise, history up to it was changed after the archive was taken,
    even if every later hash was recomputed to match.
    """
    manifest = archives.read_manifest(archive)
    newest, recorded = manifest.get("entries"), manifest.get("last_hash")
    if not isinstance(newest, int) or not isinstance(recorded, str) or newest < 1:
        return []
    taken = manifest.get("taken_at", "?")
    for entry in shop.ledger.entries():
        if entry.id == newest:
            if ledger.entry_hash(entry.to_doc()) == recorded:
                return []
            return [
                _(
                    "entry {entry}: differs from the archive {archive} taken {taken}; history was rewritten"
                ).format(entry=newest, archive=archive, taken=taken)
            ]
    return [
        _("entry {entry}: missing, but the archive {archive} taken {taken} holds it").format(
            entry=newest, archive=archive, taken=taken
        )
    ]


def _unpack_and_check(archive: Path, stage: Path, check: Check) -> RestoreResult:
    try:
        manifest = archives.extract(archive, stage, data_only=True)
    except OSError as error:
        raise DataProblem(
            _("could not unpack {archive}: {reason}; nothing was changed").format(
                archive=archive, reason=files.reason(error)
            )
        ) from None
    staged = Store(stage)
    try:
        shop = staged.read()
        report = check(shop)
    except LoyaltyError as error:
        raise DataProblem(
            _("{archive} holds damaged data ({error}); nothing was changed").format(
                archive=archive, error=error
            )
        ) from None
    if not report.ok:
        more = len(report.problems) - 1
        if more:
            message = ngettext(
                "{archive} does not verify ({problem} and {count} more); nothing was changed",
                "{archive} does not verify ({problem} and {count} more); nothing was changed",
                more,
            )
        else:
            message = _("{archive} does not verify ({problem}); nothing was changed")
        raise DataProblem(message.format(archive=archive, problem=report.problems[0], count=more))
    return RestoreResult(
        archive=archive,
        taken_at=manifest.get("taken_at"),
        members=report.members,
        entries=report.entries,
    )


def _install(store: Store, stage: Path, kept: Path | None) -> None:
    try:
        store.install(stage)
    except OSError as error:
        reason = files.reason(error)
        if (store.root / RESTORE_READY).is_dir():
            raise DataProblem(
                _(
                    "restored, but could not put every file in place ({reason}); "
                    "the next loyalty command finishes it"
                ).format(reason=reason)
            ) from None
        if kept:
            raise DataProblem(
                _(
                    "could not restore: {reason}; nothing was changed "
                    "(the current data is also kept in {path})"
                ).format(reason=reason, path=kept)
            ) from None
        raise DataProblem(
            _("could not restore: {reason}; nothing was changed").format(reason=reason)
        ) from None


def _erased_cards(store: Store) -> list[str]:
    # The data being replaced may be damaged (that is often why one restores): then there
    # is no list of erasures to keep.
    with contextlib.suppress(LoyaltyError):
        if store.exists():
            return [m["card"] for m in store.read().members.all() if m.get("erased_at")]
    return []


def _keep_current(store: Store, now: clock.Clock, keep_in: Path | None = None) -> Path | None:
    """Archive the data files of the folder `store` into `keep_in` (default: its backups/)."""
    names = [str(p.relative_to(store.root)) for p in store.data_files(backups=True)]
    if not names:
        return None
    folder = keep_in if keep_in is not None else store.root / BACKUP_DIR
    files.ensure_dir(folder)
    stamp = now.now.strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"before-restore-{stamp}.tar.gz"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"before-restore-{stamp}-{number}.tar.gz"
    try:
        archives.write(path, store.root, names, info={"taken_at": clock.iso(now.now), "reason": "restore"})
    except OSError as error:
        raise DataProblem(
            _("could not keep the current data in {path}: {reason}; nothing was changed").format(
                path=path, reason=files.reason(error)
            )
        ) from None
    return path
