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
from .errors import DataProblem
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
    """Run every check; the report lists each problem found.

    The chain and the shape of every record are checked first; when records are not even
    of the right shape, the checks that compute with them are skipped.
    """
    report = Report(members=len(shop.members))
    try:
        entries = list(shop.ledger.entries())
    except DataProblem as problem:
        report.problems.append(str(problem))
        return report
    report.entries = len(entries)
    shapes = list(check_shapes(shop, entries))
    report.problems.extend(check_chain(shop, entries))
    report.problems.extend(shapes)
    if not shapes:
        for check in (check_entries, check_receipts, check_projections):
            report.problems.extend(check(shop, entries))
    return report


def check_chain(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Ids increase by one and each entry names the hash of the one before.

    A changed entry no longer hashes to what the next entry recorded for it (or, for the
    newest entry, to the hash kept in meta), so the problem names the changed entry.
    """
    expected_prev = ledger_mod.GENESIS
    expected_id = entries[0].id if entries else shop.meta["next_id"]
    previous: LedgerEntry | None = None
    for entry in entries:
        if entry.id != expected_id:
            yield f"entry {entry.id}: expected entry {expected_id} here; entries are missing"
            return
        if entry.prev != expected_prev:
            if previous is None:
                yield f"entry {entry.id}: its record of the previous hash was edited (the chain starts here)"
            else:
                yield (
                    f"entry {previous.id}: changed after it was written (it no longer hashes to what "
                    f"entry {entry.id} recorded for it; or entry {entry.id}'s prev was edited)"
                )
            return
        expected_prev = _hash(entry)
        expected_id += 1
        previous = entry
    if previous is not None and shop.meta["last_hash"] != expected_prev:
        yield (
            f"entry {previous.id}: changed after it was written (it no longer hashes to the "
            "last_hash kept with the data)"
        )
    if expected_id != shop.meta["next_id"]:
        yield f"the ledger ends at entry {expected_id - 1} but the next id is {shop.meta['next_id']}"


def check_shapes(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Every entry and member holds values of the right types (a hand edit may not)."""
    for entry in entries:
        wrong = [name for name, kind in _ENTRY_TYPES.items() if not _is(getattr(entry, name), kind)]
        if not _is_lots(entry.lots):
            wrong.append("lots")
        if wrong:
            yield f"entry {entry.id}: wrong type of value in {', '.join(wrong)} (edited by hand?)"
    for member in shop.members.all():
        points = member.get("points")
        if (
            not isinstance(points, dict)
            or not _is(points.get("balance"), int)
            or not _is_lots(points.get("lots"))
        ):
            yield f"member {member.get('card')}: its points are not of the right shape"


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
    tz = shop.programme().tz
    for member in shop.members.all():
        card = member["card"]
        rebuilt = projection.rebuild(by_card.get(card, ()), tz)
        stored = member["points"]
        for key in COMPARED:
            if stored.get(key) != rebuilt[key]:
                yield f"member {card}: stored {key} {stored.get(key)!r}, ledger says {rebuilt[key]!r}"
        if stored["balance"] != sum(stored["lots"].values()):
            yield f"member {card}: balance {stored['balance']} is not the sum of the lots"
        for key, value in stored["lots"].items():
            if (key == lots.DEBT and value > 0) or (key != lots.DEBT and value < 0):
                yield f"member {card}: lot {key} holds {value} points"


_ENTRY_TYPES = {"id": int, "at": str, "card": str, "kind": str, "points": int, "prev": str}


def _is(value, kind) -> bool:
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _is_lots(lots) -> bool:
    return isinstance(lots, dict) and all(isinstance(k, str) and _is(v, int) for k, v in lots.items())


def _hash(entry: LedgerEntry) -> str:
    try:
        return ledger_mod.entry_hash(entry.to_doc())
    except TypeError:  # a value orjson cannot write: it was not written by loyalty
        return ""
