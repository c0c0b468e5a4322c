"""The stored form of a member: one compact JSON row instead of a nested document.

Every command parses the whole hot file, and with it every member. A member as a nested
document is some forty JSON values (lots and monthly spend are a dozen keys each); as a
row it is sixteen, and parsing takes about a third of the time (20,000 members: 35 ms
instead of 100 ms with orjson). Lots and spend become short strings (lots
"2026-12:18,2027-01:22", spend by day "2026-07:20=600.00/25=12.30") that are unpacked only
for the members a command looks at.

    [card, name, phone, email, birthday, consent, status, tier, enrolled_at, referred_by,
     balance, lots, spend, purchases, last_purchase, other, language]

`other` holds any further keys of the document (status_reason, erased_at ...), or null.
`language` ("lv", or null for a member stored before members had a language) came with
schema 5; a row of schema 4 and before ends with `other`, and reads as having none.
`to_row` and `from_row` are exact inverses for every document loyalty writes; a row edited
by hand into something else comes back as a document whose points `verify` reports.
"""

from __future__ import annotations

import mmap
import zlib

import orjson

from loyalty_cli.errors import DataProblem
from loyalty_cli.language import _
from loyalty_cli.storage.folder import checksums
from loyalty_cli.storage.folder.checksums import SpanChecksums

Buffer = bytes | memoryview

DETAILS = (
    "card",
    "name",
    "phone",
    "email",
    "birthday",
    "consent",
    "status",
    "tier",
    "enrolled_at",
    "referred_by",
)
POINTS = ("balance", "lots", "spend", "purchases", "last_purchase")
_WIDTH = len(DETAILS) + len(POINTS) + 2
_WIDTHS = (_WIDTH - 1, _WIDTH)  # rows of schema 4 and before have no language
_BALANCE = len(DETAILS)
_OTHER = _BALANCE + len(POINTS)
# Pieces shorter than this are hashed again: taking a span's CRC from the checked file and
# combining it costs about as much as hashing 500 kB.
_HASHED_AGAIN_BELOW = 1 << 19


def to_row(doc: dict) -> list:
    """The stored row of a member document."""
    points = doc.get("points")
    language = doc.get("language")
    if not isinstance(language, str):
        language = None  # absent, or edited by hand into something else: kept in `other`
    other = {
        k: v
        for k, v in doc.items()
        if k not in DETAILS and k != "points" and not (k == "language" and (v is None or language))
    }
    if isinstance(points, dict):
        extra = {k: v for k, v in points.items() if k not in POINTS}
        if extra:
            other["points"] = extra
    else:
        other["points"] = points  # not a projection (edited by hand): kept as it is
        points = {}
    return [
        *(doc.get(k) for k in DETAILS),
        points.get("balance"),
        _pack(points.get("lots"), int),
        _pack_spend(points.get("spend")),
        points.get("purchases"),
        points.get("last_purchase"),
        other or None,
        language,
    ]


def from_row(row) -> dict:
    """The member document of a stored row (a document stored whole is returned as it is)."""
    if isinstance(row, dict):
        return row
    if not isinstance(row, list) or len(row) not in _WIDTHS:
        return {"card": None, "points": None, "row": row}
    doc = dict(zip(DETAILS, row[: len(DETAILS)], strict=True))
    points = {
        "balance": row[_BALANCE],
        "lots": _unpack(row[_BALANCE + 1], int),
        "spend": _unpack_spend(row[_BALANCE + 2]),
        "purchases": row[_BALANCE + 3],
        "last_purchase": row[_BALANCE + 4],
    }
    doc["points"] = points
    if len(row) == _WIDTH and row[-1] is not None:
        doc["language"] = row[-1]
    other = row[_OTHER]
    if isinstance(other, dict):
        for key, value in other.items():
            if key == "points":
                if isinstance(value, dict):
                    points.update(value)
                else:
                    doc["points"] = value
            else:
                doc[key] = value
    return doc


def card_of(row) -> str | None:
    """The card of a stored row, without unpacking it."""
    if isinstance(row, dict):
        return row.get("card")
    return row[0] if isinstance(row, list) and row else None


def enrolled_at_of(row) -> str | None:
    """When the member of a stored row enrolled (stored form), without unpacking it."""
    if isinstance(row, dict):
        return row.get("enrolled_at")
    return row[8] if isinstance(row, list) and len(row) > 8 else None


def phone_of(row) -> str | None:
    """The phone of a stored row, without unpacking it."""
    if isinstance(row, dict):
        return row.get("phone")
    return row[2] if isinstance(row, list) and len(row) > 2 else None


def referrer_of(row) -> str | None:
    """The card of the member who referred the member of a stored row, without unpacking it."""
    if isinstance(row, dict):
        return row.get("referred_by")
    return row[9] if isinstance(row, list) and len(row) > 9 else None


def has_other(row, key: str) -> bool:
    """Whether the document of a stored row has `key` among its further keys (`other`),
    without unpacking it."""
    if isinstance(row, dict):
        return key in row
    other = row[_OTHER] if isinstance(row, list) and len(row) in _WIDTHS else None
    return isinstance(other, dict) and key in other


def unpack_spend(packed) -> dict:
    """The spend by day of a stored row's spend field ({} when it is not what loyalty writes)."""
    spend = _unpack_spend(packed)
    return spend if isinstance(spend, dict) else {}


def _pack(mapping, kind):
    """{"2026-12": 18, "2027-01": 22} -> "2026-12:18,2027-01:22"; anything else as it is."""
    if not isinstance(mapping, dict):
        return mapping
    parts = []
    for key, value in mapping.items():
        if (
            not isinstance(key, str)
            or ":" in key
            or "," in key
            or type(value) is not kind
            or "," in str(value)
            or "=" in key + str(value)  # would read back as days grouped by month (_pack_spend)
        ):
            return mapping  # not what loyalty writes: kept whole, for `verify` to report
        parts.append(f"{key}:{value}")
    return ",".join(parts)


def _unpack(text, kind):
    if not isinstance(text, str):
        return text
    if not text:
        return {}
    unpacked = {}
    for part in text.split(","):
        key, _, value = part.partition(":")
        if kind is int:
            try:
                unpacked[key] = int(value)
            except ValueError:
                return text  # edited by hand: `verify` reports the shape
        else:
            unpacked[key] = value
    return unpacked


def _pack_spend(spend):
    """Spend by day with the days of a month together, as they follow one another:
    {"2026-07-20": "600.00", "2026-07-25": "12.30"} -> "2026-07:20=600.00/25=12.30".
    Anything else as _pack packs it."""
    if not isinstance(spend, dict) or not spend or not all(_is_spend_day(k, v) for k, v in spend.items()):
        return _pack(spend, str)
    groups: list[tuple[str, list[str]]] = []
    for key, value in spend.items():
        if not groups or groups[-1][0] != key[:7]:
            groups.append((key[:7], []))
        groups[-1][1].append(f"{key[8:]}={value}")
    return ",".join(f"{month}:{'/'.join(days)}" for month, days in groups)


def _unpack_spend(text):
    if not isinstance(text, str) or "=" not in text:
        return _unpack(text, str)
    unpacked = {}
    for part in text.split(","):
        month, _, days = part.partition(":")
        for item in days.split("/"):
            day, _, value = item.partition("=")
            unpacked[f"{month}-{day}"] = value
    return unpacked


def _is_spend_day(key, value) -> bool:
    return (
        isinstance(key, str)
        and len(key) == 10
        and key[4] == "-"
        and key[7] == "-"
        and key.replace("-", "").isdigit()
        and isinstance(value, str)
        and not any(mark in value for mark in ",:/=")
    )


class StoredRows:
    """The members' rows as the hot file holds them, one a line, parsed only when asked.

    `buffer[start:stop]` holds the rows joined by ",\n" (no row holds a line break), with
    "[\n" before and "\n]" after, so that the bytes read from the hot file (or the file
    mapped into memory, files.read_mapped) are used as they are, without a copy. A command
    about one member finds that member's line with a byte search and parses that line
    alone; after LOOKUPS_BEFORE_INDEX lookups (an import, a report) every row is parsed
    once and looked up in a dict instead. Rows not changed are written back as the bytes
    they were read as: `with_changes` gives rows made of pieces (views of this buffer and
    the changed rows' bytes), which the hot file is written from (`pieces`, `checksum`)
    and which are joined into one buffer only if something reads them afterwards.
    """

    LOOKUPS_BEFORE_INDEX = 16

    def __init__(
        self,
        buffer: bytes | mmap.mmap,
        start: int = 2,
        stop: int | None = None,
        *,
        checksums: SpanChecksums | None = None,
    ):
        self._buffer: bytes | mmap.mmap | None = buffer
        self.start = start
        self.stop = len(buffer) - 2 if stop is None else stop
        # The CRCs of the buffer's spans (the hot file as read and checked), if known.
        self.checksums = checksums
        # After with_changes: the rows as pieces, each a view of the rows they were made
        # from (with its place there) or new bytes (None), joined only if read again.
        self._pieces: list[tuple[Buffer, int | None]] | None = None
        self._source: SpanChecksums | None = None
        self._parsed: dict[str, list] | None = None
        self._lookups = 0
        self._spans: dict[str, slice] = {}  # where the rows found so far are in the buffer

    @property
    def buffer(self) -> bytes | mmap.mmap:
        """The bytes that hold the rows (at start:stop)."""
        if self._buffer is None:
            self._buffer = b"".join(piece for piece, _at in self._pieces)
        return self._buffer

    @classmethod
    def of(cls, rows) -> StoredRows:
        """From parsed rows (or, from schema 1, member documents)."""
        lines = b",\n".join(orjson.dumps(to_row(row) if isinstance(row, dict) else row) for row in rows)
        return cls(b"[\n" + lines + b"\n]")

    def __len__(self) -> int:
        if self.stop == self.start:
            return 0
        return bytes(self._body()).count(b"\n") + 1  # a mapped file has no count()

    def json(self) -> memoryview:
        """The rows as a JSON array (a view into the buffer)."""
        return memoryview(self.buffer)[self.start - 2 : self.stop + 2]

    def pieces(self) -> list[Buffer]:
        """The rows as a JSON array, in pieces to write one after another (nothing copied)."""
        if self._pieces is not None:
            return [piece for piece, _at in self._pieces]
        return [self.json()]

    def checksum(self, crc: int = 0) -> int:
        """zlib.crc32 of the JSON array, continuing `crc`: spans of a checked file are not hashed again."""
        if self._pieces is not None:
            pieces, source = self._pieces, self._source
        else:
            pieces, source = [(self.json(), self.start - 2)], self.checksums
        for piece, at in pieces:
            size = len(piece)
            if source is not None and at is not None and size > _HASHED_AGAIN_BELOW:
                crc = checksums.combine(crc, source.span(at, at + size), size)
            else:
                crc = zlib.crc32(piece, crc)
        return crc

    def find(self, card: str):
        """The stored row of this card (freshly parsed), or None."""
        if self._parsed is None:
            self._lookups += 1
            if self._lookups <= self.LOOKUPS_BEFORE_INDEX:
                span = self._span(card)
                return None if span is None else _parse(memoryview(self.buffer)[span])
        row = self.rows().get(card)
        return None if row is None else orjson.loads(orjson.dumps(row))

    def rows_mentioning(self, prefixes: list[str]) -> list:
        """The rows holding a string that starts with one of `prefixes` (a byte search, each
        row parsed alone): for a few days' enrolments without parsing every member."""
        if self._parsed is not None:
            return list(self._parsed.values())
        found: dict[int, object] = {}
        for prefix in prefixes:
            needle = orjson.dumps(prefix)[:-1]  # the opening quote, no closing one
            at = self.buffer.find(needle, self.start, self.stop)
            while at >= 0:
                line = self._line_around(at)
                if line.start not in found:
                    found[line.start] = _parse(memoryview(self.buffer)[line])
                at = self.buffer.find(needle, line.stop, self.stop)
        return [found[start] for start in sorted(found)]

    def card_with_phone(self, phone: str) -> str | None:
        """The card of the stored row with this phone, or None (a byte search: for a few lookups)."""
        needle = orjson.dumps(phone)
        at = self.buffer.find(needle, self.start, self.stop)
        while at >= 0:
            row = _parse(memoryview(self.buffer)[self._line_around(at)])
            if phone_of(row) == phone:
                return card_of(row)
            at = self.buffer.find(needle, at + 1, self.stop)
        return None

    def rows(self) -> dict[str, list]:
        """Every stored row by card, in enrolment order (parsed once)."""
        if self._parsed is None:
            self._parsed = {card_of(row): row for row in _parse(self.json())}
        return self._parsed

    def with_changes(self, changed: dict[str, list], added: list[list]) -> StoredRows:
        """These rows in place of the stored ones, the added ones last; the rest byte for byte."""
        if len(changed) <= self.LOOKUPS_BEFORE_INDEX:
            body = self._spliced(changed)
        else:  # many: one pass over the lines
            lines = bytes(self._body()).split(b",\n") if self.stop > self.start else []
            keys = {orjson.dumps(card): card for card in changed}
            left = dict(changed)
            for index, line in enumerate(lines):
                card = keys.get(line[1 : line.find(b'",') + 1])
                if card is not None and card in left:
                    lines[index] = orjson.dumps(left.pop(card))
            body = [(b",\n".join(lines), None)]
            if left:  # rows whose cards do not look as loyalty writes them
                spliced = StoredRows(b"[\n" + body[0][0] + b"\n]")._spliced(left)
                body = [(piece, None) for piece, _at in spliced]  # places in a buffer of its own
        if added:
            if self.stop > self.start:
                body.append((b",\n", None))
            body.append((b",\n".join(orjson.dumps(row) for row in added), None))
        return StoredRows._of_pieces([(b"[\n", None), *body, (b"\n]", None)], self.checksums)

    @classmethod
    def _of_pieces(cls, pieces: list[tuple[Buffer, int | None]], source: SpanChecksums | None) -> StoredRows:
        """Rows made of pieces; `source` has the CRCs of the buffer the views' places are in."""
        rows = cls(b"", 2, sum(len(piece) for piece, _at in pieces) - 2)
        rows._buffer, rows._pieces, rows._source = None, pieces, source
        return rows

    def _spliced(self, changed: dict[str, list]) -> list[tuple[Buffer, int | None]]:
        """The rows, these changed, as pieces: views of the buffer (and where they start in
        it), the changed rows' new bytes (and None)."""
        view, at, pieces = memoryview(self.buffer), self.start, []
        spans = [(self._span(card, missing_ok=False), row) for card, row in changed.items()]
        for span, row in sorted(spans, key=lambda item: item[0].start):
            pieces += [(view[at : span.start], at), (orjson.dumps(row), None)]
            at = span.stop
        pieces.append((view[at : self.stop], at))
        return pieces

    def _body(self) -> memoryview:
        return memoryview(self.buffer)[self.start : self.stop]

    def _span(self, card: str, *, missing_ok: bool = True) -> slice | None:
        # Kept: a command that changes a member searches for its row again to write it.
        span = self._spans.get(card)
        if span is not None:
            return span
        key = b"[" + orjson.dumps(card) + b","
        if self.buffer[self.start : min(self.start + len(key), self.stop)] == key:  # no startswith in a mmap
            begin = self.start
        else:
            begin = self.buffer.find(b"\n" + key, self.start, self.stop)
            if begin < 0:
                if missing_ok:
                    return None
                raise KeyError(card)
            begin += 1
        span = self._spans[card] = slice(begin, self._line_end(begin))
        return span

    def _line_around(self, at: int) -> slice:
        begin = max(self.buffer.rfind(b"\n", self.start, at) + 1, self.start)
        return slice(begin, self._line_end(at))

    def _line_end(self, at: int) -> int:
        end = self.buffer.find(b",\n", at, self.stop)
        return end if end >= 0 else self.stop


def _parse(data):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise DataProblem(
            _("a member row in the hot file is damaged ({error}); restore the data from a backup").format(
                error=error
            )
        ) from None
