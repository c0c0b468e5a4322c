"""Ledger partitions: older months of the ledger in immutable files beside the hot file.

    DIR/ledger/YYYY-MM.json        the entries whose `at` (UTC) falls in that month
    DIR/ledger/receipts/XX.json    receipt -> [[entry id, month], ...] for partitioned
                                   entries, sharded by the first byte of the receipt's hash

The hot file keeps the current and the previous month. After a write transaction has
committed, entries of older months move out: their partition and the receipt shards are
written first (atomically, merging by entry id, so repeating the move changes nothing),
then the hot file is rewritten without them. A crash in between leaves entries in both
places; readers take each entry id once, and the next write finishes the move. Only
committed entries are ever moved, so a partition never holds an entry the hot file did not
commit. Everyday commands read no partition: a purchase reads one small receipt shard.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import orjson

from . import files
from .errors import DataProblem

LEDGER_DIR = "ledger"
RECEIPTS_DIR = "receipts"
RECEIPTS_PATH = f"{LEDGER_DIR}/{RECEIPTS_DIR}"


class Partitions:
    """The partition files of one data directory, read on demand and cached."""

    def __init__(self, root: Path, months: list[str]):
        self.dir = root / LEDGER_DIR
        self.months = sorted(months)
        self._docs: dict[str, dict[str, dict]] = {}
        self._shards: dict[str, dict[str, list]] = {}

    def overlapping(self, since: str | None, until: str | None) -> list[str]:
        """The partitioned months that may hold entries with since <= at <= until."""
        first = since[:7] if since else "0000-00"
        last = until[:7] if until else "9999-99"
        return [m for m in self.months if first <= m <= last]

    def docs(self, month: str) -> dict[str, dict]:
        """The entries of one month, by id (as stored: string keys)."""
        if month not in self._docs:
            self._docs[month] = _read(self.dir / f"{month}.json").get("ledger", {})
        return self._docs[month]

    def receipt_ids(self, receipt: str) -> list[tuple[int, str]]:
        """(entry id, month) of partitioned entries recorded under `receipt`."""
        if not self.months:
            return []
        shard = shard_of(receipt)
        if shard not in self._shards:
            path = self.dir / RECEIPTS_DIR / f"{shard}.json"
            self._shards[shard] = _read(path) if path.exists() else {}
        return [(int(i), m) for i, m in self._shards[shard].get(receipt, [])]


def move_out(root: Path, docs: list[dict]) -> list[str]:
    """Write `docs` (committed entries) into their month partitions and the receipt shards.

    Idempotent: entries already there are merged by id. Returns the months written.
    """
    by_month: dict[str, dict[str, dict]] = defaultdict(dict)
    receipts: dict[str, dict[str, list]] = defaultdict(dict)
    for doc in docs:
        month = doc["at"][:7]
        by_month[month][str(doc["id"])] = doc
        if doc.get("receipt") is not None:
            receipts[shard_of(doc["receipt"])].setdefault(doc["receipt"], []).append([doc["id"], month])
    directory = root / LEDGER_DIR
    files.ensure_dir(directory)
    for month, new in sorted(by_month.items()):
        path = directory / f"{month}.json"
        merged = _read(path).get("ledger", {}) if path.exists() else {}
        merged.update(new)
        ordered = dict(sorted(merged.items(), key=lambda item: int(item[0])))
        files.write_atomic(path, orjson.dumps({"ledger": ordered}))
    if receipts:
        files.ensure_dir(directory / RECEIPTS_DIR)
    for shard, new in sorted(receipts.items()):
        path = directory / RECEIPTS_DIR / f"{shard}.json"
        merged = _read(path) if path.exists() else {}
        for receipt, places in new.items():
            known = merged.setdefault(receipt, [])
            known.extend(p for p in places if p not in known)
        files.write_atomic(path, orjson.dumps(merged))
    return sorted(by_month)


def shard_of(receipt: str) -> str:
    """The receipt shard name: two hex digits of the receipt's SHA-1."""
    return hashlib.sha1(receipt.encode("utf-8")).hexdigest()[:2]


def _read(path: Path) -> dict:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise DataProblem(f"{path} is missing; restore the data directory from a backup") from None
    except orjson.JSONDecodeError as error:
        raise DataProblem(f"{path} is damaged ({error}); restore it from a backup") from None
    except OSError as error:
        raise DataProblem(f"cannot read {path}: {error.strerror}") from None
