"""`backup` and `restore`: a consistent archive of the data directory, and putting one back.

A backup is taken under the lock, so no command changes the data while it is read. A
restore checks the whole archive (it unpacks, every file is as its manifest says, the data
parses and `verify` finds nothing wrong) before anything is replaced; the data it replaces
is first archived to backups/before-restore-*.tar.gz, and members erased there stay erased.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import archives, clock, files, ledger, privacy
from .errors import DataProblem, InvalidInput, LoyaltyError, Refused
from .language import _, ngettext
from .store import BACKUP_DIR, RESTORE_READY, Store
from .verification import verify


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


def backup(store: Store, output: Path, *, now: clock.Clock) -> BackupResult:
    """Archive the data files (the hot file and the ledger partitions) to `output`, under the lock."""
    if not store.exists():
        raise Refused(
            _("no loyalty programme in {folder}; there is nothing to back up").format(folder=store.root)
        )
    folder = output.absolute().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInput(
            _("cannot write {path}: {folder} is not a folder this user can write to").format(
                path=output, folder=folder
            )
        )
    taken_at = clock.iso(now.now)
    with store.locked():
        shop = store.read()
        store.check(shop)  # damaged data is never archived as if it were good
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
    return BackupResult(
        path=output,
        files=len(names),
        bytes=output.stat().st_size,
        members=info["members"],
        entries=info["entries"],
        taken_at=taken_at,
    )


def restore(
    store: Store, archive: Path, *, now: clock.Clock, operator: str, confirmed: bool
) -> RestoreResult:
    """Check `archive`, then (if `confirmed`) make it the data of the directory.

    The check (unpack beside the data, every file as its manifest says, `verify` clean)
    takes no lock: the tills keep working meanwhile. Only putting the checked files in
    place does. Without `confirmed` the result says what a restore would replace.
    """
    with contextlib.ExitStack() as stack:
        try:
            files.ensure_dir(store.root)
            stage = stack.enter_context(files.private_workdir(store.root, "restore"))
        except OSError as error:
            raise DataProblem(
                _("could not unpack {archive} in {folder}: {reason}; nothing was changed").format(
                    archive=archive, folder=store.root, reason=files.reason(error)
                )
            ) from None
        result = _unpack_and_check(archive, stage)
        result.replaces = store.exists()
        if not confirmed:
            return result
        with store.locked():
            erased = _erased_cards(store)
            result.kept = _keep_current(store, now)
            _install(store, stage, result.kept)
            result.erased_again = privacy.erase_again(store, erased, now=now, operator=operator)
            result.restored = True
    return result


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


def _unpack_and_check(archive: Path, stage: Path) -> RestoreResult:
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
        report = verify(shop)
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


def _keep_current(store: Store, now: clock.Clock) -> Path | None:
    names = [str(p.relative_to(store.root)) for p in store.data_files(backups=True)]
    if not names:
        return None
    folder = store.root / BACKUP_DIR
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
