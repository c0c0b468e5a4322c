"""A shop's data inside one transaction: programme, members and ledger, over TinyDB.

TinyDB rewrites its whole table on every operation, so the repositories here buffer
changes and hand them to TinyDB in one batch per table when the transaction commits;
reads see the buffered changes at once. TinyDB's document ids stay internal: members
are found by card (or phone), entries by their ledger id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from loyalty_cli import ledger as ledger_mod
from loyalty_cli.errors import UnknownMember
from loyalty_cli.language import _
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.program import Programme
from loyalty_cli.storage.folder import hot_file, journals, member_rows
from loyalty_cli.storage.folder.partitions import Partitions

if TYPE_CHECKING:
    from loyalty_cli.storage.folder.file_checks import FolderChecks

# enrolled_between() searches the member rows' bytes for periods of up to this many days.
DAYS_SEARCHED = 7
# 2: members stored as rows, partitions split by card, the hot file keeps only today.
# 3: spend by day (the tier window is exact to the day), with a record of tier changes.
# 4: the hot file carries its checksum; meta["files"] records every partition and receipt shard.
# 6: entries may carry a purchase's bill; `confirm` entries; pending lots.
# 7: rewards, membership plans and partners; entries may name a reward, plan or partner.
SCHEMA_VERSION = 7
META_ID = 1
# A copy of a ledger (moving.py) reports its progress every so many entries.
PROGRESS_EVERY = 10_000


def new_data() -> dict:
    """The content of an empty data file."""
    meta = {
        "schema": SCHEMA_VERSION,
        "next_id": 1,
        "last_hash": ledger_mod.GENESIS,
        "partitions": [],
        "files": {},
    }
    return {
        "meta": {str(META_ID): meta},
        "program": {},
        "members": [],
        "draws": {},
        "rewards": {},
        "plans": {},
        "partners": {},
        "ledger": {},
    }


class SnapshotStorage(Storage):
    """TinyDB storage over a dict already read from disk; the Store writes it at commit."""

    def __init__(self, data: dict):
        self.data = data

    def read(self) -> dict:
        return self.data

    def write(self, data: dict) -> None:
        self.data = data


class Shop:
    """The unit of work: what a command reads and changes."""

    def __init__(self, data: dict, *, writable: bool, root: Path):
        self.root = root
        self.writable = writable
        self._db = TinyDB(storage=SnapshotStorage, data=data)
        self._storage: SnapshotStorage = self._db.storage
        self.meta: dict = data["meta"][str(META_ID)]
        self.members = Members(self)
        self.ledger = Ledger(self._db.table("ledger"), self)
        self.draws = Records(self._db.table("draws"), self, key="name")
        # The rewards catalogue, paid membership plans and partner shops, by name.
        self.rewards = Records(self._db.table("rewards"), self, key="name")
        self.plans = Records(self._db.table("plans"), self, key="name")
        self.partners = Records(self._db.table("partners"), self, key="name")
        # The mail outbox and the survey answers: journals beside the hot file (journals.py).
        self.outbox = journals.Outbox(root, self)
        self.answers = journals.Answers(root, self)
        self._program_changed = False
        self._meta_changed = False
        self._programme: Programme | None = None

    @property
    def changed(self) -> bool:
        """Whether the transaction has anything to write."""
        return self.hot_changed or self.outbox.dirty or self.answers.dirty

    @property
    def hot_changed(self) -> bool:
        """Whether the transaction changed what the hot file holds (not only the journals)."""
        return any(
            (
                self._program_changed,
                self._meta_changed,
                self.members.dirty,
                self.ledger.dirty,
                self.draws.dirty,
                self.rewards.dirty,
                self.plans.dirty,
                self.partners.dirty,
            )
        )

    def has_programme(self) -> bool:
        return bool(self._storage.data.get("program"))

    def programme(self) -> Programme:
        """The programme's settings."""
        if self._programme is None:
            self._programme = Programme(dict(self._storage.data["program"][str(META_ID)]))
        return self._programme

    def save_settings(self, settings: dict) -> None:
        """Replace the programme's settings."""
        self._check_writable()
        table = self._db.table("program")
        if table.contains(doc_id=META_ID):
            table.update(settings, doc_ids=[META_ID])
        else:
            table.insert(Document(settings, doc_id=META_ID))
        self._program_changed = True
        self._programme = None

    def touch_meta(self) -> None:
        """Mark meta as changed (the ledger's counters, job dates)."""
        self._check_writable()
        self._meta_changed = True

    def to_pieces(self) -> list[bytes | memoryview]:
        """Flush every buffered change into TinyDB and serialise the whole file, in pieces
        to write one after another (hot_file.pieces): the unchanged rows are not copied."""
        self.members.flush()
        for records in (self.draws, self.rewards, self.plans, self.partners):
            records.flush()
        self.ledger.flush()
        self._db.table("meta").update(dict(self.meta), doc_ids=[META_ID])
        return hot_file.pieces(self._storage.data)

    def write_journals(self) -> None:
        """Append the outbox's and the answers' new lines (after the hot file's commit)."""
        self.outbox.write()
        self.answers.write()

    def file_checks(self) -> FolderChecks:
        """`verify`'s checks of the data folder's own files (folder_checks.py)."""
        from loyalty_cli.storage.folder.file_checks import FolderChecks

        return FolderChecks(self)

    def _check_writable(self) -> None:
        if not self.writable:
            raise RuntimeError("this command opened the store read-only")


class Members:
    """Member documents by card, with an identity map.

    The hot file stores each member as a compact row (see member_rows.py), and a command
    parses only the rows it asks for. Within one transaction get() unpacks a member into
    one working copy, so every part of a command sees the same document; put() marks it
    changed, and flush() packs the changed ones back.
    """

    def __init__(self, shop: Shop):
        self._shop = shop
        self._unpacked: dict[str, dict] = {}
        self._working: dict[str, dict] = {}
        self._phones: dict[str, str] | None = None
        self._phone_of: dict[str, str] = {}
        self._phone_lookups = 0
        self._changed: set[str] = set()
        self._added: dict[str, None] = {}
        self._renamed: dict[str, str] = {}  # new card -> the card its stored row is under

    @property
    def dirty(self) -> bool:
        return bool(self._changed or self._added)

    def _stored(self) -> member_rows.StoredRows:
        data = self._shop._storage.data
        stored = data.get("members")
        if not isinstance(stored, member_rows.StoredRows):
            rows = stored or []
            stored = data["members"] = member_rows.StoredRows.of(
                rows.values() if isinstance(rows, dict) else rows
            )
        return stored

    def _phone_index(self) -> dict[str, str]:
        if self._phones is None:
            self._phone_of = {
                card: phone
                for card, row in self._stored().rows().items()
                if (phone := member_rows.phone_of(row))
            }
            for card in self._renamed.values():
                self._phone_of.pop(card, None)
            for card, doc in self._working.items():
                self._phone_of.pop(card, None)
                if doc.get("phone"):
                    self._phone_of[card] = doc["phone"]
            self._phones = {phone: card for card, phone in self._phone_of.items()}
        return self._phones

    def __len__(self) -> int:
        return len(self._stored()) + len(self._added)

    def __contains__(self, card: str) -> bool:
        if card in self._working:
            return True
        return card not in self._renamed.values() and self._stored().find(card) is not None

    def get(self, card: str) -> dict | None:
        """The working copy of the member with this exact card, or None."""
        doc = self._working.get(card)
        if doc is None:
            if card in self._renamed.values():
                return None
            row = self._stored().find(card)
            if row is None:
                return None
            doc = self._working[card] = member_rows.from_row(row)
        return doc

    def by_phone(self, phone: str) -> dict | None:
        """The member with this E.164 phone, or None.

        The first few lookups search the stored rows' bytes; more (an import) index every
        phone once.
        """
        self._phone_lookups += 1
        if self._phones is None and self._phone_lookups > member_rows.StoredRows.LOOKUPS_BEFORE_INDEX:
            self._phone_index()
        if self._phones is not None:
            card = self._phones.get(phone)
            return self.get(card) if card else None
        for doc in self._working.values():  # changed in this transaction
            if doc.get("phone") == phone:
                return doc
        card = self._stored().card_with_phone(phone)
        if card is None or card in self._working:
            return None
        return self.get(card)

    def require(self, card: str) -> dict:
        """The member with this card, or UnknownMember."""
        doc = self.get(card)
        if doc is None:
            raise UnknownMember(_("no member with card {card}").format(card=card))
        return doc

    def all(self) -> Iterator[dict]:
        """Every member document (the latest version; do not change them), in enrolment order."""
        working, unpacked = self._working, self._unpacked
        now_under = {stored: card for card, stored in self._renamed.items()}
        for card, row in self._stored().rows().items():
            doc = working.get(now_under.get(card, card)) or unpacked.get(card)
            if doc is None:
                doc = unpacked[card] = member_rows.from_row(row)
            yield doc
        for card in self._added:
            yield working[card]

    def enrolled_between(self, since: str, until: str) -> Iterator[dict]:
        """Members with since <= enrolled_at <= until (stored-form moments, UTC); only they
        are unpacked. For a few days the stored rows are searched for the days' dates."""
        first, last = date.fromisoformat(since[:10]), date.fromisoformat(until[:10])
        if (last - first).days <= DAYS_SEARCHED:
            days = [(first + timedelta(days=n)).isoformat() + "T" for n in range((last - first).days + 1)]
            rows = self._stored().rows_mentioning(days)
        else:
            rows = self._stored().rows().values()
        for row in rows:
            enrolled, card = member_rows.enrolled_at_of(row), member_rows.card_of(row)
            if isinstance(enrolled, str) and since <= enrolled <= until and card not in self._added:
                yield self._working.get(card) or member_rows.from_row(row)
        for card in self._added:
            if since <= self._working[card]["enrolled_at"] <= until:
                yield self._working[card]

    def stored_rows(self) -> Iterator:
        """Every member as a stored row (see member_rows.py), in enrolment order, none unpacked
        but those changed in this transaction."""
        working = self._working
        now_under = {stored: card for card, stored in self._renamed.items()}
        for card, row in self._stored().rows().items():
            card = now_under.get(card, card)
            yield member_rows.to_row(working[card]) if card in working else row
        for card in self._added:
            yield member_rows.to_row(working[card])

    def add(self, doc: dict) -> None:
        """A new member (the caller has checked the card and phone are free)."""
        self._shop._check_writable()
        card = doc["card"]
        self._working[card] = doc
        self._added[card] = None
        if self._phones is not None:
            self._index_phone(card, doc.get("phone"))

    def put(self, doc: dict) -> None:
        """Mark a member (a document from get()) as changed."""
        self._shop._check_writable()
        card = doc["card"]
        self._working[card] = doc
        if card not in self._added:
            self._changed.add(card)
        if self._phones is not None and self._phone_of.get(card) != doc.get("phone"):
            self._index_phone(card, doc.get("phone"))

    def rename(self, doc: dict, card: str) -> None:
        """Give a member (a document from get()) a new card; their row keeps its place."""
        self._shop._check_writable()
        old = doc["card"]
        del self._working[old]
        doc["card"] = card
        self._working[card] = doc
        if old in self._added:
            self._added = {(card if c == old else c): None for c in self._added}
        else:
            self._changed.discard(old)
            self._changed.add(card)
            self._renamed[card] = self._renamed.pop(old, old)
        if self._phones is not None:
            self._index_phone(old, None)
            self._index_phone(card, doc.get("phone"))

    def cards_referred_by(self, card: str) -> list[str]:
        """Cards of the members whose referrer is `card` (read from the rows, none unpacked)."""
        found = [c for c, row in self._stored().rows().items() if member_rows.referrer_of(row) == card]
        found = [c for c in found if c not in self._working and c not in self._renamed.values()]
        found += [c for c, doc in self._working.items() if doc.get("referred_by") == card]
        return found

    def repack(self) -> None:
        """Mark every member changed, so that flush() writes every row anew (a migration)."""
        for card in list(self._stored().rows()):
            self.put(self.get(card))

    def _index_phone(self, card: str, phone: str | None) -> None:
        phones = self._phone_index()
        old = self._phone_of.pop(card, None)
        if old is not None and phones.get(old) == card:
            del phones[old]
        if phone:
            phones[phone] = card
            self._phone_of[card] = phone

    def flush(self) -> None:
        """Pack the changed members into rows; the others keep the bytes they had."""
        if not self.dirty:
            return
        working = self._working
        renamed = self._renamed
        changed = {renamed.get(card, card): member_rows.to_row(working[card]) for card in self._changed}
        added = [member_rows.to_row(working[card]) for card in self._added]
        self._shop._storage.data["members"] = self._stored().with_changes(changed, added)
        self._changed, self._added, self._renamed = set(), {}, {}
        self._working, self._unpacked, self._phones = {}, {}, None

    # bulk copy
    def load(self, docs: Iterable[dict]) -> int:
        """Add members copied from another store, in enrolment order; returns how many."""
        count = 0
        for doc in docs:
            self.add(doc)
            count += 1
        return count


class Ledger:
    """The append-only ledger: entries get the next id and the hash of the one before.

    Today's entries live in the hot file's `ledger` table, the rest of history in
    partitions (see partitions.py); readers see one ledger, in id order, each entry once.
    """

    def __init__(self, table, shop: Shop):
        self._table = table
        self._shop = shop
        self._pending: list[dict] = []
        self._receipts: dict[str, list[dict]] | None = None
        self.partitions = self._partitions()

    def _partitions(self) -> Partitions:
        meta = self._shop.meta
        return Partitions(self._shop.root, meta.get("partitions", []), meta["next_id"], meta.get("files"))

    @property
    def dirty(self) -> bool:
        return bool(self._pending)

    def append(self, **fields) -> LedgerEntry:
        """Write a new entry; returns it with its id and chain hash."""
        self._shop._check_writable()
        doc = ledger_mod.chain(self._shop.meta, fields)
        entry = LedgerEntry(**doc)
        self._shop.touch_meta()
        self._pending.append(doc)
        if entry.receipt is not None and self._receipts is not None:
            self._receipts.setdefault(entry.receipt, []).append(doc)
        return entry

    def entries(
        self, card: str | None = None, *, since: str | None = None, until: str | None = None
    ) -> Iterator[LedgerEntry]:
        """Entries in ledger order: of one member if `card`; with since <= at <= until if given.

        `since` and `until` are stored-form moments (clock.iso); giving them lets the ledger
        skip the partitions of months outside the window.
        """
        months = self.partitions.overlapping(since, until)
        docs = [
            doc
            for month in months
            for doc in self.partitions.docs(month, card)
            if _wanted(doc, card, since, until)
        ]
        seen = {doc["id"] for doc in docs}
        docs.extend(d for d in self._hot_docs() if _wanted(d, card, since, until) and d["id"] not in seen)
        if months:
            docs.sort(key=lambda doc: doc["id"])
        for doc in docs:
            yield LedgerEntry.from_doc(doc)

    def by_receipt(self, receipt: str) -> list[LedgerEntry]:
        """The entries recorded under a receipt, in ledger order, from all of history."""
        if self._receipts is None:
            self._receipts = {}
            for doc in self._hot_docs():
                if doc.get("receipt") is not None:
                    self._receipts.setdefault(doc["receipt"], []).append(doc)
        found = {doc["id"]: doc for doc in self._receipts.get(receipt, ())}
        for entry_id, month, card in self.partitions.receipt_places(receipt):
            if entry_id not in found:
                doc = self.partitions.entry(month, card, entry_id)
                if doc is not None:
                    found[entry_id] = doc
        return [LedgerEntry.from_doc(found[i]) for i in sorted(found)]

    def hot_before(self, moment: str) -> list[dict]:
        """Committed entries still in the hot file dated before `moment` (stored form)."""
        raw = self._table.storage.read().get(self._table.name, {})
        return [doc for doc in raw.values() if doc["at"] < moment]

    def hot_ids(self) -> set[int]:
        """The ids of the committed entries the hot file holds."""
        return {doc["id"] for doc in self._raw().values()}

    def pending_before(self, moment: str) -> list[dict]:
        """Take the new entries dated before `moment` out of the hot file's batch."""
        old = [doc for doc in self._pending if doc["at"] < moment]
        if old:
            self._pending = [doc for doc in self._pending if doc["at"] >= moment]
        return old

    def forget_moved(self, docs: list[dict], months: list[str], written: dict[str, list]) -> None:
        """Drop entries from the hot file once their partitions hold them (`written`: the files' records)."""
        self._table.remove(doc_ids=[doc["id"] for doc in docs if str(doc["id"]) in self._raw()])
        meta = self._shop.meta
        meta["partitions"] = sorted(set(meta.get("partitions", [])) | set(months))
        if "files" in meta:
            meta["files"] = dict(sorted({**meta["files"], **written}.items()))
        self.partitions = self._partitions()
        self._shop.touch_meta()

    def _raw(self) -> dict:
        return self._table.storage.read().get(self._table.name, {})

    def _hot_docs(self) -> Iterator[dict]:
        yield from self._table.storage.read().get(self._table.name, {}).values()
        yield from self._pending

    def flush(self) -> None:
        """Hand the new entries to TinyDB in one batch."""
        if self._pending:
            self._table.insert_multiple(Document(doc, doc_id=doc["id"]) for doc in self._pending)
            self._pending = []

    # bulk copy
    def stored_docs(self) -> Iterator[dict]:
        """Every committed entry as stored, each once: the partitions month by month, then
        the hot file's. Not in id order across months; a partition file is read, given out
        and let go, so the whole ledger is never held at once."""
        hot = {doc["id"] for doc in self._raw().values()}
        for month in self.partitions.months:
            yield from (doc for doc in self.partitions.month_docs(month) if doc["id"] not in hot)
        yield from self._raw().values()

    def load(self, docs: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Add entries copied from another store, exactly as they are (ids and hashes kept);
        the commit writes them where the folder keeps them. Returns how many."""
        self._shop._check_writable()
        count = len(self._pending)
        for doc in docs:
            self._pending.append(doc)
            if progress is not None and len(self._pending) % PROGRESS_EVERY == 0:
                progress(len(self._pending))
        self._pending.sort(key=lambda doc: doc["id"])
        self._receipts = None
        return len(self._pending) - count


def _wanted(doc: dict, card: str | None, since: str | None, until: str | None) -> bool:
    return (
        (card is None or doc["card"] == card)
        and (since is None or doc["at"] >= since)
        and (until is None or doc["at"] <= until)
    )


class Records:
    """Small documents addressed by a natural key (draws by name)."""

    def __init__(self, table, shop: Shop, *, key: str):
        self._table = table
        self._shop = shop
        self._key = key
        self._changed: dict[str, dict] = {}

    @property
    def dirty(self) -> bool:
        return bool(self._changed)

    def _raw(self) -> dict[str, dict]:
        raw = self._table.storage.read().get(self._table.name, {})
        return {doc[self._key]: doc for doc in raw.values()}

    def get(self, name: str) -> dict | None:
        """A copy of the record, or None."""
        doc = self._changed.get(name) or self._raw().get(name)
        return _copy(doc) if doc is not None else None

    def named(self, name: str, *, keep=None) -> dict | None:
        """A copy of the record named `name` whatever the capitals and spacing (the names of
        rewards, plans and partners are unique that way), among those `keep` accepts."""
        text = " ".join(str(name).split())
        exact = self.get(text)
        if exact is not None and (keep is None or keep(exact)):
            return exact
        wanted = text.casefold()
        return next(
            (d for d in self.all() if str(d[self._key]).casefold() == wanted and (keep is None or keep(d))),
            None,
        )

    def all(self) -> list[dict]:
        """Every record, oldest first."""
        merged = self._raw()
        merged.update(self._changed)
        return [_copy(d) for d in merged.values()]

    def put(self, doc: dict) -> None:
        """Add or replace a record."""
        self._shop._check_writable()
        self._changed[doc[self._key]] = doc

    def flush(self) -> None:
        """Write the changed records in one update and one insert."""
        if not self._changed:
            return
        raw = self._table.storage.read().get(self._table.name, {})
        ids = {doc[self._key]: int(i) for i, doc in raw.items()}
        changed = self._changed

        existing = [ids[k] for k in changed if k in ids]
        if existing:
            self._table.update(lambda doc: _replace(doc, changed, self._key), doc_ids=existing)
        new = [d for k, d in changed.items() if k not in ids]
        if new:
            self._table.insert_multiple(new)
        self._changed = {}


def _replace(raw: dict, changed: dict[str, dict], key: str) -> None:
    new = changed[raw[key]]
    raw.clear()
    raw.update(new)


def _copy(doc: dict) -> dict:
    # Documents are plain JSON, so a JSON round trip is a deep copy, and a fast one.
    return orjson.loads(orjson.dumps(doc))
