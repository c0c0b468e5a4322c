"""`verify`: small checks, each of one invariant, run over the whole ledger.

Every check takes the shop (and what earlier ones computed) and yields problems as
one-line strings; no problem anywhere means the data is sound.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import ledger as ledger_mod
from . import lots, projection
from .ledger import LedgerEntry
from .shop import Shop

COMPARED = ("balance", "lots", "spend", "purchases", "last_purchase")


@dataclass
class Report:
    """What `verify` looked at and what it found."""

    members: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(shop: Shop) -> Report:
    """Run every check; the report lists each problem found."""
    entries = list(shop.ledger.entries())
    report = Report(members=len(shop.members), entries=len(entries))
    for check in (check_chain, check_entries, check_receipts, check_projections):
        report.problems.extend(check(shop, entries))
    return report


def check_chain(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Ids increase by one and each entry names the hash of the one before."""
    expected_prev = ledger_mod.GENESIS
    expected_id = entries[0].id if entries else shop.meta["next_id"]
    for entry in entries:
        if entry.id != expected_id:
            yield f"entry {entry.id}: expected entry {expected_id} here; entries are missing"
            return
        if entry.prev != expected_prev:
            yield (
                f"entry {entry.id}: the hash chain breaks here (entry {entry.id - 1} or this one was edited)"
            )
            return
        expected_prev = ledger_mod.entry_hash(entry.to_doc())
        expected_id += 1
    if entries and shop.meta["last_hash"] != expected_prev:
        yield f"entry {entries[-1].id}: the hash chain breaks at the last entry (it was edited)"
    if expected_id != shop.meta["next_id"]:
        yield f"the ledger ends at entry {expected_id - 1} but the next id is {shop.meta['next_id']}"


def check_entries(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Each entry is of a known kind, for a known member, and its lot deltas add up."""
    for entry in entries:
        if entry.kind not in ledger_mod.KINDS:
            yield f"entry {entry.id}: unknown kind {entry.kind!r}"
        if entry.card not in shop.members:
            yield f"entry {entry.id}: card {entry.card} belongs to no member"
        if sum(entry.lots.values()) != entry.points:
            yield f"entry {entry.id}: its lots add up to {sum(entry.lots.values())}, not {entry.points}"


def check_receipts(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """No receipt earned points twice."""
    seen: dict[str, int] = {}
    for entry in entries:
        if entry.kind == "earn" and entry.receipt is not None:
            if entry.receipt in seen:
                earlier = seen[entry.receipt]
                yield f"entry {entry.id}: receipt {entry.receipt} already earned in entry {earlier}"
            seen[entry.receipt] = entry.id


def check_projections(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Each member's stored balance, lots and spend equal the ledger replayed."""
    by_card: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry in entries:
        by_card[entry.card].append(entry)
    for member in shop.members.all():
        card = member["card"]
        rebuilt = projection.rebuild(by_card.get(card, ()))
        stored = member["points"]
        for key in COMPARED:
            if stored.get(key) != rebuilt[key]:
                yield f"member {card}: stored {key} {stored.get(key)!r}, ledger says {rebuilt[key]!r}"
        if stored["balance"] != sum(stored["lots"].values()):
            yield f"member {card}: balance {stored['balance']} is not the sum of the lots"
        for key, value in stored["lots"].items():
            if (key == lots.DEBT and value > 0) or (key != lots.DEBT and value < 0):
                yield f"member {card}: lot {key} holds {value} points"
