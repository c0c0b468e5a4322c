"""`verify`'s checks of the data folder's own files: the hot file, partitions, receipt shards,
journals.

The folder store keeps records of its files (the hot file's checksum, meta["files"] for
every partition and receipt shard, the receipt index); these checks hold them against
the files. `verify` asks the shop for them (`Shop.file_checks()`) and runs them beside
the checks of the ledger and balances that hold on any store; the PostgreSQL store has
no files of its own and nothing here to check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from loyalty_cli import files
from loyalty_cli.language import _
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.storage.folder import hot_file, journals, partitions

if TYPE_CHECKING:
    from loyalty_cli.storage.folder.shop import Shop


class FolderChecks:
    """The file checks of one folder shop; changed files are reported last, by `problems()`."""

    def __init__(self, shop: Shop):
        self.shop = shop
        shop.ledger.partitions.checked = False  # read what is there, to name changed entries

    def problems(self) -> Iterator[str]:
        """The hot file's checksum holds, and every partition and receipt shard is as recorded."""
        shop = self.shop
        path = shop.root / "loyalty.json"
        recorded = shop.meta.get("files")
        if not recorded and not path.exists():
            return  # a shop built in memory, never written: there are no files to check
        try:
            damage = hot_file.damage(path.read_bytes())
        except OSError as error:
            damage = _("it cannot be read ({reason})").format(reason=files.reason(error))
        if damage is not None:
            yield _("{path}: {damage}").format(path=path, damage=damage)
        if recorded is not None:
            yield from partitions.check_files(shop.root, recorded)
        yield from journals.check_files(shop.root)

    def receipt_index(self, shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
        """The receipt index lists exactly the partitioned entries that carry a receipt.

        A purchase refuses a receipt already recorded by looking it up in this index; an
        entry missing from it could earn a second time.
        """
        stored = shop.ledger.partitions
        if stored.recorded is None:
            return
        limit = stored.limit
        expected: dict[str, set[tuple]] = defaultdict(set)
        for month in stored.months:
            for doc in stored.docs(month):
                if doc.get("receipt") is not None:
                    expected[doc["receipt"]].add((doc["id"], month, doc["card"]))
        found: dict[str, set[tuple]] = defaultdict(set)
        for name in sorted(n for n in stored.recorded if n.startswith(f"{partitions.RECEIPTS_DIR}/")):
            index = stored.shard(name)
            for receipt, places in index.items():
                if not isinstance(places, list) or not all(
                    isinstance(p, list) and len(p) >= 2 for p in places
                ):
                    yield _(
                        "receipt index {name}: the places of receipt {receipt} are not of the right shape"
                    ).format(name=name, receipt=repr(receipt))
                    continue
                shard = f"{partitions.RECEIPTS_DIR}/{partitions.shard_of(receipt)}.json"
                for place in places:
                    if place[0] < limit:
                        found[receipt].add((place[0], place[1], place[2] if len(place) > 2 else None))
                        if shard != name:
                            yield _("receipt index {name}: receipt {receipt} belongs in {shard}").format(
                                name=name, receipt=repr(receipt), shard=shard
                            )
        receipt_of = {e.id: (e.receipt, e.at[:7]) for e in entries if e.receipt is not None}
        # An entry whose move to its partition was interrupted is still in the hot file, where
        # receipts are looked up too; the next write finishes the move and its index places.
        in_hot_file = shop.ledger.hot_ids()
        for receipt in sorted(set(expected) | set(found)):
            listed = {(i, m) for i, m, _card in found.get(receipt, ())}
            for entry_id, month, _card in sorted(expected.get(receipt, ())):
                if (entry_id, month) not in listed and entry_id not in in_hot_file:
                    yield _("entry {id}: receipt {receipt} is missing from the receipt index").format(
                        id=entry_id, receipt=receipt
                    )
            for entry_id, month, _card in sorted(found.get(receipt, ()), key=lambda p: p[:2]):
                # An entry may still be in the hot file too (its move was interrupted).
                if receipt_of.get(entry_id) != (receipt, month):
                    yield _(
                        "receipt index: receipt {receipt} lists entry {id} of {month}, "
                        "which the ledger does not hold under that receipt"
                    ).format(receipt=receipt, id=entry_id, month=month)


class NoFiles:
    """A store without files of its own (PostgreSQL): nothing to check."""

    def problems(self) -> Iterator[str]:
        return iter(())

    def receipt_index(self, shop, entries: list[LedgerEntry]) -> Iterator[str]:
        return iter(())
