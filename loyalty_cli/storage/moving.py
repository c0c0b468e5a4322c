"""Moving a programme between stores: a data folder into PostgreSQL, and back.

A copy takes everything as it is stored: the programme's settings, the meta counters (the
ledger's next id and last hash, the schema of the documents, the nightly jobs' dates), the
members in enrolment order, the whole ledger with every entry exactly as written (so its
hash, and the chain, stay as they are), the draws, rewards, plans and partners in the
order they were made, the mail outbox (each member's latest state in each campaign) and
the survey answers. The source is only read, from one consistent snapshot; the target
must hold no programme, and is written in one transaction of its own store, so a copy that
fails leaves it as it was.

Each store lays the data out its own way: the folder's record of its own files (meta
"partitions" and "files") is never copied, the target writes its own. The bulk paths are
the stores' (`load` on the members and the ledger; COPY on PostgreSQL, the folder's commit
and partition moves on the data folder). Checking the copy with `verify` is the caller's:
storage does not run the programme's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loyalty_cli.errors import DataProblem, Refused
from loyalty_cli.language import _
from loyalty_cli.storage.folder.shop import SCHEMA_VERSION

# Meta keys that describe the data folder's files, not the programme: each store keeps its own.
LAYOUT_KEYS = ("partitions", "files")
RECORDS = ("draws", "rewards", "plans", "partners")


class TargetNotEmpty(Refused):
    """The store to copy into already holds a programme (or data of one)."""


@dataclass(frozen=True)
class Moved:
    """What a copy took (or would take): the counts of each kind of record."""

    members: int
    entries: int
    draws: int = 0
    rewards: int = 0
    plans: int = 0
    partners: int = 0
    letters: int = 0  # the outbox's records
    answers: int = 0

    def to_json(self) -> dict:
        return {
            "members": self.members,
            "entries": self.entries,
            "draws": self.draws,
            "rewards": self.rewards,
            "plans": self.plans,
            "partners": self.partners,
            "letters": self.letters,
            "answers": self.answers,
        }


def is_database(place: str) -> bool:
    """Whether `place` (as typed after --from/--to) names a PostgreSQL database, not a folder."""
    return place.startswith(("postgresql://", "postgres://"))


def open_source(store):
    """A read-only snapshot of the programme in `store`, refused if there is none.

    A data folder written by an older version is refused rather than read: reading it
    would bring it up to date in place, and a copy never changes its source.
    """
    if not store.exists():
        raise Refused(
            _("no loyalty programme in {place}; there is nothing to copy").format(place=place(store))
        )
    if _folder_schema(store) not in (None, SCHEMA_VERSION):
        raise Refused(
            _(
                "{place} was written by an older version of loyalty; run `loyalty --data-dir {place} verify` "
                "once to bring it up to date, then copy it"
            ).format(place=place(store))
        )
    return store.read()


def check_empty(target) -> None:
    """TargetNotEmpty unless `target` holds no programme and no data files of one."""
    if target.exists() or _leftover_files(target):
        if getattr(target, "root", None) is not None:
            hint = _("copy into a new folder, or move that one away first")
        else:
            hint = _("copy into a new database or schema, or drop that programme's tables first")
        raise TargetNotEmpty(
            _("{place} already holds a loyalty programme; nothing was copied ({hint})").format(
                place=place(target), hint=hint
            )
        )


def count(source) -> Moved:
    """What copying the shop `source` would take (cheap: nothing is read in bulk)."""
    return Moved(
        members=len(source.members),
        entries=source.meta["next_id"] - 1,
        **{name: len(getattr(source, name).all()) for name in RECORDS},
        letters=sum(len(source.outbox.of(campaign)) for campaign in source.outbox.campaigns()),
        answers=sum(1 for _answer in source.answers.all()),
    )


def copy(source, target, *, progress: Callable[[int], None] | None = None) -> Moved:
    """Copy the programme of the shop `source` into the empty store `target`, in one transaction.

    `progress`, if given, is called with the number of ledger entries copied so far.
    """
    check_empty(target)
    with target.transaction(create=True) as shop:
        if shop.has_programme() or len(shop.members) or shop.meta["next_id"] != 1:
            check_empty(target)  # another process filled it meanwhile: say so
            raise TargetNotEmpty(_("{place} already holds a loyalty programme").format(place=place(target)))
        moved = copy_into(source, shop, progress=progress)
    return moved


def copy_into(source, shop, *, progress: Callable[[int], None] | None = None) -> Moved:
    """Copy the programme of `source` into the writable, empty shop `shop` (the caller commits)."""
    shop.save_settings(dict(source.programme().settings))
    shop.meta.update({k: v for k, v in source.meta.items() if k not in LAYOUT_KEYS})
    shop.touch_meta()
    members = shop.members.load(source.members.all())
    entries = shop.ledger.load(source.ledger.stored_docs(), progress=progress)
    if entries != source.meta["next_id"] - 1:
        raise DataProblem(
            _(
                "{place} holds {count} ledger entries, but its next entry id is {next}; "
                "entries are missing; nothing was copied"
            ).format(place=_where(source), count=entries, next=source.meta["next_id"])
        )
    records = {}
    for name in RECORDS:
        docs = getattr(source, name).all()
        for doc in docs:
            getattr(shop, name).put(doc)
        records[name] = len(docs)
    letters = 0
    for campaign in source.outbox.campaigns():
        for card, doc in source.outbox.of(campaign).items():
            details = {k: v for k, v in doc.items() if k not in ("campaign", "card", "state")}
            shop.outbox.mark(campaign, card, doc["state"], **details)
            letters += 1
    answers = 0
    for doc in source.answers.all():
        shop.answers.add(doc)
        answers += 1
    return Moved(members=members, entries=entries, letters=letters, answers=answers, **records)


def place(store) -> str:
    """Where a store's programme is, for messages: its folder, or host:port/database."""
    root = getattr(store, "root", None)
    return str(root) if root is not None else store.place


def _where(shop) -> str:
    root = getattr(shop, "root", None)
    return str(root) if root is not None else getattr(shop, "place", "?")


def _folder_schema(store) -> int | None:
    """The schema of a data folder's hot file (None for a database: it refuses old ones itself)."""
    if getattr(store, "root", None) is None:
        return None
    from loyalty_cli.storage.folder import hot_file

    try:  # only the head is parsed: the members' rows are left as they are
        return hot_file.parse(store.hot_path.read_bytes())["meta"]["1"]["schema"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # the store's own read reports what is wrong with it


def _leftover_files(target) -> bool:
    root: Path | None = getattr(target, "root", None)
    if root is None:
        return False
    return bool(target.data_files())
