"""Running a campaign: each letter sent at most once per member, whatever happens half-way.

The outbox in the store remembers, per campaign and member, what became of the letter.
The letters due are composed first, from one snapshot of the shop (released before the
first letter goes). Then for each letter the runner commits three short steps, and the
store's lock is never held while the mail server is talked to:

1. claim: a transaction marks the letter `sending`;
2. send: the message goes to the mail server;
3. record: a transaction marks it `sent` (and runs the campaign's `on_sent`, such as an
   offer's points) or `failed` with the server's reason.

The outbox is read under every card the member has held (a replaced card's letter went to
the same person), and the claim looks at the member again: one erased, blocked or who
withdrew their consent while a long campaign ran gets nothing, nor does a letter composed
for an address the member has changed since (the next run writes to the new one).

A run that is killed between 1 and 3 leaves `sending` behind: the letter may have gone.
Such a letter is *unsure*: the next runs report it and do not send it again, unless told to
(`resend_unsure`). A `failed` letter is sent again by the next run. A letter already `sent`
is skipped. When the server cannot take letters (unreachable, a temporary refusal, a broken
connection) the run stops, and the letters not yet sent wait for the next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from loyalty_cli import card_moves
from loyalty_cli import clock as clocks
from loyalty_cli.errors import InvalidInput, LoyaltyError, Refused
from loyalty_cli.mail import recipients
from loyalty_cli.mail.envelopes import envelope
from loyalty_cli.mail.transport import LetterRefused, Postbox, ServerProblem

if TYPE_CHECKING:
    from loyalty_cli.clock import Clock
    from loyalty_cli.mail.letters import Campaign, Letter
    from loyalty_cli.mail.settings import MailSettings

SENDING, SENT, FAILED = "sending", "sent", "failed"
ALREADY_SENT = "already sent"  # a reason in --json, like the campaigns' (data: not translated)
ADDRESS_CHANGED = "e-mail changed"  # since the letter was composed: the next run writes anew

# What the runner tells as it goes: (card, outcome, detail); outcome is one of the Run's lists,
# or "due" (card "", detail the number of letters to send) once they are composed.
Report = Callable[[str, str, str | None], None]


@dataclass
class Run:
    """What one run of a campaign did, card by card."""

    campaign: str
    sent: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # card -> why no letter went
    failed: dict[str, str] = field(default_factory=dict)  # card -> the server's reason
    unsure: list[str] = field(default_factory=list)  # claimed by a run that never recorded the end
    left: int = 0  # letters for the next run: --limit reached, or the run stopped
    tried: int = 0  # letters handed to the mail server (what --limit counts)
    stopped: str | None = None  # why the run stopped before the end (the mail server), or None
    written: list[str] = field(default_factory=list)  # a dry run's files

    def as_json(self) -> dict:
        """The --json document: counts under the SPEC's keys, then the cards."""
        return {
            "campaign": self.campaign,
            "sent": len(self.sent),
            "skipped": len(self.skipped),
            "failed": len(self.failed),
            "unsure": len(self.unsure),
            "left": self.left,
            "stopped": self.stopped,
            "cards": {
                "sent": self.sent,
                "skipped": self.skipped,
                "failed": self.failed,
                "unsure": self.unsure,
            },
            **({"written": self.written} if self.written else {}),
        }


@dataclass
class Pace:
    """How fast a run may go: at most `limit` letters, at most `per_minute` a minute.

    `sleep` and `monotonic` are the real ones except in tests.
    """

    limit: int | None = None
    per_minute: int | None = None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _last: float | None = None

    def reached(self, count: int) -> bool:
        """Whether `count` letters are all this run may send."""
        return self.limit is not None and count >= self.limit

    def wait(self) -> None:
        """Sleep until the next letter may go."""
        if self.per_minute:
            if self._last is not None:
                due = self._last + 60.0 / self.per_minute
                pause = due - self.monotonic()
                if pause > 0:
                    self.sleep(pause)
            self._last = self.monotonic()


def send_campaign(
    store,
    campaign: Campaign,
    settings: MailSettings,
    clock: Clock,
    *,
    pace: Pace | None = None,
    resend_unsure: bool = False,
    report: Report | None = None,
) -> Run:
    """Send the campaign's letters not sent yet; see the module's docstring for the steps."""
    pace = pace or Pace()
    tell = report or (lambda card, outcome, detail: None)
    run = Run(campaign.id)
    reader = store.read()
    sender = (settings.sender_name, settings.sender_address)
    moment = _moments(clock)
    with _Spool() as due:
        for letter, state in due_letters(reader, campaign, run, resend_unsure=resend_unsure):
            due.add(letter, state)
        release(reader)  # composed: no snapshot stays open while the letters go out
        for card in run.unsure:
            tell(card, "unsure", None)
        tell("", "due", str(len(due)))
        postbox = Postbox(settings)  # connected at the first letter to send, closed at the end
        try:
            for index, (letter, state) in enumerate(due):
                if run.stopped or pace.reached(run.tried):
                    run.left += len(due) - index
                    break
                _send_one(store, campaign, letter, postbox, run, pace, state, sender, clock, moment, tell)
        finally:
            postbox.close()
    run.skipped = {**campaign.skipped, **run.skipped}
    return run


def due_letters(
    reader, campaign: Campaign, run: Run, *, resend_unsure: bool
) -> Iterator[tuple[Letter, str | None]]:
    """The campaign's letters still to send, each with its state in the outbox (None, failed,
    or unsure when resent); a letter already sent goes to `run.skipped`, an unsure one (not
    resent) to `run.unsure`."""
    known = reader.outbox.of(campaign.id)
    for letter in campaign.letters(reader):
        state = state_of(reader, known, letter.card)
        if state == SENT:
            run.skipped[letter.card] = ALREADY_SENT
        elif state == SENDING and not resend_unsure:
            run.unsure.append(letter.card)
        else:
            yield letter, state


class _Spool:
    """The letters due, composed at once from one snapshot of the shop and kept in a file
    without a name (gone with the process, readable by it alone), then read back one by one.

    Composing first means the snapshot (on PostgreSQL an open transaction, which holds back
    the database's clean-up) is released in seconds, not kept for the hours a throttled
    campaign may take; and memory holds one letter at a time, attachments included.
    """

    def __init__(self):
        self._file = None
        self._count = 0

    def __enter__(self) -> _Spool:
        import tempfile

        self._file = tempfile.TemporaryFile(prefix="loyalty-mail-")
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()

    def __len__(self) -> int:
        return self._count

    def add(self, letter: Letter, state: str | None) -> None:
        import pickle

        pickle.dump((letter, state), self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __iter__(self):
        import pickle

        self._file.flush()
        self._file.seek(0)
        for _ in range(self._count):
            yield pickle.load(self._file)


def _moments(clock: Clock) -> Callable[[], str]:
    """When each step happens: the command's moment plus the time the run has taken, so the
    outbox tells when an unsure letter was claimed even in a campaign of several hours."""
    started = time.monotonic()
    return lambda: clocks.iso(clock.now + timedelta(seconds=round(time.monotonic() - started)))


def state_of(shop, known: dict[str, dict], card: str) -> str | None:
    """The letter's state in the campaign (`known`: its outbox), under any card the member
    has held: sent under one of them is sent; else claimed (unsure); else failed; else None."""
    states = {(known.get(each) or {}).get("state") for each in card_moves.history_cards(shop, card)}
    return next((state for state in (SENT, SENDING, FAILED) if state in states), None)


def release(reader) -> None:
    """Let go of a read-only shop's snapshot now (a store that keeps one open offers close())."""
    close = getattr(reader, "close", None)
    if close is not None:
        close()


def _send_one(
    store,
    campaign,
    letter: Letter,
    postbox: Postbox,
    run: Run,
    pace: Pace,
    state,
    sender,
    clock,
    moment: Callable[[], str],
    tell: Report,
) -> None:
    """Claim, send and record one letter, each step its own transaction."""
    card = letter.card
    try:
        message = envelope(letter, campaign=campaign.id, sender=sender, at=clock.now)
    except InvalidInput as error:
        _record(store, campaign.id, card, FAILED, moment, error=str(error))
        run.failed[card] = str(error)
        tell(card, "failed", str(error))
        return
    pace.wait()
    try:
        if not postbox.is_open:
            postbox.open()  # before the claim: an unreachable server leaves nothing unsure
    except ServerProblem as problem:
        run.stopped = str(problem)
        run.left += 1
        tell(card, "stopped", str(problem))
        return
    refused = _claim(store, campaign.id, letter, state, moment)
    if refused is not None:  # another run took it meanwhile, or the member changed
        run.skipped[card] = refused
        tell(card, "skipped", refused)
        return
    run.tried += 1
    try:
        postbox.send(message, letter.to)
    except LetterRefused as refusal:
        reason = _without_address(str(refusal), letter.to)
        _record(store, campaign.id, card, FAILED, moment, error=reason)
        run.failed[card] = reason
        tell(card, "failed", reason)
        return
    except ServerProblem as problem:
        reason = _without_address(str(problem), letter.to)
        run.stopped = reason
        if problem.unsure:  # the server may have it: left `sending`, never sent twice
            run.unsure.append(card)
            tell(card, "unsure", reason)
        else:  # refused for now (4xx) or never handed over: the next run sends it
            _record(store, campaign.id, card, FAILED, moment, error=reason)
            run.failed[card] = reason
            tell(card, "stopped", reason)
        return
    try:
        _record_sent(store, campaign, letter, clock, moment)
    except LoyaltyError as problem:  # busy, or the store failed: the letter went, unrecorded
        run.stopped = str(problem)
        run.unsure.append(card)
        tell(card, "unsure", str(problem))
        return
    run.sent.append(card)
    tell(card, "sent", None)


def _claim(
    store, campaign_id: str, letter: Letter, seen: str | None, moment: Callable[[], str]
) -> str | None:
    """Mark the letter `sending`; or, without marking anything, why it must not go: another
    run has claimed or sent it since it was read, or the member can no longer be mailed
    (erased, blocked, consent withdrawn) or has another address now."""
    with store.transaction() as shop:
        cards = card_moves.history_cards(shop, letter.card)
        now = state_of(shop, shop.outbox.of(campaign_id, cards), letter.card)
        if now != seen and now in (SENDING, SENT):
            return ALREADY_SENT
        member = shop.members.get(letter.card)
        why = recipients.why_not(member) if member is not None else "unknown member"
        if why is None and member.get("email") != letter.to:
            why = ADDRESS_CHANGED
        if why is not None:
            return why
        shop.outbox.mark(campaign_id, letter.card, SENDING, at=moment())
    return None


def _record(store, campaign_id: str, card: str, state: str, moment: Callable[[], str], **details) -> None:
    with store.transaction() as shop:
        shop.outbox.mark(campaign_id, card, state, at=moment(), **details)


def _record_sent(store, campaign: Campaign, letter: Letter, clock: Clock, moment: Callable[[], str]) -> None:
    """Mark the letter sent, with what the campaign does then (an offer's points) in the same
    transaction; if that is refused (the member was blocked meanwhile), the letter is still
    recorded as sent, with the refusal as a note. A busy or failing store is the caller's:
    the letter stays `sending` (unsure), so that it is neither sent nor credited twice."""
    try:
        with store.transaction() as shop:
            shop.outbox.mark(campaign.id, letter.card, SENT, at=moment())
            if campaign.on_sent is not None:
                campaign.on_sent(shop, letter, clock)
    except Refused as refusal:
        _record(store, campaign.id, letter.card, SENT, moment, note=str(refusal))


def _without_address(reason: str, address: str) -> str:
    """The server's reason without the member's address (servers often quote it): the outbox
    and the output name cards, never addresses."""
    import re

    return re.sub(re.escape(address), "<member>", reason, flags=re.IGNORECASE) if address else reason
