"""The data directory: one locked transaction per command, one read, one durable write.

Layout of DIR:
  loyalty.json     the hot file: programme, members, draws, meta and recent ledger entries
  ledger/          immutable partitions of older ledger months (YYYY-MM.json)
  outbox/          the mail outbox, one journal per campaign (journals.py)
  surveys/         survey answers (journals.py)
  backups/         the previous versions of loyalty.json, the newest ten, and the archive
                   of the data a restore replaced (before-restore-*.tar.gz)
  .lock            the inter-process lock
  .restore-ready/  only while a restore is being put in place (see `install`)
"""

from __future__ import annotations

import errno
import mmap
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from loyalty_cli import files
from loyalty_cli.clock import UTC, Clock
from loyalty_cli.errors import DataProblem, Refused
from loyalty_cli.language import _
from loyalty_cli.storage import migrations
from loyalty_cli.storage.folder import hot_file, journals, partitions
from loyalty_cli.storage.folder.checksums import SpanChecksums
from loyalty_cli.storage.folder.lock import DirectoryLock
from loyalty_cli.storage.folder.shop import SCHEMA_VERSION, Shop, new_data

HOT_FILE = "loyalty.json"
BACKUP_DIR = "backups"
BACKUPS_KEPT = 10
# Folders of data files besides the hot file; everything in them is part of the data.
DATA_FOLDERS = ("ledger", *journals.FOLDERS)
RESTORE_READY = ".restore-ready"
INSTALL_LIST = "files.json"
# Where a hard link is not possible, a rotating backup is a copy instead.
NO_LINK = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}


class NoProgramme(Refused):
    """The data directory holds no programme yet."""


class Store:
    """A data directory. `read()` for a snapshot, `transaction()` to change it."""

    def __init__(
        self,
        root: Path | str,
        wait: float = 10.0,
        clock: Clock | None = None,
        on_wait: Callable[[], None] | None = None,
    ):
        self.root = Path(root)
        self.wait = wait
        # Called once when the lock has been waited for a moment (see lock.DirectoryLock).
        self.on_wait = on_wait
        # With a clock, write transactions move entries of earlier days out of the hot
        # file into ledger partitions.
        self.clock = clock

    @property
    def hot_path(self) -> Path:
        return self.root / HOT_FILE

    @property
    def backup_dir(self) -> Path:
        return self.root / BACKUP_DIR

    def exists(self) -> bool:
        """True when a programme has been created here."""
        return self.hot_path.exists()

    def version(self) -> tuple[int, int, int, int] | None:
        """The hot file's identity, size and modification time (ns); None without a programme.

        Every commit that changes the programme, members, ledger or records replaces the
        hot file (partitions are written before it, and a restore puts it in place last),
        so this changes whenever they do; one stat, no read. The mail outbox and survey
        answers are journals appended beside it: they do not move the version.
        """
        try:
            found = os.stat(self.hot_path)
        except FileNotFoundError:
            return None
        return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns

    def read(self) -> Shop:
        """A consistent read-only snapshot; takes no lock (writers replace files atomically)."""
        if (self.root / RESTORE_READY).is_dir():
            with self.locked():  # an interrupted restore is finished before anyone reads
                pass
        data = self._load()
        if data["meta"]["1"]["schema"] < SCHEMA_VERSION:
            with self.transaction():  # written by an older version: migrated first
                pass
            data = self._load()
        return Shop(data, writable=False, root=self.root)

    @contextmanager
    def transaction(self, *, create: bool = False, dry_run: bool = False) -> Iterator[Shop]:
        """Lock, load, let the caller change the shop, then write it once.

        If the block raises, nothing is written; nor with `dry_run`. `create` allows an
        empty directory.
        """
        if not create and not self.exists() and not (self.root / RESTORE_READY).is_dir():
            raise self._no_programme()
        with self.locked(), self.changes(create=create, dry_run=dry_run) as shop:
            yield shop

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the directory's lock; leftovers of killed writers are cleared first."""
        try:
            files.ensure_dir(self.root)
            lock = DirectoryLock(self.root, self.wait, self.on_wait)
            lock.__enter__()
        except OSError as error:  # a read-only file system, a folder of another user
            raise DataProblem(
                _("cannot write in {folder}: {reason}; nothing was changed").format(
                    folder=self.root, reason=files.reason(error)
                )
            ) from None
        try:
            try:
                files.remove_stale_temps(self.root, (*DATA_FOLDERS, partitions.RECEIPTS_PATH, BACKUP_DIR))
                self._finish_install()
                self._finish_interrupted_commit()
            except OSError as error:
                raise DataProblem(
                    _("cannot write in {folder}: {reason}; nothing was changed").format(
                        folder=self.root, reason=files.reason(error)
                    )
                ) from None
            yield
        finally:
            lock.__exit__(None, None, None)

    @contextmanager
    def changes(self, *, create: bool = False, dry_run: bool = False) -> Iterator[Shop]:
        """`transaction()` for a caller that already holds the lock (`locked()`)."""
        if not create and not self.exists():
            raise self._no_programme()
        data = self._load(check=True) if self.exists() else new_data()
        shop = Shop(data, writable=True, root=self.root)
        if shop.meta["schema"] < SCHEMA_VERSION:  # even for a dry run: it is not its change
            migrations.upgrade(self.root, shop, lambda migrated: self._commit(migrated.to_pieces()))
            shop = Shop(self._load(), writable=True, root=self.root)
        yield shop
        if shop.changed and not dry_run:
            self._commit_changes(shop)

    def data_files(self, *, backups: bool = False) -> list[Path]:
        """The files that hold the data: the hot file and the data folders (sorted).

        With `backups`, the rotating backups too. Temp files are never data.
        """
        return data_files(self.root, backups=backups)

    def install(self, staged: Path) -> None:
        """Make the data files in `staged` (a folder inside the directory) the data. Under the lock.

        Renaming `staged` to .restore-ready is the commit point: after it, the files are
        moved into place, the hot file last; a crash in between is finished by the next
        command (`locked()`). Data files that `staged` lacks are removed, rotating backups
        included.
        """
        names = [str(p.relative_to(staged)) for p in data_files(staged, backups=True)]
        files.write_atomic(staged / INSTALL_LIST, orjson.dumps(names))
        files.fsync_dir(staged)
        os.replace(staged, self.root / RESTORE_READY)
        files.fsync_dir(self.root)
        self._finish_install()

    def backups(self) -> list[Path]:
        """The rotating backups of the hot file, newest last."""
        if not self.backup_dir.is_dir():
            return []
        return sorted(self.backup_dir.glob("loyalty-*.json"))

    def newest_sound_backup(self) -> Path | None:
        """The newest rotating backup whose bytes are as loyalty wrote them, or None."""
        for path in reversed(self.backups()):
            try:
                if hot_file.damage(path.read_bytes()) is None:
                    return path
            except OSError:
                continue
        return None

    def check(self, shop: Shop) -> None:
        """DataProblem unless the hot file and every partition and shard are as recorded.

        For `backup`: an archive of damaged data would look like a good one.
        """
        self._load(check=True)
        recorded = shop.meta.get("files")
        if recorded is not None:
            for problem in partitions.check_files(self.root, recorded):
                raise DataProblem(_("{problem}; nothing was archived").format(problem=problem))

    def _commit_changes(self, shop: Shop) -> None:
        """Commit a transaction; entries of earlier days leave the hot file as it commits.

        Committed entries of earlier days (the first write of a day finds yesterday's) and
        the transaction's own backdated entries are written to their partitions first; the
        hot file, rewritten without them, is the commit point (see partitions.py). A refused
        or read-only command writes nothing, so it moves nothing either. The journals (the
        mail outbox, survey answers) are appended to last; a transaction that changed only
        them leaves the hot file as it is.
        """
        if shop.hot_changed:
            self._commit_hot(shop)
        try:
            shop.write_journals()
        except OSError as error:
            raise DataProblem(
                _("could not write in {folder}: {reason}").format(
                    folder=self.root, reason=files.reason(error)
                )
            ) from None

    def _commit_hot(self, shop: Shop) -> None:
        moved: list[dict] = []
        new: list[dict] = []
        if self.clock is not None:
            keep_from = self._keep_from()
            moved = shop.ledger.hot_before(keep_from)
            new = shop.ledger.pending_before(keep_from)
        if moved or new:
            # The intent file also tells readers that the files it names are being rewritten.
            months, written = self._move_out(moved + new, shop.meta.get("files"))
            shop.ledger.forget_moved(moved + new, months, written)
        self._commit(shop.to_pieces())
        if moved or new:
            partitions.committed(self.root)

    def _finish_interrupted_commit(self) -> None:
        """Undo what a writer killed between its partitions and the hot file left (under the lock).

        Before anyone under the lock writes or archives the data, so that no backup ever
        holds entries the hot file did not commit.
        """
        if not (partitions.interrupted(self.root) and self.exists()):
            return
        raw = self._read_hot()
        data = self._parse(raw)
        meta = data["meta"]["1"]
        names = partitions.finish_interrupted(self.root, meta["next_id"])
        if "files" in meta:
            if hot_file.damage(raw) is not None:
                return  # not renewed from a damaged file: the command itself reports the damage
            records = {k: v for k, v in meta["files"].items() if k not in names}
            meta["files"] = dict(sorted({**records, **partitions.records_of(self.root, names)}.items()))
            self._commit(hot_file.pieces(data))
        partitions.committed(self.root)

    def _keep_from(self) -> str:
        # The hot file keeps today's entries (the UTC day, as stored): what an everyday
        # command reads and rewrites stays small whatever the shop's trade and history.
        return self.clock.now.astimezone(UTC).strftime("%Y-%m-%dT00:00:00+00:00")

    def _move_out(self, docs: list[dict], recorded: dict | None) -> tuple[list[str], dict[str, list]]:
        try:
            return partitions.move_out(self.root, docs, intent=True, recorded=recorded)
        except OSError as error:
            raise DataProblem(
                _("could not write the ledger partitions in {folder}: {reason}; nothing was changed").format(
                    folder=self.root, reason=files.reason(error)
                )
            ) from None

    def _commit(self, data: list[files.Buffer]) -> None:
        """Write the hot file from its pieces (hot_file.pieces), keeping the old one as a backup.

        The oldest backup, which this write pushes out of the ten kept, is written over to
        become the new hot file (files.write_atomic `reusing`) rather than deleted after it.
        """
        kept: list[Path] = []
        keep = (lambda: kept.append(self._keep_backup())) if self.hot_path.exists() else None
        backups = self.backups() if keep is not None else []
        oldest = backups[0] if len(backups) >= BACKUPS_KEPT else None
        try:
            files.write_atomic(self.hot_path, data, before_replace=keep, reusing=oldest)
        except OSError as error:
            reason = files.reason(error)
            if self._holds(data):
                raise DataProblem(
                    _(
                        "saved {path}, but the disk reported an error making it durable ({reason}); "
                        "check the disk, then run `loyalty verify`"
                    ).format(path=self.hot_path, reason=reason)
                ) from None
            for path in kept:  # the copy of a version that was not replaced after all
                path.unlink(missing_ok=True)
            raise DataProblem(
                _("could not write {path}: {reason}; nothing was changed").format(
                    path=self.hot_path, reason=reason
                )
            ) from None
        for old in self.backups()[:-BACKUPS_KEPT]:
            old.unlink()

    def _holds(self, data: list[files.Buffer]) -> bool:
        try:
            return self.hot_path.read_bytes() == b"".join(data)
        except OSError:
            return False

    def _keep_backup(self) -> Path:
        # A hard link keeps the previous version for free: the new file gets a new inode.
        files.ensure_dir(self.backup_dir)
        stamp = time.time_ns()
        existing = self.backups()
        if existing:  # newest last by name, even if the system clock was set back
            stamp = max(stamp, int(existing[-1].stem.removeprefix("loyalty-")) + 1)
        target = self.backup_dir / f"loyalty-{stamp:020d}.json"
        try:
            os.link(self.hot_path, target)
        except OSError as error:
            if error.errno not in NO_LINK:
                raise
            files.write_atomic(target, self.hot_path.read_bytes())
        return target

    def _finish_install(self) -> None:
        ready = self.root / RESTORE_READY
        if not ready.is_dir():
            return
        if not (ready / INSTALL_LIST).exists():
            # The list goes only with the folder, once everything is in place: a restore
            # killed while the folder was being removed has nothing left to move.
            shutil.rmtree(ready)
            return
        names = orjson.loads((ready / INSTALL_LIST).read_bytes())
        for name in sorted(names, key=lambda n: n == HOT_FILE):
            source, target = ready / name, self.root / name
            if source.exists():
                files.ensure_dir(target.parent)
                os.replace(source, target)
        kept = set(names)
        for path in data_files(self.root, backups=True):
            if str(path.relative_to(self.root)) not in kept:
                path.unlink()
        for folder in sorted({(self.root / n).parent for n in names} | {self.root}):
            files.fsync_dir(folder)
        shutil.rmtree(ready)

    def _load(self, *, check: bool = False) -> dict:
        """The hot file's document; with `check`, DataProblem unless its bytes are as written."""
        raw = self._read_hot()
        checksums = None
        if check:
            checksums = hot_file.sound(raw)  # the common case: hashed once, no parse of the whole
            damage = hot_file.damage(raw) if checksums is None else None
            if damage is not None:
                raise DataProblem(
                    _("{path}: {damage}; {hint}").format(
                        path=self.hot_path, damage=damage, hint=self._restore_hint()
                    )
                )
        return self._parse(raw, checksums)

    def _read_hot(self) -> bytes | mmap.mmap:
        try:
            return files.read_mapped(self.hot_path)
        except FileNotFoundError:
            raise self._no_programme() from None
        except OSError as error:
            raise DataProblem(
                _("cannot read {path}: {reason}").format(path=self.hot_path, reason=files.reason(error))
            ) from None

    def _parse(self, raw: bytes | mmap.mmap, checksums: SpanChecksums | None = None) -> dict:
        path = self.hot_path
        try:
            data = hot_file.parse(raw, checksums)
            if "1" not in data.get("meta", {}):
                raise ValueError(_("it is not a loyalty data file"))
        except (orjson.JSONDecodeError, ValueError) as error:
            raise DataProblem(
                _("{path} is damaged ({error}); {hint}").format(
                    path=path, error=error, hint=self._restore_hint()
                )
            ) from None
        schema = data["meta"]["1"].get("schema")
        if not isinstance(schema, int) or schema > SCHEMA_VERSION:
            raise DataProblem(
                _("{path} was written by a newer version of loyalty; upgrade loyalty").format(path=path)
            )
        return data

    def _restore_hint(self) -> str:
        sound = self.newest_sound_backup()
        if sound is not None:
            return _("the newest sound backup is {path}: copy it over the damaged file").format(path=sound)
        return _(
            "no backup in backups/ is sound: restore it from your last `loyalty backup` "
            "with `loyalty restore FILE --yes`"
        )

    def _no_programme(self) -> NoProgramme:
        return NoProgramme(
            _("no loyalty programme in {folder}; create one with `loyalty init`").format(folder=self.root)
        )


def data_files(root: Path, *, backups: bool = False) -> list[Path]:
    """The data files under `root`: the hot file, the data folders, optionally rotating backups."""
    found = [root / HOT_FILE] if (root / HOT_FILE).is_file() else []
    for folder in DATA_FOLDERS:
        found.extend(
            p
            for p in sorted((root / folder).rglob("*"))
            if p.is_file()
            and not any(part.startswith(files.TEMP_PREFIX) for part in p.relative_to(root).parts)
        )
    if backups and (root / BACKUP_DIR).is_dir():
        found.extend(sorted((root / BACKUP_DIR).glob("loyalty-*.json")))
    return found
