"""Bringing data written by an older version of loyalty up to date.

A migration runs under the lock, before the command that found the older schema, and
commits on its own: the stored `schema` is its commit point. Each step can be run again
after a crash half-way and gives the same result.

`meta.schema` versions the documents (members, entries, records), on either store: a
step that changes documents works on any shop and runs on PostgreSQL too
(`upgrade_documents`). The data folder's layout steps (partition files, file records)
run only there (`upgrade`); the PostgreSQL tables' own layout has its number apart
(`meta.tables`, pg_store.TABLES_VERSION).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from loyalty_cli import projection
from loyalty_cli.storage.folder import partitions
from loyalty_cli.storage.folder.shop import SCHEMA_VERSION, Shop


def upgrade(root: Path, shop: Shop, commit: Callable[[Shop], None]) -> None:
    """Run every migration of a data folder from its schema to the current one, then commit."""
    legacy: list[Path] = []
    if shop.meta["schema"] < 2:
        legacy = _split_partitions(root, shop)
        shop.members.repack()
    _document_steps(shop)
    if shop.meta["schema"] < 4:
        _record_files(root, shop)
    _done(shop, commit)
    for path in legacy:  # only now: until the commit, a crash would need them again
        path.unlink(missing_ok=True)


def upgrade_documents(shop, commit: Callable) -> None:
    """Run the document migrations of a store without files (PostgreSQL), then commit."""
    _document_steps(shop)
    _done(shop, commit)


def _document_steps(shop: Shop) -> None:
    """The steps that change documents, whatever holds them."""
    if shop.meta["schema"] < 3:
        _daily_spend(shop)
    # Schema 5 gave member rows a language column; rows without one read as having none, so
    # nothing is rewritten: the number alone keeps an older loyalty from misreading the rows.
    # Schema 6 lets entries carry a purchase's bill (total, discount, payment with points),
    # `confirm` entries and pending lots; older entries read as they are, and the number
    # keeps an older loyalty from taking such entries for hand edits.
    # Schema 7 adds the rewards, plans and partners tables (absent ones read as empty) and
    # entries naming a reward, plan or partner: again nothing to rewrite.


def _done(shop: Shop, commit: Callable) -> None:
    shop.meta["schema"] = SCHEMA_VERSION
    shop.touch_meta()
    commit(shop)


def _split_partitions(root: Path, shop: Shop) -> list[Path]:
    """Schema 1 kept a month in one file and receipt places without the card: split both."""
    directory = root / partitions.LEDGER_DIR
    legacy = [directory / f"{m}.json" for m in shop.meta.get("partitions", [])]
    legacy = [path for path in legacy if path.exists()]
    if not legacy:
        return []
    # Every place in the receipt index is of an entry in these files: rebuild it from them.
    shutil.rmtree(directory / partitions.RECEIPTS_DIR, ignore_errors=True)
    limit = shop.meta["next_id"]
    for path in legacy:
        docs = partitions.read_json(path).get("ledger", {})
        partitions.move_out(root, [doc for doc in docs.values() if doc["id"] < limit])
    return legacy


def _daily_spend(shop: Shop) -> None:
    """Schema 2 kept spend by month; schema 3 keeps it by day: rebuild it from the ledger."""
    by_card: dict[str, list] = {}
    for entry in shop.ledger.entries():
        by_card.setdefault(entry.card, []).append(entry)
    tz = shop.programme().tz
    for stored in list(shop.members.all()):
        member = shop.members.get(stored["card"]) if isinstance(stored.get("card"), str) else None
        if member is None or not isinstance(member.get("points"), dict):
            continue  # edited by hand: left for `verify` to report
        member["points"]["spend"] = projection.rebuild(by_card.get(member["card"], ()), tz)["spend"]
        shop.members.put(member)


def _record_files(root: Path, shop: Shop) -> None:
    """Schema 3 records every partition and receipt shard in the hot file: record them as they are.

    (The hot file's own checksum is written by the commit; the caller has checked that
    the file parses whole, so a damaged row is never given a checksum.)
    """
    months = shop.meta.get("partitions", [])
    shop.meta["files"] = partitions.records_of(root, partitions.existing_files(root, months))
