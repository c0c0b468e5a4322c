"""A letter to one member, and a campaign: the letters it sends and the members it leaves out.

A campaign only composes letters; the runner (`mail/sending.py`) sends each one once per
member through the outbox, keyed on the campaign's `id`. `letters(shop)` yields a letter for
every member with consent and an e-mail, and fills `skipped` with the others and why.
`on_sent` runs inside the transaction that records a letter as sent (an offer's points).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loyalty_cli import clock
    from loyalty_cli.storage.unit_of_work import Shop


@dataclass(frozen=True)
class Letter:
    """One message to one member, ready to be put in an envelope."""

    card: str
    to: str  # the member's e-mail
    subject: str
    text: str  # plain text, the unsubscribe line included
    html: str | None = None
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (filename, mime type "text/html", bytes)
    language: str = "en"


@dataclass
class Campaign:
    """The letters of one mailing, under the id the outbox remembers them by."""

    id: str  # outbox key, e.g. "statements-2026-10"
    letters: Callable[[Shop], Iterator[Letter]]  # letters to members with consent and an e-mail
    skipped: dict[str, str] = field(default_factory=dict)  # card -> why not mailed, filled by letters()
    on_sent: Callable[[Shop, Letter, clock.Clock], None] | None = None  # runs in the "sent" transaction
