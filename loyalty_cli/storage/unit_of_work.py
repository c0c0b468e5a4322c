"""The unit of work every store offers: what a command reads and changes in one transaction.

A command opens one transaction on a store, reads and changes the shop through its
repositories, and the store writes everything at once when the block ends (or nothing,
on an error or a dry run). `storage.folder.store.Store` keeps the shop in a data folder,
`storage.postgres.store.PostgresStore` in PostgreSQL; the rest of the code never asks
which one it runs on. These classes only describe that contract (for type checkers and
for tests/test_architecture.py, which holds both stores to it); nothing imports them at
run time.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from loyalty_cli.ledger import LedgerEntry
    from loyalty_cli.program import Programme


class Store(Protocol):
    """Where a shop lives: one transaction per command, readers never wait."""

    def exists(self) -> bool:
        """Whether a programme has been set up here."""

    def read(self) -> Shop:
        """The shop as it stands, for a command that changes nothing."""

    def transaction(self, *, create: bool = False, dry_run: bool = False) -> AbstractContextManager[Shop]:
        """One writer at a time (waiting up to --wait): everything written at the end, or nothing."""

    def version(self) -> Hashable:
        """A cheap token that changes whenever a transaction commits a change of the
        programme, members, ledger or records (None before `init`), so that a long-running
        session reads again only when the data changed underneath it. The mail outbox and
        survey answers alone do not move it."""


class Members(Protocol):
    """The members, by card number: buffered changes, read back at once."""

    def __len__(self) -> int: ...

    def __contains__(self, card: str) -> bool: ...

    def get(self, card: str) -> dict | None:
        """The member with this card, or None."""

    def by_phone(self, phone: str) -> dict | None:
        """The member with this (normalised) phone number, or None."""

    def require(self, card: str) -> dict:
        """The member with this card, or UnknownMember."""

    def all(self) -> Iterator[dict]:
        """Every member."""

    def enrolled_between(self, since: str, until: str) -> Iterator[dict]:
        """The members enrolled in a period."""

    def stored_rows(self) -> Iterator:
        """Every member in its stored form, for code that reads many quickly."""

    def add(self, doc: dict) -> None:
        """A new member."""

    def put(self, doc: dict) -> None:
        """A changed member."""

    def rename(self, doc: dict, card: str) -> None:
        """A member under a new card number."""

    def cards_referred_by(self, card: str) -> list[str]:
        """The cards this member referred."""

    def repack(self) -> None:
        """Store every member afresh (after a migration)."""


class Ledger(Protocol):
    """The ledger: entries appended, never changed, chained by their hashes."""

    def append(self, **fields) -> LedgerEntry:
        """A new entry, numbered and chained to the last one."""

    def entries(
        self, card: str | None = None, *, since: str | None = None, until: str | None = None
    ) -> Iterator[LedgerEntry]:
        """Entries in ledger order, of one member if `card`, within a window if given."""

    def by_receipt(self, receipt: str) -> list[LedgerEntry]:
        """The entries recorded under a receipt, from all of history."""


class Records(Protocol):
    """Named records: draws, rewards, membership plans, partner shops."""

    def get(self, name: str) -> dict | None:
        """The record of this exact name, or None."""

    def named(self, name: str, *, keep=None) -> dict | None:
        """The record of this name as people type it, or None."""

    def all(self) -> list[dict]:
        """Every record."""

    def put(self, doc: dict) -> None:
        """A new or changed record."""


class Outbox(Protocol):
    """Which member each mail campaign's letter went to: a letter goes once per campaign and member.

    States: "sending" (claimed just before the send), "sent", "failed". A "sending" that a
    later run finds was left by a run that stopped half-way: the letter may have gone.
    """

    def of(self, campaign: str, cards: list[str] | None = None) -> dict[str, dict]:
        """The latest record of each member in the campaign (of `cards` only, if given: what
        a campaign looks at before each letter), by card:
        {"campaign", "card", "state", "at", ...details}."""

    def mark(self, campaign: str, card: str, state: str, **details) -> None:
        """Record a member's state in a campaign; `details` holds `at` and e.g. `error`."""

    def campaigns(self) -> list[str]:
        """Every campaign id with records, sorted."""

    def forget(self, card: str) -> None:
        """Drop every record of a member (an erasure)."""


class Answers(Protocol):
    """Survey answers (NPS scores): appended, never edited but for an erasure's."""

    def add(self, doc: dict) -> None:
        """A new answer: {"at", "card", "score", "operator", "comment"?, "store"?, "source"?, "ref"?}."""

    def all(self) -> Iterator[dict]:
        """Every answer, oldest first, with this transaction's."""

    def forget(self, card: str) -> None:
        """Remove the comments of a member's answers (an erasure); the scores stay."""


class Shop(Protocol):
    """A shop inside one transaction: its programme, members, ledger and records."""

    root: Path | None  # the data folder; None where there is none (file-specific code only)
    writable: bool
    meta: dict  # the ledger's counters and the jobs' dates
    members: Members
    ledger: Ledger
    draws: Records
    rewards: Records
    plans: Records
    partners: Records
    outbox: Outbox
    answers: Answers

    @property
    def changed(self) -> bool:
        """Whether the transaction has anything to write."""

    def has_programme(self) -> bool:
        """Whether the programme has been set up."""

    def programme(self) -> Programme:
        """The programme's settings."""

    def save_settings(self, settings: dict) -> None:
        """Replace the programme's settings."""

    def touch_meta(self) -> None:
        """Mark meta as changed."""
