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

The hot file records every partition and receipt shard it commits, with its size and
CRC-32 (meta["files"]: {"2026-10-3.json": [size, crc], "receipts/5e.json": [...]}). A
reader checks each file it opens against that record, so a deleted, emptied or changed
file stops the command (exit 3, naming the file) instead of silently leaving entries out
of a statement or letting a receipt earn twice. A file that the intent file names is
being rewritten by a writer (or was, by one that crashed): it is read unchecked, and the
next writer records it anew.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from loyalty_cli import files
from loyalty_cli.errors import DataProblem
from loyalty_cli.language import N_, _
from loyalty_cli.storage.folder import hot_file

LEDGER_DIR = "ledger"
RECEIPTS_DIR = "receipts"
RECEIPTS_PATH = f"{LEDGER_DIR}/{RECEIPTS_DIR}"
_MISSING = N_("{path} is missing; restore the data directory from a backup")
INTENT = ".intent.json"
HOT_FILE = "loyalty.json"
CARD_SHARDS = "0123456789abcdef"


class Partitions:
    """The partition files of one data directory, read on demand and cached.

    Only entries with an id below `limit` (the hot file's next id) are committed. `recorded`
    is the hot file's record of the files (None for data of schema 2 and older, which kept
    none): a recorded file must be there and as recorded, and a file not recorded holds
    nothing committed.
    """

    def __init__(self, root: Path, months: list[str], limit: int, recorded: dict[str, list] | None = None):
        self.dir = root / LEDGER_DIR
        self.months = sorted(months)
        self.limit = limit
        self.recorded = recorded
        self._files: dict[str, dict[str, dict]] = {}
        self._shards: dict[str, dict[str, list]] = {}
        self._rewritten: set[str] | None = None
        # `verify` reads what is there, to name changed entries; it reports the files itself.
        self.checked = True

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
            self._shards[shard] = self._read(f"{RECEIPTS_DIR}/{shard}.json")
        places = self._shards[shard].get(receipt, ())
        # Places written before partitions were split by card name no card.
        return [(p[0], p[1], p[2] if len(p) > 2 else None) for p in places if p[0] < self.limit]

    def _file(self, name: str) -> dict[str, dict]:
        if name not in self._files:
            docs = self._read(f"{name}.json").get("ledger", {})
            self._files[name] = {k: d for k, d in docs.items() if d["id"] < self.limit}
        return self._files[name]

    def shard(self, name: str) -> dict[str, list]:
        """The content of the receipt shard ledger/`name` ("receipts/XX.json"), checked."""
        return self._read(name)

    def _read(self, name: str) -> dict:
        """The content of ledger/`name`, checked against the hot file's record ({} if none)."""
        path = self.dir / name
        if self.recorded is None:
            return read_json(path) if path.exists() else {}
        record = self.recorded.get(name)
        if record is None and name in self._being_rewritten() and path.exists():
            return read_json(path)  # a new file of a move in progress: its entries are also in the hot file
        if record is None or (not self.checked and not path.exists()):
            return {}
        raw = read_bytes(path)
        if self.checked and describe(raw) != record and not rewritten_since(self.dir.parent, name, raw):
            raise changed(path)
        return parse_json(path, raw)

    def _being_rewritten(self) -> set[str]:
        if self._rewritten is None:
            self._rewritten = set(intent_names(self.dir.parent))
        return self._rewritten

    # bulk copy
    def month_docs(self, month: str) -> Iterator[dict]:
        """The committed entries of one month, file by file, checked; not kept (a copy of the
        whole ledger reads each file once)."""
        for shard in CARD_SHARDS:
            name = f"{month}-{shard}"
            docs = self._files[name] if name in self._files else self._read(f"{name}.json").get("ledger", {})
            yield from (doc for doc in docs.values() if doc["id"] < self.limit)


def describe(raw: bytes) -> list[int]:
    """The record of a partition or shard file: [size, CRC-32]."""
    return [len(raw), zlib.crc32(raw)]


def rewritten_since(root: Path, name: str, raw: bytes) -> bool:
    """Whether a writer rewrote ledger/`name` after a reader took its snapshot of the hot file.

    It did if the intent file names it (a write in progress, or one that crashed), or if
    the hot file now on disk records it as it is (a write committed since). Its entries
    are then a superset of the snapshot's, which the reader's limit and its reading each
    id once turn back into the snapshot. Anything else is damage.
    """
    if name in intent_names(root):
        return True
    try:
        meta = hot_file.parse((root / HOT_FILE).read_bytes())["meta"]["1"]
    except (OSError, ValueError, KeyError, TypeError):  # orjson's decode error is a ValueError
        return False
    recorded = meta.get("files") if isinstance(meta, dict) else None
    return isinstance(recorded, dict) and recorded.get(name) == describe(raw)


def changed(path: Path) -> DataProblem:
    """The error for a recorded file whose content is not what was recorded."""
    return DataProblem(
        _(
            "{path} was changed or damaged (it is not as loyalty.json records it); "
            "restore the data directory from a backup"
        ).format(path=path)
    )


def check_files(root: Path, recorded: dict[str, list]) -> Iterator[str]:
    """Problems with the recorded files: missing, changed, or files in ledger/ not recorded."""
    directory = root / LEDGER_DIR
    rewritten = set(intent_names(root))
    for name, record in recorded.items():
        path = directory / name
        try:
            raw = read_bytes(path)
        except DataProblem as problem:
            yield str(problem)
            continue
        if describe(raw) != record and name not in rewritten and not rewritten_since(root, name, raw):
            yield str(changed(path))
    on_disk = [*directory.glob("*.json"), *(directory / RECEIPTS_DIR).glob("*.json")]
    for path in sorted(on_disk):
        name = str(path.relative_to(directory))
        if name not in recorded and name != INTENT and name not in rewritten:
            yield _("{path} is not recorded in loyalty.json (it was not written by loyalty)").format(
                path=path
            )


def records_of(root: Path, names: Iterable[str]) -> dict[str, list]:
    """The records of these files as they are now (files that do not exist are left out)."""
    directory = root / LEDGER_DIR
    found = {}
    for name in names:
        path = directory / name
        if path.exists():
            found[name] = describe(read_bytes(path))
    return found


def existing_files(root: Path, months: Iterable[str]) -> list[str]:
    """The partition files of these months and the receipt shards that exist (for a migration)."""
    directory = root / LEDGER_DIR
    names = [f"{m}-{s}.json" for m in months for s in CARD_SHARDS if (directory / f"{m}-{s}.json").exists()]
    names += [f"{RECEIPTS_DIR}/{p.name}" for p in sorted((directory / RECEIPTS_DIR).glob("??.json"))]
    return names


def move_out(
    root: Path, docs: Iterable[dict], *, intent: bool = False, recorded: dict[str, list] | None = None
) -> tuple[list[str], dict[str, list]]:
    """Write `docs` into their partitions and the receipt shards.

    Returns the months written and the new records of the files written. Idempotent:
    entries already there are merged by id. With `intent`, the files about to be written
    are named in the intent file first (see finish_interrupted). With `recorded`, every
    file merged into is first checked against its record, so that a damaged or changed
    file is never merged into a new one that would then look sound.
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
    names = [f"{m}-{s}.json" for m, s in sorted(by_file)]
    names += [f"{RECEIPTS_DIR}/{s}.json" for s in sorted(receipts)]
    existing = {name: _checked(directory, name, recorded) for name in names}
    files.ensure_dir(directory)
    if intent:
        plan = {"files": sorted(f"{m}-{s}" for m, s in by_file), "receipts": sorted(receipts)}
        files.write_atomic(directory / INTENT, orjson.dumps(plan))
    written: dict[str, list] = {}
    for (month, shard), new in sorted(by_file.items()):
        name = f"{month}-{shard}.json"
        if existing[name] is not None:
            merged = existing[name].get("ledger", {})
            merged.update((str(i), doc) for i, doc in new.items())
            payload = orjson.dumps({"ledger": dict(sorted(merged.items(), key=lambda item: int(item[0])))})
        else:
            payload = orjson.dumps({"ledger": new}, option=orjson.OPT_NON_STR_KEYS)
        files.write_atomic(directory / name, payload, sync_dir=False)
        written[name] = describe(payload)
    if receipts:
        files.ensure_dir(directory / RECEIPTS_DIR)
    for shard, new in sorted(receipts.items()):
        name = f"{RECEIPTS_DIR}/{shard}.json"
        merged = existing[name] if existing[name] is not None else {}
        for receipt, places in new.items():
            known = merged.get(receipt)
            if known is None:
                merged[receipt] = places
            else:
                known.extend(p for p in places if p not in known)
        payload = orjson.dumps(merged)
        files.write_atomic(directory / name, payload, sync_dir=False)
        written[name] = describe(payload)
    # The renames are durable before the hot file, the commit point, is written.
    files.fsync_dir(directory)
    if receipts:
        files.fsync_dir(directory / RECEIPTS_DIR)
    return sorted({month for month, _shard in by_file}), written


def _checked(directory: Path, name: str, recorded: dict[str, list] | None) -> dict | None:
    """The content of ledger/`name`, about to be merged into (None if there is none), checked."""
    path = directory / name
    record = None if recorded is None else recorded.get(name)
    if not path.exists():
        if record is not None:
            raise DataProblem(_(_MISSING).format(path=path))
        return None
    raw = read_bytes(path)
    if recorded is not None and describe(raw) != record:
        raise changed(path)
    return parse_json(path, raw)


def committed(root: Path) -> None:
    """The hot file has committed what the intent file names: forget the intent."""
    (root / LEDGER_DIR / INTENT).unlink(missing_ok=True)


def interrupted(root: Path) -> bool:
    """Whether a writer died after writing partitions and before committing the hot file."""
    return (root / LEDGER_DIR / INTENT).exists()


def intent_names(root: Path) -> list[str]:
    """The files (names under ledger/) the intent file says a writer is rewriting; [] if none."""
    intent_path = root / LEDGER_DIR / INTENT
    if not intent_path.exists():
        return []
    intent = read_json(intent_path)
    names = intent.get("files", intent.get("months", []))  # "months": the layout of schema 1
    shards = intent.get("receipts", intent.get("shards", []))
    return [f"{n}.json" for n in names] + [f"{RECEIPTS_DIR}/{s}.json" for s in shards]


def finish_interrupted(root: Path, next_id: int) -> list[str]:
    """Remove entries a crashed writer put in partitions but never committed (under the lock).

    Returns the files the intent named (names under ledger/): their records are the
    caller's to renew before it removes the intent file (`committed`).
    """
    intent_path = root / LEDGER_DIR / INTENT
    if not intent_path.exists():
        return []
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
    return intent_names(root)


def shard_of(receipt: str) -> str:
    """The receipt shard name: two hex digits of the receipt's SHA-1."""
    import hashlib  # here: loading OpenSSL costs a command that never shards (member show) 3 ms

    return hashlib.sha1(receipt.encode("utf-8")).hexdigest()[:2]


def card_shard(card: str) -> str:
    """The card's shard of a month: one hex digit of the card's SHA-1."""
    import hashlib

    return hashlib.sha1(card.encode("utf-8")).hexdigest()[0]


def read_json(path: Path) -> dict:
    """A partition file's content; a missing or damaged file is a DataProblem."""
    return parse_json(path, read_bytes(path))


def read_bytes(path: Path) -> bytes:
    """A partition file's bytes; a missing or unreadable file is a DataProblem."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataProblem(_(_MISSING).format(path=path)) from None
    except OSError as error:
        raise DataProblem(
            _("cannot read {path}: {reason}").format(path=path, reason=files.reason(error))
        ) from None


def parse_json(path: Path, raw: bytes) -> dict:
    """A partition file's content from its bytes; DataProblem if they are not a JSON object."""
    try:
        content = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise DataProblem(
            _("{path} is damaged ({error}); restore it from a backup").format(path=path, error=error)
        ) from None
    if not isinstance(content, dict):
        raise DataProblem(
            _("{path} is damaged (not a JSON object); restore it from a backup").format(path=path)
        )
    return content
