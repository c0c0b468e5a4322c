"""Personal data: erase one member's for good, or export everything held about them.

An erasure removes name, phone, e-mail and birthday from the member document and from
every other file in the data directory that holds a copy of it (the rotating backups,
the archive a restore kept); the ledger stays, under the card number, and the erasure
itself is recorded as an entry. Ledger entries hold card numbers, never names, so the
hash chain is not touched.

On PostgreSQL the erasure is one transaction like any command, followed by a `VACUUM` of
the members and ledger tables so that no dead row version keeps the old document; what
the database keeps outside its tables (WAL segments, replicas, dumps taken before) is out
of reach (docs/backups-and-privacy.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson

from loyalty_cli import card_moves, clock, files, members, points
from loyalty_cli.errors import DataProblem, Refused
from loyalty_cli.language import _
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.storage import archives
from loyalty_cli.storage.folder import hot_file, journals, member_rows
from loyalty_cli.storage.folder.store import Store
from loyalty_cli.storage.unit_of_work import Shop

PERSONAL = ("name", "phone", "email", "birthday")
OTHER_MEMBER = "another member"
_TOKENS = re.compile(r"[0-9A-Za-z]+")
ERASED = members.ERASED  # the status reason, and the ledger entry's, in English
_KEYS = (*(f'"{key}"'.encode() for key in PERSONAL), b'"members":[')


@dataclass(frozen=True)
class Erasure:
    """What `erase` did: the card, when, and which other files it rewrote."""

    card: str
    erased_at: str
    already: bool
    rewritten: list[str]
    left: list[str]

    def to_json(self) -> dict:
        return {
            "card": self.card,
            "erased_at": self.erased_at,
            "already_erased": self.already,
            "files_rewritten": self.rewritten,
            "files_not_scrubbed": self.left,
        }


def erase(store, member_ref: str, *, now: clock.Clock, operator: str) -> Erasure:
    """Erase a member's personal data everywhere in the data directory; safe to run again.

    `store` is the folder `Store` or a `PostgresStore` (see `_erase_in_database`).
    """
    if not isinstance(store, Store):
        return _erase_in_database(store, member_ref, now=now, operator=operator)
    if not store.exists():
        raise Refused(_("no loyalty programme in {folder}").format(folder=store.root))
    with store.locked():
        _refuse_linked_backups(store)
        with store.changes() as shop:
            member = members.find(shop, member_ref)
            already = bool(member.get("erased_at"))
            if not already:
                erase_member(shop, member, at=now.now, operator=operator)
            else:  # an erasure interrupted before the journals were written: finished now
                forget_in_journals(shop, member["card"])
        try:
            # Backups may hold the member's row under a card they had before it was replaced.
            earlier = card_moves.replaced_cards(shop, member["card"])
            rewritten, left = scrub_files(store, {member["card"], *earlier})
        except OSError as error:
            card = member["card"]
            raise DataProblem(
                _(
                    "erased member {card} in the data file, but could not rewrite the copies in backups "
                    "({problem}); run `loyalty member erase {card} --yes` again"
                ).format(card=card, problem=files.reason(error))
            ) from None
    return Erasure(member["card"], member["erased_at"], already, rewritten, left)


def _erase_in_database(store, member_ref: str, *, now: clock.Clock, operator: str) -> Erasure:
    """The erasure on PostgreSQL: one transaction, then a VACUUM of the old row versions."""
    if not store.exists():
        raise Refused(_("no loyalty programme in {folder}").format(folder=store.place))
    with store.transaction() as shop:
        member = members.find(shop, member_ref)
        already = bool(member.get("erased_at"))
        if not already:
            erase_member(shop, member, at=now.now, operator=operator)
        else:
            forget_in_journals(shop, member["card"])
    # Committed: the old document is now a dead row version until it is vacuumed away.
    store.vacuum(("members", "ledger", "outbox", "answers"))
    return Erasure(member["card"], member["erased_at"], already, [], [])


def erase_member(shop: Shop, member: dict, *, at: datetime, operator: str) -> LedgerEntry:
    """Scrub the member document, close the card and record the erasure on the ledger."""
    for key in PERSONAL:
        member[key] = None
    member["consent"] = False
    member["status"] = "closed"
    member["status_reason"] = ERASED
    member["erased_at"] = clock.iso(at)
    shop.members.put(member)
    forget_in_journals(shop, member["card"])
    return points.record(
        shop, member, at=at, operator=operator, kind="adjust", points=0, lots={}, reason=ERASED
    )


def forget_in_journals(shop: Shop, card: str) -> None:
    """What the mail outbox knew of the member and the comments of their survey answers,
    under every card they held (replaced, or merged into theirs), forgotten."""
    for each in card_moves.history_cards(shop, card):
        shop.outbox.forget(each)
        shop.answers.forget(each)


def erase_again(store: Store, cards: list[str], *, now: clock.Clock, operator: str) -> list[str]:
    """Erase again members that had been erased before a restore brought them back (under the lock)."""
    if not cards:
        return []
    done = []
    with store.changes() as shop:
        for card in cards:
            member = shop.members.get(card)
            if member is not None and not member.get("erased_at"):
                erase_member(shop, member, at=now.now, operator=operator)
                done.append(card)
    if done:
        scrub_files(store, set(done))
    return done


def scrub_files(store: Store, cards: set[str]) -> tuple[list[str], list[str]]:
    """Remove the personal data of `cards` from every file in the directory (under the lock).

    Returns the files rewritten and those that could not be read to be scrubbed.
    """
    rewritten: list[str] = []
    left: list[str] = []
    for path in sorted(p for p in store.root.rglob("*") if p.is_file()):
        name = str(path.relative_to(store.root))
        if path.name == ".lock" or path.name.startswith(files.TEMP_PREFIX):
            continue
        try:
            if path.name.endswith(".tar.gz"):
                changed = archives.rewrite(path, lambda n, data: _scrub_member(n, data, cards), path.parent)
            elif path.suffix == ".json":
                changed = _scrub_json_file(path, cards, store)
            else:
                changed = False
        except DataProblem:
            left.append(name)
            continue
        if changed:
            rewritten.append(name)
    return rewritten, left


def scrub_json(data: bytes, cards: set[str]) -> bytes:
    """The JSON document with the personal fields of `cards` emptied (unchanged bytes if none)."""
    if not any(key in data for key in _KEYS) or not any(card.encode() in data for card in cards):
        return data
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise DataProblem("not JSON") from None
    if not _scrub(document, cards):
        return data
    if isinstance(document, dict) and hot_file.CHECKSUM in document:  # a hot file: a new checksum
        return hot_file.render(document)
    return orjson.dumps(document)


def scrub_journal(name: str, data: bytes, cards: set[str]) -> bytes:
    """A journal (journals.py) without the outbox's records of `cards` and without the
    comments of their survey answers (unchanged bytes if none)."""
    if not any(card.encode() in data for card in cards):
        return data
    kept = []
    for line in data.splitlines(keepends=True):
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            doc = None
        if isinstance(doc, dict) and doc.get("card") in cards:
            if name.startswith(f"{journals.OUTBOX}/"):
                continue
            if "comment" in doc:
                del doc["comment"]
                line = orjson.dumps(doc) + b"\n"
        kept.append(line)
    return b"".join(kept)


def _scrub_member(name: str, data: bytes, cards: set[str]) -> bytes:
    # A file inside an archive: the hot file, a partition or backup (JSON), or a journal.
    return scrub_journal(name, data, cards) if name.endswith(journals.SUFFIX) else scrub_json(data, cards)


def export(shop: Shop, member_ref: str, *, now: clock.Clock) -> dict:
    """Everything held about one member: their document, every ledger entry, draws, referrals.

    Other members' card numbers are not theirs to have (a card number redeems points at
    the till): wherever one would appear (the referrer, a referral bonus's reason) it reads
    OTHER_MEMBER, and the members they referred are counted, not listed.
    """
    member = members.find(shop, member_ref)
    card = member["card"]
    everyone = list(shop.members.all())
    theirs = card_moves.history_cards(shop, card)  # also the cards they held before
    others = {m["card"] for m in everyone} - set(theirs)
    return {
        "exported_at": clock.iso(now.now),
        "shop": shop.programme().name,
        "member": _without_cards(member, others),
        "entries": [_without_cards(entry.to_doc(), others) for entry in card_moves.entries_of(shop, card)],
        "draws": [_draw(doc, theirs) for doc in shop.draws.all() if any(_mentions(doc, c) for c in theirs)],
        "referred": sum(1 for m in everyone if m.get("referred_by") == card),
        "letters": [
            doc
            for campaign in shop.outbox.campaigns()
            for c, doc in shop.outbox.of(campaign).items()
            if c in theirs
        ],
        "answers": [doc for doc in shop.answers.all() if doc.get("card") in theirs],
    }


def _refuse_linked_backups(store: Store) -> None:
    # Copies behind a link are outside the data directory: neither found by the scrub nor
    # safe to rewrite (they may be another user's files). The owner moves them in first.
    if store.backup_dir.is_symlink():
        raise DataProblem(
            _(
                "{folder} is a symbolic link, so the copies of personal data in it cannot be "
                "erased safely; make it a folder inside the data directory (move its files in), then run "
                "this again; nothing was changed"
            ).format(folder=store.backup_dir)
        )


def _scrub_json_file(path: Path, cards: set[str], store: Store) -> bool:
    data = path.read_bytes()
    try:
        new = scrub_json(data, cards)
    except DataProblem:
        if path.parent == store.backup_dir:
            path.unlink()  # a damaged old copy that may hold the data: gone rather than kept
            return True
        raise
    if new == data:
        return False
    files.write_atomic(path, new)  # a new file: hard-linked siblings never see the old bytes
    return True


def _scrub(node, cards: set[str]) -> bool:
    changed = False
    if isinstance(node, dict) and isinstance(node.get("members"), list):  # a hot file's rows
        changed = _scrub_rows(node["members"], cards)
    if isinstance(node, dict):
        card = node.get("card")
        if isinstance(card, str) and card in cards and any(node.get(k) is not None for k in PERSONAL):
            for key in PERSONAL:
                if key in node:
                    node[key] = None
            if "consent" in node:
                node["consent"] = False
            changed = True
        for value in node.values():
            changed = _scrub(value, cards) or changed
    elif isinstance(node, list):
        for value in node:
            changed = _scrub(value, cards) or changed
    return changed


def _scrub_rows(rows: list, cards: set[str]) -> bool:
    changed = False
    for row in rows:
        if isinstance(row, list) and member_rows.card_of(row) in cards:
            doc = member_rows.from_row(row)
            if any(doc.get(key) is not None for key in PERSONAL):
                doc.update(dict.fromkeys(PERSONAL), consent=False)
                row[:] = member_rows.to_row(doc)
                changed = True
    return changed


def _without_cards(node, cards: set[str]):
    """`node` with every card number in `cards` (whole, or as a word of a text) replaced."""
    if isinstance(node, dict):
        return {key: _without_cards(value, cards) for key, value in node.items()}
    if isinstance(node, list):
        return [_without_cards(value, cards) for value in node]
    if isinstance(node, str):
        return _TOKENS.sub(lambda word: OTHER_MEMBER if word.group() in cards else word.group(), node)
    return node


def _mentions(node, card: str) -> bool:
    if isinstance(node, dict):
        return any(_mentions(v, card) for v in node.values())
    if isinstance(node, list):
        return any(_mentions(v, card) for v in node)
    return node == card


def _draw(doc: dict, cards: list[str]) -> dict:
    won = any(card in (doc.get("winners") or []) for card in cards)
    return {"name": doc.get("name"), "held_at": doc.get("held_at"), "won": won}
