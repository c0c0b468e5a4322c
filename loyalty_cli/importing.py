"""CSV import of members and purchases: every valid row in one transaction, bad rows set aside.

A re-run of the same file imports nothing twice: a purchase whose receipt is already
recorded for the same card and amount (the receipt total) is skipped, and so is a member
already enrolled (see member_import.py). Reading the file itself (delimiter, encoding,
quotes) is csv_input.py.

A till that applied the loyalty discount itself exports the bill: with a `discount`,
`paid_points` or `to_pay` column each row's bill is taken as given (checked to add up)
instead of being computed from the programme's discounts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from loyalty_cli import (
    card_moves,
    cards,
    clock,
    files,
    given_bills,
    members,
    partners,
    pending,
    phones,
    points,
    text_fields,
    timeline,
)
from loyalty_cli.errors import DataProblem, InvalidInput, LoyaltyError
from loyalty_cli.language import _
from loyalty_cli.money import parse_amount, to_text
from loyalty_cli.reporting import csv_input, spreadsheet
from loyalty_cli.storage.unit_of_work import Shop

PURCHASE_COLUMNS = ("card", "amount", "receipt", "at")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Rejected:
    """A row that was not imported, and why."""

    line: int
    row: dict
    reason: str


@dataclass
class ImportResult:
    """What an import did with each row of the file."""

    what: str
    rows: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "what": self.what,
            "rows": self.rows,
            "imported": self.imported,
            "skipped": self.skipped,
            "rejected": len(self.rejected),
        }


def read_rows(path: Path, required: tuple[str, ...], encoding: str | None = None) -> csv_input.Sheet:
    """The rows of a CSV file as a spreadsheet or a till writes it (see csv_input)."""
    return csv_input.read(path, required, encoding)


def start(what: str, sheet: csv_input.Sheet) -> ImportResult:
    """The result of an import before its first row: the lines that could not be read are rejected."""
    result = ImportResult(what, rows=sheet.size)
    result.rejected.extend(Rejected(bad.line, bad.row, bad.reason) for bad in sheet.bad_lines)
    return result


def import_purchases(
    shop: Shop,
    sheet: csv_input.Sheet,
    *,
    now: clock.Clock,
    operator: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Record every valid purchase row, oldest first; skip re-imports, reject the rest.

    A file with a `kind` column is a ledger export: its `earn` rows are the purchases and
    the other kinds are skipped.

    The rows are consumed: the list is emptied once they are checked, so that a large file
    does not stay in memory beside the entries made from it.
    """
    result = start("purchases", sheet)
    rows = sheet.rows
    tz = shop.programme().tz
    accepted: list[tuple] = []  # (at, line, receipt, bill or amount, card, store, row, partner)
    in_file: dict[str, tuple[str, str]] = {}
    working: dict[str, dict] = {}
    stores: dict[str, str] = {}
    named: dict[str, str] = {}  # the `partner` column's texts -> the partners' stored names
    ledger_export = "kind" in sheet.columns
    # A ledger export records what was paid (its `amount`): taken as given, never discounted again.
    bills_given = ledger_export or any(c in sheet.columns for c in given_bills.COLUMNS)
    for line, row in rows:
        if ledger_export and row.get("kind") != "earn":
            result.skipped += 1
            continue
        try:
            card, amount, receipt, at = _purchase_row(shop, row, now, tz, working, ledger_export)
            given = given_bills.read(shop, row, amount, ledger_export) if bills_given else None
            partner = _partner(shop, row, named)
        except LoyaltyError as error:
            if _recorded_on_a_moved_card(shop, row, ledger_export):
                result.skipped += 1
            else:
                result.rejected.append(Rejected(line, row, str(error)))
            continue
        key = (card, to_text(amount))
        entries = shop.ledger.by_receipt(receipt)
        earlier = [e for e in entries if e.kind == "earn"]
        if earlier:
            if _same_purchase(earlier[0], *key, ledger_export):
                result.skipped += 1
            else:
                reason = _("receipt {receipt} is already recorded with other data").format(receipt=receipt)
                result.rejected.append(Rejected(line, row, reason))
            continue
        if given and given.paid_points and any(e.kind == "redeem" for e in entries):
            reason = _("receipt {receipt} is already recorded with other data").format(receipt=receipt)
            result.rejected.append(Rejected(line, row, reason))
            continue
        if receipt in in_file:
            reason = _("receipt {receipt} appears twice in the file").format(receipt=receipt)
            result.rejected.append(Rejected(line, row, reason))
            continue
        in_file[receipt] = key
        store = row.get("store") or None
        store = stores.setdefault(store, store) if store else None
        # A bill paid with points keeps its row, to be rejected with it if the points are not
        # there when it is applied; other rows are let go (a large file must not stay in memory).
        accepted.append(
            (
                at,
                line,
                receipt,
                given or amount,
                card,
                store,
                row if given and given.paid_points else None,
                partner,
            )
        )
    rows.clear()
    in_file.clear()
    accepted.sort(key=lambda item: (item[0], item[1]))
    for at, line, receipt, bill, card, store, row, partner in accepted:
        member = working[card]
        if isinstance(bill, given_bills.GivenBill):
            try:
                bill = given_bills.checkout_bill(shop, member, bill, at)
            except LoyaltyError as error:  # the points it was paid with are not there to spend
                result.rejected.append(Rejected(line, row, str(error)))
                continue
            pending.confirm(shop, member, at, operator=operator)
        points.earn(
            shop, member, bill, at=at, operator=operator, receipt=receipt, store=store, partner=partner
        )
        result.imported += 1
        if progress:
            progress(1)
    result.rejected.sort(key=lambda item: item.line)
    if progress:
        progress(result.rows - result.imported)
    return result


def _same_purchase(entry, card: str, amount: str, ledger_export: bool) -> bool:
    """Whether an earn entry is this row's purchase: the same card and receipt total (a ledger
    export's `amount` is the money paid)."""
    if entry.card != card:
        return False
    return amount == (entry.total or entry.amount) or (ledger_export and amount == entry.amount)


def _purchase_row(shop: Shop, row: dict, now: clock.Clock, tz, working: dict, ledger_export: bool = False):
    key = cards.normalise(row.get("card") or "")
    member = working.get(key)
    if member is None:
        member = shop.members.get(key) or _by_phone(shop, row.get("card") or "")
        if member is None:
            moved = card_moves.moved_to(shop, key)
            if moved:
                raise InvalidInput(
                    _("card {card} was replaced by card {new_card}").format(card=key, new_card=moved)
                )
            raise InvalidInput(_("unknown card {card!r}").format(card=row.get("card")))
        working[key] = working[member["card"]] = member
    card = member["card"]
    members.require_active(member)
    amount = parse_amount(_receipt_total(row, ledger_export))
    receipt = text_fields.clean(row.get("receipt") or "", "receipt")
    text_fields.clean(row.get("store"), "store")
    if not receipt:
        raise InvalidInput(_("the receipt is empty"))
    at = clock.parse_sheet_moment(row["at"], now, tz) if row.get("at") else now.now
    timeline.require_enrolled_by(shop, member, at, "a purchase")
    return card, amount, receipt, at


def _partner(shop: Shop, row: dict, named: dict[str, str]) -> str | None:
    """The partner shop of a row (its optional `partner` column; empty: the shop itself)."""
    text = " ".join(str(row.get("partner") or "").split())
    if not text:
        return None
    if text not in named:
        named[text] = partners.require(shop, text)["name"]
    return named[text]


def _receipt_total(row: dict, ledger_export: bool) -> str:
    """The receipt total of a row: `amount`, or in a ledger export its `total` when it has one."""
    if ledger_export and row.get("total"):
        return row["total"]
    return row.get("amount") or ""


def _recorded_on_a_moved_card(shop: Shop, row: dict, ledger_export: bool = False) -> bool:
    """A row of a re-run, recorded before its card was replaced or merged: already done."""
    card = cards.normalise(row.get("card") or "")
    if card not in card_moves.moves(shop):
        return False
    try:
        amount = to_text(parse_amount(_receipt_total(row, ledger_export)))
    except InvalidInput:
        return False
    receipt = " ".join(str(row.get("receipt") or "").split())
    return any(
        e.kind == "earn" and _same_purchase(e, card, amount, ledger_export)
        for e in shop.ledger.by_receipt(receipt)
    )


def _by_phone(shop: Shop, text: str) -> dict | None:
    # The `card` column of a till's export may hold the customer's phone instead.
    phone = phones.try_normalise(text, shop.programme().region) if text.strip() else None
    return shop.members.by_phone(phone) if phone else None


def write_rejects(path: Path, sheet: csv_input.Sheet, rejected: list[Rejected]) -> None:
    """The rejected rows as CSV, in line order: the file's columns, then the line and the reason.

    Written like the file it came from (its delimiter; a byte-order mark when it had one or
    was in another encoding), so it opens the same way and imports back once fixed. Cells,
    the header's too, are escaped like every CSV the tool writes, so a rejected `=...` name
    cannot run as a formula when the file is opened in a spreadsheet. The file appears
    complete or not at all; RejectsNotWritten says why it could not.
    """
    named = zip(sheet.header, sheet.columns, strict=True)
    keep = [(title, column) for title, column in named if column not in _OURS]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sheet.delimiter)
    writer.writerow([spreadsheet.safe_cell(title) for title, _ in keep] + list(_OURS))
    for item in sorted(rejected, key=lambda item: item.line):
        cells = [_reject_cell(column, item.row.get(column)) for _, column in keep]
        writer.writerow([*cells, item.line, spreadsheet.safe_cell(item.reason)])
    data = ("\ufeff" if sheet.bom else "") + buffer.getvalue()
    try:
        files.write_atomic(path, data.encode("utf-8"))
    except OSError as error:
        raise RejectsNotWritten(
            _("could not write the rejected rows to {path}: {reason}; nothing was imported").format(
                path=path, reason=files.reason(error)
            )
        ) from None


class RejectsNotWritten(DataProblem):
    """The rejects file could not be written (a full disk): the import is not applied either."""


_OURS = ("line", "reason")


def _reject_cell(column: str, value):
    if column == "amount":
        return spreadsheet.number_cell(value)
    return spreadsheet.safe_cell(value)
