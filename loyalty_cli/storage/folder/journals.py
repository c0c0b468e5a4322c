"""Journals: append-only files of small documents beside the hot file.

The mail outbox (`outbox/<campaign>.jsonl`: which member each campaign's letter went to)
and the survey answers (`surveys/answers.jsonl`: NPS scores) grow with every letter and
answer, so they are kept out of the hot file, which every purchase rewrites. A transaction
appends its lines when it commits, after the hot file, each file fsynced: a campaign can
record every letter as it goes for the price of one short line.

One JSON document per line. A crash in the middle of an append leaves a last line without
its newline: readers ignore it, and the next writer (under the lock) cuts it off before it
appends. A complete line that is not JSON was changed by hand, and is reported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import orjson

from loyalty_cli import files
from loyalty_cli.errors import DataProblem
from loyalty_cli.language import _

OUTBOX = "outbox"
SURVEYS = "surveys"
ANSWERS = f"{SURVEYS}/answers.jsonl"
FOLDERS = (OUTBOX, SURVEYS)
SUFFIX = ".jsonl"
# A campaign's id names its file: lower-case letters, digits, dots and dashes.
CAMPAIGN_ID = re.compile(r"[a-z0-9][a-z0-9.-]{0,79}")


def check_campaign(campaign: str) -> str:
    """The campaign id, if it can name a file; ValueError otherwise (the caller makes ids)."""
    if not isinstance(campaign, str) or not CAMPAIGN_ID.fullmatch(campaign) or ".." in campaign:
        raise ValueError(f"not a campaign id: {campaign!r}")
    return campaign


def read(path: Path) -> list[dict]:
    """The documents of a journal, oldest first; [] when there is none yet."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as error:
        raise DataProblem(
            _("cannot read {path}: {reason}").format(path=path, reason=files.reason(error))
        ) from None
    return _parse(path, raw[: raw.rfind(b"\n") + 1], 1)  # a torn last line never counts


def _parse(path: Path, complete: bytes, first_line: int) -> list[dict]:
    """The documents of whole lines, the first of them line `first_line` of the file."""
    docs = []
    for number, line in enumerate(complete.splitlines(), start=first_line):
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            doc = None
        if not isinstance(doc, dict):
            raise DataProblem(
                _("{path}: line {line} is damaged; it was edited by hand").format(path=path, line=number)
            )
        docs.append(doc)
    return docs


def check_files(root: Path) -> Iterator[str]:
    """`verify`: a problem for each journal with a line changed by hand."""
    paths = [*sorted((root / OUTBOX).glob(f"*{SUFFIX}")), root / ANSWERS]
    for path in paths:
        try:
            read(path)
        except DataProblem as problem:
            yield str(problem)


def append(path: Path, docs: list[dict]) -> None:
    """Add documents at the end of a journal, durably (under the store's lock)."""
    if not docs:
        return
    files.ensure_dir(path.parent)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            tail = os.pread(fd, min(size, 1 << 16), max(0, size - (1 << 16)))
            cut = tail.rfind(b"\n")
            # Only a torn last line is cut; longer ones than this never exist.
            os.ftruncate(fd, size - len(tail) + cut + 1 if cut >= 0 else 0)
        files.write_pieces(fd, [orjson.dumps(doc) + b"\n" for doc in docs])
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        files.fsync_dir(path.parent)


def rewrite(path: Path, docs: list[dict]) -> None:
    """Replace a journal's content at once (an erasure), or remove it when nothing is left."""
    if docs:
        files.write_atomic(path, b"".join(orjson.dumps(doc) + b"\n" for doc in docs))
    elif path.exists():
        path.unlink()
        files.fsync_dir(path.parent)


class _LatestByCard:
    """Each campaign journal's latest record per card, read once per process and then only
    its new lines: a campaign that looks at its outbox before every letter (sending.py)
    does not read the whole journal again each time. A journal rewritten (an erasure makes
    a new file), shorter than it was (a torn line cut off) or changed at the end of what
    was read (by hand) is read again whole; `verify` reads every line (check_files)."""

    def __init__(self):
        # path -> ((device, inode), bytes read, the last bytes read, lines read, latest by card)
        self._known: dict[Path, tuple[tuple[int, int], int, bytes, int, dict[str, dict]]] = {}

    def of(self, path: Path) -> dict[str, dict]:
        try:
            with open(path, "rb") as handle:
                identity, offset, end, lines, latest = self._still_known(path, handle)
                handle.seek(offset)
                tail = handle.read()
        except FileNotFoundError:
            self._known.pop(path, None)
            return {}
        except OSError as error:
            raise DataProblem(
                _("cannot read {path}: {reason}").format(path=path, reason=files.reason(error))
            ) from None
        complete = tail[: tail.rfind(b"\n") + 1]
        docs = _parse(path, complete, lines + 1)
        for number, doc in enumerate(docs, start=lines + 1):
            if not isinstance(doc.get("card"), str):
                raise DataProblem(
                    _("{path}: line {line} is damaged; it was edited by hand").format(path=path, line=number)
                )
            latest[doc["card"]] = doc
        if complete:
            end = (end + complete)[-64:]
        self._known[path] = (identity, offset + len(complete), end, lines + len(docs), latest)
        return latest

    def _still_known(self, path: Path, handle) -> tuple[tuple[int, int], int, bytes, int, dict[str, dict]]:
        info = os.fstat(handle.fileno())
        identity = (info.st_dev, info.st_ino)
        known = self._known.get(path)
        if known is not None and known[0] == identity and known[1] <= info.st_size:
            offset, end = known[1], known[2]
            if os.pread(handle.fileno(), len(end), offset - len(end)) == end:
                return known
        return identity, 0, b"", 0, {}


_LATEST = _LatestByCard()


class Outbox:
    """Which member each campaign's letter went to: the latest state of each, by campaign."""

    def __init__(self, root: Path, shop):
        self._folder = root / OUTBOX
        self._shop = shop
        self._pending: dict[str, list[dict]] = {}
        self._forgotten: set[str] = set()

    @property
    def dirty(self) -> bool:
        return bool(self._pending or self._forgotten)

    def _path(self, campaign: str) -> Path:
        return self._folder / f"{check_campaign(campaign)}{SUFFIX}"

    def of(self, campaign: str, cards: list[str] | None = None) -> dict[str, dict]:
        """The latest record of each member in the campaign (of `cards` only, if given), by card."""
        stored = _LATEST.of(self._path(campaign))
        wanted = stored if cards is None else {c: stored[c] for c in cards if c in stored}
        latest = {card: dict(doc) for card, doc in wanted.items()}
        for doc in self._pending.get(campaign, ()):
            if cards is None or doc["card"] in cards:
                latest[doc["card"]] = dict(doc)
        for card in self._forgotten:
            latest.pop(card, None)
        return latest

    def mark(self, campaign: str, card: str, state: str, **details) -> None:
        """Record a member's state in a campaign (`at`, `error`, ... in `details`)."""
        self._shop._check_writable()
        self._path(campaign)
        self._pending.setdefault(campaign, []).append(
            {"campaign": campaign, "card": card, "state": state, **details}
        )

    def campaigns(self) -> list[str]:
        """Every campaign with records, by id."""
        found = set(self._pending)
        if self._folder.is_dir():
            found.update(p.stem for p in self._folder.glob(f"*{SUFFIX}") if CAMPAIGN_ID.fullmatch(p.stem))
        return sorted(found)

    def forget(self, card: str) -> None:
        """Drop every record of a member (an erasure)."""
        self._shop._check_writable()
        self._forgotten.add(card)
        for campaign, docs in self._pending.items():
            self._pending[campaign] = [d for d in docs if d["card"] != card]

    def write(self) -> None:
        """Write what the transaction changed (the store calls this as it commits)."""
        if self._forgotten and self._folder.is_dir():
            for path in sorted(self._folder.glob(f"*{SUFFIX}")):
                docs = read(path)
                kept = [d for d in docs if d.get("card") not in self._forgotten]
                if len(kept) != len(docs):
                    rewrite(path, kept)
        for campaign, docs in self._pending.items():
            append(self._path(campaign), docs)
        self._pending, self._forgotten = {}, set()


class Answers:
    """Survey answers (NPS scores), oldest first."""

    def __init__(self, root: Path, shop):
        self._path = root / ANSWERS
        self._shop = shop
        self._pending: list[dict] = []
        self._forgotten: set[str] = set()

    @property
    def dirty(self) -> bool:
        return bool(self._pending or self._forgotten)

    def add(self, doc: dict) -> None:
        """A new answer."""
        self._shop._check_writable()
        self._pending.append(dict(doc))

    def all(self) -> Iterator[dict]:
        """Every answer, oldest first, with this transaction's."""
        for doc in (*read(self._path), *self._pending):
            if doc.get("card") in self._forgotten and "comment" in doc:
                doc = {k: v for k, v in doc.items() if k != "comment"}
            yield dict(doc)

    def forget(self, card: str) -> None:
        """Remove the comments of a member's answers (an erasure); the scores stay."""
        self._shop._check_writable()
        self._forgotten.add(card)
        self._pending = [_without_comment(d) if d.get("card") == card else d for d in self._pending]

    def write(self) -> None:
        """Write what the transaction changed (the store calls this as it commits)."""
        if self._forgotten:
            docs = read(self._path)
            if any(d.get("card") in self._forgotten and "comment" in d for d in docs):
                rewrite(
                    self._path, [_without_comment(d) if d.get("card") in self._forgotten else d for d in docs]
                )
        append(self._path, self._pending)
        self._pending, self._forgotten = [], set()


def _without_comment(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "comment"}
