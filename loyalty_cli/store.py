"""The data directory: one locked transaction per command, one read, one durable write.

Layout of DIR:
  loyalty.json     the hot file: programme, members, draws, meta and recent ledger entries
  ledger/          immutable partitions of older ledger months (YYYY-MM.json)
  backups/         the previous versions of loyalty.json, the newest ten
  .lock            the inter-process lock
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from . import files, partitions
from .clock import UTC, Clock, add_months
from .errors import DataProblem, Refused
from .lock import DirectoryLock
from .shop import SCHEMA_VERSION, Shop, new_data

HOT_FILE = "loyalty.json"
BACKUP_DIR = "backups"
BACKUPS_KEPT = 10


class NoProgramme(Refused):
    """The data directory holds no programme yet."""


class Store:
    """A data directory. `read()` for a snapshot, `transaction()` to change it."""

    def __init__(self, root: Path | str, wait: float = 10.0, clock: Clock | None = None):
        self.root = Path(root)
        self.wait = wait
        # With a clock, write transactions move months older than the previous one out of
        # the hot file into ledger partitions.
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

    def read(self) -> Shop:
        """A consistent read-only snapshot; takes no lock (writers replace files atomically)."""
        return Shop(self._load(), writable=False, root=self.root)

    @contextmanager
    def transaction(self, *, create: bool = False, dry_run: bool = False) -> Iterator[Shop]:
        """Lock, load, let the caller change the shop, then write it once.

        If the block raises, nothing is written; nor with `dry_run`. `create` allows an
        empty directory.
        """
        if not create and not self.exists():
            raise self._no_programme()
        files.ensure_dir(self.root)
        with DirectoryLock(self.root, self.wait):
            files.remove_stale_temps(self.root)
            data = self._load() if self.exists() else new_data()
            shop = Shop(data, writable=True, root=self.root)
            if not dry_run:
                self._roll_over(shop)
            yield shop
            if shop.changed and not dry_run:
                self._commit(shop.to_bytes())
                self._roll_over(shop)

    def backups(self) -> list[Path]:
        """The rotating backups of the hot file, newest last."""
        if not self.backup_dir.is_dir():
            return []
        return sorted(self.backup_dir.glob("loyalty-*.json"))

    def _roll_over(self, shop: Shop) -> None:
        """Move committed entries of months before the previous one into partitions."""
        if self.clock is None:
            return
        keep_from = add_months(self.clock.now.astimezone(UTC).strftime("%Y-%m"), -1)
        old = shop.ledger.hot_before(keep_from)
        if not old:
            return
        try:
            months = partitions.move_out(self.root, old)
        except OSError as error:
            raise DataProblem(
                f"could not write the ledger partitions in {self.root}: {error.strerror or error}; "
                "the data is intact and the move will be retried"
            ) from None
        shop.ledger.forget_moved(old, months)
        self._commit(shop.to_bytes())

    def _commit(self, data: bytes) -> None:
        try:
            if self.hot_path.exists():
                self._keep_backup()
            files.write_atomic(self.hot_path, data)
        except OSError as error:
            raise DataProblem(
                f"could not write {self.hot_path}: {error.strerror or error}; nothing was changed"
            ) from None

    def _keep_backup(self) -> None:
        # A hard link keeps the previous version for free: the new file gets a new inode.
        files.ensure_dir(self.backup_dir)
        target = self.backup_dir / f"loyalty-{time.time_ns():020d}.json"
        os.link(self.hot_path, target)
        for old in self.backups()[:-BACKUPS_KEPT]:
            old.unlink()

    def _load(self) -> dict:
        path = self.hot_path
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise self._no_programme() from None
        except OSError as error:
            raise DataProblem(f"cannot read {path}: {error.strerror}") from None
        try:
            data = orjson.loads(raw)
            if not isinstance(data, dict) or "1" not in data.get("meta", {}):
                raise ValueError("it is not a loyalty data file")
        except (orjson.JSONDecodeError, ValueError) as error:
            raise DataProblem(f"{path} is damaged ({error}); {self._restore_hint()}") from None
        schema = data["meta"]["1"].get("schema")
        if not isinstance(schema, int) or schema > SCHEMA_VERSION:
            raise DataProblem(f"{path} was written by a newer version of loyalty; upgrade loyalty")
        return data

    def _restore_hint(self) -> str:
        backups = self.backups()
        if backups:
            return f"the previous version is {backups[-1]}: copy it over the damaged file"
        return "restore it from your last `loyalty backup` with `loyalty restore FILE --yes`"

    def _no_programme(self) -> NoProgramme:
        return NoProgramme(f"no loyalty programme in {self.root}; create one with `loyalty init`")
