"""Ledger partitions: older months of the ledger in immutable files beside the hot file.

    DIR/ledger/YYYY-MM.json        the entries whose `at` (UTC) falls in that month
    DIR/ledger/receipts/XX.json    receipt -> [[entry id, month], ...] for partitioned
                                   entries, sharded by the first byte of the receipt's hash

The hot file keeps the current and the previous month. Entries reach a partition in two
ways, both crash-safe:

- Moving out: at the first write of a new month, committed entries of older months are
  written to their partitions (atomically, merging by entry id, so repeating the move
  changes nothing), then the hot file is rewritten without them. A crash in between leaves
  entries in both places; readers take each entry id once; the next write finishes the move.
- Written through: new entries dated in older months (an import of history, a backdated
  purchase) go straight to their partitions just before the hot file commits, so a large
  import never bloats the hot file. The hot file's `next_id` is the commit mark: readers
  ignore partition entries with an id at or above it, and an intent file names the files
  written, so that after a crash the next writer removes what the hot file never committed
  before it hands out those ids again.

Everyday commands read no partition: a purchase reads one small receipt shard.
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


INTENT = ".intent.json"


class Partitions:
    """The partition files of one data directory, read on demand and cached.

    Only entries with an id below `limit` (the hot file's next id) are committed.
    """

    def __init__(self, root: Path, months: list[str], limit: int):
        self.dir = root / LEDGER_DIR
        self.months = sorted(months)
        self.limit = limit
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
            docs = _read(self.dir / f"{month}.json").get("ledger", {})
            self._docs[month] = {k: d for k, d in docs.items() if d["id"] < self.limit}
        return self._docs[month]

    def receipt_ids(self, receipt: str) -> list[tuple[int, str]]:
        """(entry id, month) of partitioned entries recorded under `receipt`."""
        if not self.months:
            return []
        shard = shard_of(receipt)
        if shard not in self._shards:
            path = self.dir / RECEIPTS_DIR / f"{shard}.json"
            self._shards[shard] = _read(path) if path.exists() else {}
        return [(int(i), m) for i, m in self._shards[shard].get(receipt, []) if i < self.limit]


def move_out(root: Path, docs: list[dict], *, uncommitted: bool = False) -> list[str]:
    """Write `docs` into their month partitions and the receipt shards.

    Idempotent: entries already there are merged by id. With `uncommitted`, the files about
    to be written are named in the intent file first (see finish_interrupted). Returns the
    months written.
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
    if uncommitted:
        intent = {"months": sorted(by_month), "shards": sorted(receipts)}
        files.write_atomic(directory / INTENT, orjson.dumps(intent))
    for month, new in sorted(by_month.items()):
        path = directory / f"{month}.json"
        if path.exists():
            merged = _read(path).get("ledger", {})
            merged.update(new)
            new = dict(sorted(merged.items(), key=lambda item: int(item[0])))
        files.write_atomic(path, orjson.dumps({"ledger": new}))
    if receipts:
        files.ensure_dir(directory / RECEIPTS_DIR)
    for shard, new in sorted(receipts.items()):
        path = directory / RECEIPTS_DIR / f"{shard}.json"
        merged = _read(path) if path.exists() else {}
        for receipt, places in new.items():
            known = merged.get(receipt)
            if known is None:
                merged[receipt] = places
            else:
                known.extend(p for p in places if p not in known)
        files.write_atomic(path, orjson.dumps(merged))
    return sorted(by_month)


def committed(root: Path) -> None:
    """The hot file has committed what the intent file names: forget the intent."""
    (root / LEDGER_DIR / INTENT).unlink(missing_ok=True)


def finish_interrupted(root: Path, next_id: int) -> None:
    """Remove entries a crashed writer put in partitions but never committed (under the lock)."""
    intent_path = root / LEDGER_DIR / INTENT
    if not intent_path.exists():
        return
    intent = _read(intent_path)
    directory = root / LEDGER_DIR
    for month in intent["months"]:
        path = directory / f"{month}.json"
        if path.exists():
            docs = _read(path).get("ledger", {})
            kept = {k: d for k, d in docs.items() if d["id"] < next_id}
            if len(kept) != len(docs):
                files.write_atomic(path, orjson.dumps({"ledger": kept}))
    for shard in intent["shards"]:
        path = directory / RECEIPTS_DIR / f"{shard}.json"
        if path.exists():
            index = _read(path)
            kept = {r: [p for p in ps if p[0] < next_id] for r, ps in index.items()}
            kept = {r: ps for r, ps in kept.items() if ps}
            if kept != index:
                files.write_atomic(path, orjson.dumps(kept))
    intent_path.unlink()


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
