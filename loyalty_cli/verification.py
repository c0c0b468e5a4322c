"""`verify`: small checks, each of one invariant, run over the whole ledger.

Every check takes the shop (and what earlier ones computed) and yields problems as
one-line strings; no problem anywhere means the data is sound. The checks here hold on
any store; a store's own records of its files (the data folder's checksums, partitions
and receipt index: folder_checks.py) come from `shop.file_checks()`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from loyalty_cli import card_moves, lots, partners, plans, projection, rewards
from loyalty_cli import ledger as ledger_mod
from loyalty_cli.errors import DataProblem
from loyalty_cli.language import _, ngettext
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.storage.unit_of_work import Shop

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
    stored_files = shop.file_checks()  # the store's own records of its files, if it has any
    try:
        entries = list(shop.ledger.entries())
    except DataProblem as problem:
        report.problems.append(str(problem))
        report.problems.extend(p for p in stored_files.problems() if p != str(problem))
        return report
    report.entries = len(entries)
    shapes = list(check_shapes(shop, entries))
    report.problems.extend(check_chain(shop, entries))
    report.problems.extend(shapes)
    if not shapes:
        for check in (
            check_entries,
            check_receipts,
            check_purchases,
            card_moves.check_moves,
            check_projections,
            stored_files.receipt_index,
            partners.check,
            plans.check_memberships,
            rewards.check_stock,
        ):
            report.problems.extend(check(shop, entries))
    report.problems.extend(stored_files.problems())
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
            yield _("entry {id}: expected entry {expected} here; entries are missing").format(
                id=entry.id, expected=expected_id
            )
            return
        if entry.prev != expected_prev:
            if previous is None:
                yield _(
                    "entry {id}: its record of the previous hash was edited (the chain starts here)"
                ).format(id=entry.id)
            else:
                yield _(
                    "entry {id}: changed after it was written (it no longer hashes to what "
                    "entry {next} recorded for it; or entry {next}'s prev was edited)"
                ).format(id=previous.id, next=entry.id)
            return
        expected_prev = _hash(entry)
        expected_id += 1
        previous = entry
    if previous is not None and shop.meta["last_hash"] != expected_prev:
        yield _(
            "entry {id}: changed after it was written (it no longer hashes to the "
            "last_hash kept with the data)"
        ).format(id=previous.id)
    if expected_id != shop.meta["next_id"]:
        yield _("the ledger ends at entry {last} but the next id is {next}").format(
            last=expected_id - 1, next=shop.meta["next_id"]
        )


def check_shapes(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Every entry and member holds values of the right types (a hand edit may not)."""
    for entry in entries:
        wrong = [name for name, kind in _ENTRY_TYPES.items() if not _is(getattr(entry, name), kind)]
        if not _is_lots(entry.lots):
            wrong.append("lots")
        if wrong:
            yield _("entry {id}: wrong type of value in {fields} (edited by hand?)").format(
                id=entry.id, fields=", ".join(wrong)
            )
    for member in shop.members.all():
        points = member.get("points")
        if (
            not isinstance(points, dict)
            or not _is(points.get("balance"), int)
            or not _is_lots(points.get("lots"))
        ):
            yield _("member {card}: its points are not of the right shape").format(card=member.get("card"))


def check_entries(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Each entry is of a known kind, for a known member, and its lot deltas add up."""
    moved = card_moves.moves(shop)
    # One read of the cards, not a lookup per entry (on PostgreSQL: a query each).
    known = {member["card"] for member in shop.members.all()}
    for entry in entries:
        if entry.kind not in ledger_mod.KINDS:
            yield _("entry {id}: unknown kind {kind}").format(id=entry.id, kind=repr(entry.kind))
        if entry.card not in known and entry.card not in moved:
            yield _("entry {id}: card {card} belongs to no member").format(id=entry.id, card=entry.card)
        if sum(entry.lots.values()) != entry.points:
            yield _("entry {id}: its lots add up to {total}, not {points}").format(
                id=entry.id, total=sum(entry.lots.values()), points=entry.points
            )


def check_receipts(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """No receipt earned points twice."""
    seen: dict[str, int] = {}
    for entry in entries:
        if entry.kind == "earn" and entry.receipt is not None:
            if entry.receipt in seen:
                earlier = seen[entry.receipt]
                yield _("entry {id}: receipt {receipt} already earned in entry {earlier}").format(
                    id=entry.id, receipt=entry.receipt, earlier=earlier
                )
            seen[entry.receipt] = entry.id


def check_purchases(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Each purchase's bill adds up, its payment with points is on the ledger, and its
    refunds never give back more money or points than it took; confirmations only move
    pending points into lots."""
    by_id = {entry.id: entry for entry in entries}
    refunded: dict[int, Decimal] = defaultdict(Decimal)
    returned: dict[int, int] = defaultdict(int)
    taken: dict[int, int] = defaultdict(int)
    for entry in entries:
        if entry.kind == "refund" and entry.ref in by_id:
            if entry.amount is not None:
                refunded[entry.ref] += Decimal(entry.amount)
                taken[entry.ref] -= entry.points
            else:
                returned[entry.ref] += entry.points
        elif entry.kind == "confirm":
            moved = {k: v for k, v in entry.lots.items() if lots.is_pending(k)}
            if entry.points != 0 or not moved or any(v > 0 for v in moved.values()):
                yield _("entry {id}: a confirmation must only move pending points into lots").format(
                    id=entry.id
                )
        elif entry.kind == "earn":
            yield from _check_bill(entry, by_id)
    for purchase_id, money in refunded.items():
        purchase = by_id[purchase_id]
        if purchase.kind == "earn" and purchase.amount is not None and money > Decimal(purchase.amount):
            yield _("entry {id}: refunds of {refunded} exceed the {paid} paid").format(
                id=purchase_id, refunded=money, paid=purchase.amount
            )
        if purchase.kind == "earn" and taken[purchase_id] > max(purchase.points, 0):
            yield _("entry {id}: refunds took back {taken} of the {earned} it earned").format(
                id=purchase_id, taken=taken[purchase_id], earned=purchase.points
            )
    for redemption_id, count in returned.items():
        redemption = by_id[redemption_id]
        if redemption.kind == "redeem" and count > -redemption.points:
            yield _("entry {id}: refunds gave back {returned} of the {spent} it spent").format(
                id=redemption_id, returned=count, spent=-redemption.points
            )


def _check_bill(entry: LedgerEntry, by_id: dict[int, LedgerEntry]) -> Iterator[str]:
    if entry.total is None:
        return
    try:
        total, to_pay = Decimal(entry.total), Decimal(entry.amount)
        discount = Decimal(entry.discount or "0")
        paid_value = Decimal(entry.paid_value or "0")
        percent = Decimal(entry.discount_percent or "0")
    except (ArithmeticError, TypeError, ValueError):
        yield _("entry {id}: its bill is not made of amounts").format(id=entry.id)
        return
    if total - discount - paid_value != to_pay or min(total, discount, paid_value, to_pay) < 0:
        yield _(
            "entry {id}: {total} less discount {discount} less {paid} paid with points is not {to_pay}"
        ).format(id=entry.id, total=total, discount=discount, paid=paid_value, to_pay=to_pay)
    if discount != (total * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        yield _("entry {id}: a discount of {discount} is not {percent} % of {total}").format(
            id=entry.id, discount=discount, percent=percent, total=total
        )
    if entry.paid_points:
        payment = by_id.get(entry.id - 1)
        if (
            payment is None
            or payment.kind != "redeem"
            or payment.receipt != entry.receipt
            or (-payment.points != entry.paid_points)
        ):
            yield _("entry {id}: the {count} points it was paid with are not on the ledger before it").format(
                id=entry.id, count=entry.paid_points
            )


def check_projections(shop: Shop, entries: list[LedgerEntry]) -> Iterator[str]:
    """Each member's stored balance, lots and spend equal the ledger replayed.

    The entries of a card that was replaced or merged count for the card it moved to.
    """
    by_card: dict[str, list[LedgerEntry]] = defaultdict(list)
    moved = card_moves.ledger_moves(entries)
    for entry in entries:
        by_card[card_moves.resolve(moved, entry.card)].append(entry)
    tz = shop.programme().tz
    for member in shop.members.all():
        card = member["card"]
        rebuilt = projection.rebuild(by_card.get(card, ()), tz)
        stored = member["points"]
        for key in COMPARED:
            if stored.get(key) != rebuilt[key]:
                yield _("member {card}: stored {key} {stored}, ledger says {rebuilt}").format(
                    card=card, key=key, stored=repr(stored.get(key)), rebuilt=repr(rebuilt[key])
                )
        if stored["balance"] != sum(stored["lots"].values()):
            yield _("member {card}: balance {balance} is not the sum of the lots").format(
                card=card, balance=stored["balance"]
            )
        for key, value in stored["lots"].items():
            if (key == lots.DEBT and value > 0) or (key != lots.DEBT and value < 0):
                yield ngettext(
                    "member {card}: lot {lot} holds {count} point",
                    "member {card}: lot {lot} holds {count} points",
                    abs(value),
                ).format(card=card, lot=key, count=value)


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
