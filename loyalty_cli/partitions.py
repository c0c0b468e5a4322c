"""Ledger partitions: the ledger's history in files by month and by card, beside the hot file.

    DIR/ledger/YYYY-MM-X.json      the entries whose `at` (UTC) falls in month YYYY-MM and
                                   whose card falls in shard X (the first hex digit of the
                                   card's SHA-1): {"ledger": {id: entry}}, in id order
    DIR/ledger/receipts/XX.json    receipt -> [[entry id, month, card], ...] for partitioned
                                   entries, sharded by the first byte of the receipt's hash
    DIR/ledger/.intent.json        only while a commit writes entries the hot file has not
                                   committed yet

A month is split by card so that one member's history (a statement, `member show --as-of`,
the purchase behind a refund) costs one small file per month, not the whole month; readers
of whole months (verify, exports, draws, statements for everyone) read its sixteen files.

The hot file keeps only today's entries (UTC). Entries reach a partition in two ways, both
crash-safe:

- Moving out: at the first write of a new day, committed entries of earlier days are
  written to their partitions (atomically, merging by entry id, so repeating the move
  changes nothing), then the hot file is rewritten without them. A crash in between leaves
  entries in both places; readers take each entry id once; the next write finishes the move.
- Written through: new entries dated before today (an import of history, a backdated
  purchase) go straight to their partitions just before the hot file commits, so a large
  import never bloats the hot file. The hot file's `next_id` is the commit mark: readers
  ignore partition entries with an id at or above it, and the intent file names the files
  written, so that after a crash the next writer removes what the hot file never committed
  before it hands out those ids again.

Everyday commands read no partition: a purchase reads one small receipt shard to refuse a
receipt recorded in any month of history.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from . import files
from .errors import DataProblem

LEDGER_DIR = "ledger"
RECEIPTS_DIR = "receipts"
RECEIPTS_PATH = f"{LEDGER_DIR}/{RECEIPTS_DIR}"
INTENT = ".intent.json"
CARD_SHARDS = "0123456789abcdef"


class Partitions:
    """The partition files of one data directory, read on demand and cached.

    Only entries with an id below `limit` (the hot file's next id) are committed.
    """

    def __init__(self, root: Path, months: list[str], limit: int):
        self.dir = root / LEDGER_DIR
        self.months = sorted(months)
        self.limit = limit
        self._files: dict[str, dict[str, dict]] = {}
        self._shards: dict[str, dict[str, list]] = {}

    def overlapping(self, since: str | None, until: str | None) -> list[str]:
        """The partitioned months that may hold entries with since <= at <= until."""
        first = since[:7] if since else "0000-00"
        last = until[:7] if until else "9999-99"
        return [m for m in self.months if first <= m <= last]

    def docs(self, month: str, card: str | None = None) -> Iterator[dict]:
        """The committed entries of one month (of one card's shard, if `card`), as stored."""
        shards = (card_shard(card),) if card is not None else CARD_SHARDS
        for shard in shards:
            yield from self._file(f"{month}-{shard}").values()

    def entry(self, month: str, card: str | None, entry_id: int) -> dict | None:
        """One committed entry, found through its month and card (any card if None)."""
        shards = (card_shard(card),) if card is not None else CARD_SHARDS
        for shard in shards:
            doc = self._file(f"{month}-{shard}").get(str(entry_id))
            if doc is not None:
                return doc
        return None

    def receipt_places(self, receipt: str) -> list[tuple[int, str, str | None]]:
        """(entry id, month, card) of the partitioned entries recorded under `receipt`."""
        if not self.months:
            return []
        shard = shard_of(receipt)
        if shard not in self._shards:
            path = self.dir / RECEIPTS_DIR / f"{shard}.json"
            self._shards[shard] = read_json(path) if path.exists() else {}
        places = self._shards[shard].get(receipt, ())
        # Places written before partitions were split by card name no card.
        return [(p[0], p[1], p[2] if len(p) > 2 else None) for p in places if p[0] < self.limit]

    def _file(self, name: str) -> dict[str, dict]:
        if name not in self._files:
            path = self.dir / f"{name}.json"
            docs = read_json(path).get("ledger", {}) if path.exists() else {}
            self._files[name] = {k: d for k, d in docs.items() if d["id"] < self.limit}
        return self._files[name]


def move_out(root: Path, docs: Iterable[dict], *, uncommitted: bool = False) -> list[str]:
    """Write `docs` into their partitions and the receipt shards; returns the months written.

    Idempotent: entries already there are merged by id. With `uncommitted`, the files about
    to be written are named in the intent file first (see finish_interrupted).
    """
    by_file: dict[tuple[str, str], dict[int, dict]] = defaultdict(dict)
    receipts: dict[str, dict[str, list]] = defaultdict(dict)
    shards: dict[str, str] = {}
    for doc in docs:  # an import moves every entry it made: kept lean
        month, card, receipt = doc["at"][:7], doc["card"], doc.get("receipt")
        shard = shards.get(card)
        if shard is None:
            shard = shards[card] = card_shard(card)
        by_file[month, shard][doc["id"]] = doc
        if receipt is not None:
            receipts[shard_of(receipt)].setdefault(receipt, []).append([doc["id"], month, card])
    directory = root / LEDGER_DIR
    files.ensure_dir(directory)
    if uncommitted:
        intent = {"files": sorted(f"{m}-{s}" for m, s in by_file), "receipts": sorted(receipts)}
        files.write_atomic(directory / INTENT, orjson.dumps(intent))
    for (month, shard), new in sorted(by_file.items()):
        path = directory / f"{month}-{shard}.json"
        if path.exists():
            merged = read_json(path).get("ledger", {})
            merged.update((str(i), doc) for i, doc in new.items())
            payload = orjson.dumps({"ledger": dict(sorted(merged.items(), key=lambda item: int(item[0])))})
        else:
            payload = orjson.dumps({"ledger": new}, option=orjson.OPT_NON_STR_KEYS)
        files.write_atomic(path, payload, sync_dir=False)
    if receipts:
        files.ensure_dir(directory / RECEIPTS_DIR)
    for shard, new in sorted(receipts.items()):
        path = directory / RECEIPTS_DIR / f"{shard}.json"
        merged = read_json(path) if path.exists() else {}
        for receipt, places in new.items():
            known = merged.get(receipt)
            if known is None:
                merged[receipt] = places
            else:
                known.extend(p for p in places if p not in known)
        files.write_atomic(path, orjson.dumps(merged), sync_dir=False)
    # The renames are durable before the hot file, the commit point, is written.
    files.fsync_dir(directory)
    if receipts:
        files.fsync_dir(directory / RECEIPTS_DIR)
    return sorted({month for month, _shard in by_file})


def committed(root: Path) -> None:
    """The hot file has committed what the intent file names: forget the intent."""
    (root / LEDGER_DIR / INTENT).unlink(missing_ok=True)


def interrupted(root: Path) -> bool:
    """Whether a writer died after writing partitions and before committing the hot file."""
    return (root / LEDGER_DIR / INTENT).exists()


def finish_interrupted(root: Path, next_id: int) -> None:
    """Remove entries a crashed writer put in partitions but never committed (under the lock)."""
    intent_path = root / LEDGER_DIR / INTENT
    if not intent_path.exists():
        return
    intent = read_json(intent_path)
    directory = root / LEDGER_DIR
    names = intent.get("files", intent.get("months", []))  # "months": the layout of schema 1
    for name in names:
        path = directory / f"{name}.json"
        if path.exists():
            docs = read_json(path).get("ledger", {})
            kept = {k: d for k, d in docs.items() if d["id"] < next_id}
            if len(kept) != len(docs):
                files.write_atomic(path, orjson.dumps({"ledger": kept}))
    for shard in intent.get("receipts", intent.get("shards", [])):
        path = directory / RECEIPTS_DIR / f"{shard}.json"
        if path.exists():
            index = read_json(path)
            kept = {r: [p for p in ps if p[0] < next_id] for r, ps in index.items()}
            kept = {r: ps for r, ps in kept.items() if ps}
            if kept != index:
                files.write_atomic(path, orjson.dumps(kept))
    intent_path.unlink()


def shard_of(receipt: str) -> str:
    """The receipt shard name: two hex digits of the receipt's SHA-1."""
    return hashlib.sha1(receipt.encode("utf-8")).hexdigest()[:2]


def card_shard(card: str) -> str:
    """The card's shard of a month: one hex digit of the card's SHA-1."""
    return hashlib.sha1(card.encode("utf-8")).hexdigest()[0]


def read_json(path: Path) -> dict:
    """A partition file's content; a missing or damaged file is a DataProblem."""
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise DataProblem(f"{path} is missing; restore the data directory from a backup") from None
    except orjson.JSONDecodeError as error:
        raise DataProblem(f"{path} is damaged ({error}); restore it from a backup") from None
    except OSError as error:
        raise DataProblem(f"cannot read {path}: {error.strerror}") from None
