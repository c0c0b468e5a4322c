"""Ledger entries: immutable records of every change of points, chained by hashes.

An entry is never edited or deleted; a mistake is corrected by a new entry that refers to
the old one (`ref`). Each entry carries the SHA-256 of the previous entry's canonical form
(`prev`), so an edit anywhere in history breaks the chain where it was made.
"""

from __future__ import annotations

from typing import NamedTuple

import orjson

from loyalty_cli.errors import DataProblem
from loyalty_cli.language import _

# `opening`: a balance or a 12-month spend brought over from another system by an import.
# "replace" (a new card for a lost one) and "merge" (two records of one customer) move a
# card's history onto `to_card`; they change no points (see card_moves.py).
# `membership`: a paid membership plan bought or renewed (its fee earns nothing; see plans).
# `offer`: bonus points of a mailed offer (mail offer --bonus-points), in a lot of their own
# that lapses at the end of the month of the offer's last day (`until`); its receipt is
# "offer:CAMPAIGN:CARD", so that a member is never credited twice for one offer.
# `confirm` moves pending points into their expiry lot when the return window ends (pending.py).
KINDS = (
    "earn",
    "redeem",
    "expire",
    "refund",
    "adjust",
    "bonus",
    "prize",
    "opening",
    "replace",
    "merge",
    "confirm",
    "membership",
    "offer",
)
GENESIS = "0" * 64


class LedgerEntry(NamedTuple):
    """One change of a member's points. `lots` says which lots it added to or consumed.

    A NamedTuple: immutable, and cheap to build by the hundred thousand in an import.
    """

    id: int
    at: str
    card: str
    kind: str
    points: int
    lots: dict
    operator: str = ""
    prev: str = GENESIS
    amount: str | None = None
    month: str | None = None
    receipt: str | None = None
    rate: str | None = None
    multiplier: str | None = None
    reason: str | None = None
    store: str | None = None
    ref: int | None = None
    day: str | None = None  # the shop-local day (YYYY-MM-DD) the money counts on for tiers
    to_card: str | None = None  # replace, merge: the card this card's history moved to
    # A purchase with a loyalty discount or paid partly with points (checkout.py): `total` is
    # the receipt before the discount, `amount` what the customer paid in money (to_pay).
    total: str | None = None
    discount_percent: str | None = None
    discount: str | None = None
    paid_points: int | None = None
    paid_value: str | None = None
    reward: str | None = None  # redeem: the catalogue reward the points bought
    partner: str | None = None  # earn, redeem: the partner shop where it happened
    plan: str | None = None  # membership: the plan bought
    fee: str | None = None  # membership: the fee paid (money; not spend, earns nothing)
    until: str | None = None  # membership, offer: the last day (YYYY-MM-DD) it runs

    def to_doc(self) -> dict:
        """The stored form: every field that has a value."""
        doc = {name: value for name, value in zip(self._fields, self, strict=True) if value is not None}
        if isinstance(self.lots, dict):
            doc["lots"] = dict(self.lots)
        return doc

    @classmethod
    def from_doc(cls, doc: dict) -> LedgerEntry:
        """An entry from its stored form; DataProblem if it is not one."""
        try:
            return cls(**doc)
        except TypeError as error:
            what = doc.get("id", "?") if isinstance(doc, dict) else "?"
            raise DataProblem(
                _("entry {entry}: malformed ({error}); it was edited by hand").format(entry=what, error=error)
            ) from None


def entry_hash(doc: dict) -> str:
    """SHA-256 of an entry's canonical form (sorted keys, compact JSON)."""
    import hashlib  # here: loading OpenSSL costs a command that writes no entry 3 ms

    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


def chain(meta: dict, fields: dict) -> dict:
    """The stored form of a new entry with `fields` (None left out), linked to the chain:
    its id and `prev` come from meta's `next_id` and `last_hash`, which it then moves on.
    Every store appends through this, so the chain is made the same way on each."""
    doc = {k: v for k, v in fields.items() if v is not None}
    doc["id"], doc["prev"] = meta["next_id"], meta["last_hash"]
    meta["next_id"] += 1
    meta["last_hash"] = entry_hash(doc)
    return doc
