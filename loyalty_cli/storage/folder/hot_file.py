"""The hot file's layout: one JSON document, the members' rows last and one a line.

    {"meta":{...},"program":{...},"draws":{...},"ledger":{...},"members":[
    ["270000000009","Anna Bērziņa","+37129123456",...],
    ["270000000017","Jānis Ozols",null,...]
    ]}

Any JSON reader reads it whole (TinyDB's tables and the member rows). The layout lets a
command that needs one member skip parsing the twenty thousand others: JSON text never
holds a line break inside a value, so the rows can be told apart by the line breaks
alone (member_rows.StoredRows). A file in any other layout (reformatted by a JSON tool)
is parsed whole, and the next write puts it back in this one.

The file opens with its own checksum, a CRC-32 of every byte after it:

    {"checksum":"crc32:1c291ca3","meta":{...},...

A writer parses only the rows it changes and copies the others byte for byte, so without
it a row damaged on disk would be copied into every later version and, after ten writes,
into every rotating backup. Every command that writes checks the checksum first
(`sound`, `damage`); on a 10 MB file that costs about 4 ms. A file in another layout
still passes if, laid out again, its content has the checksum it records: only its
layout changed.

The new file is never copied into one buffer: `pieces` gives it as the spans of the
file read (mapped into memory, files.read_mapped) with the changed rows in between, and
files.write_atomic writes them with one os.writev. Its checksum hashes only the changed
rows: the CRCs of the unchanged spans come from the marks kept while the file read was
checked (checksums.SpanChecksums) and are combined as zlib's crc32_combine does.
"""

from __future__ import annotations

import mmap
import zlib

import orjson

from loyalty_cli.language import _
from loyalty_cli.storage.folder.checksums import SpanChecksums
from loyalty_cli.storage.folder.member_rows import Buffer, StoredRows

MEMBERS_START = b',"members":[\n'
MEMBERS_END = b"\n]}"
CHECKSUM = "checksum"
_CHECKSUM_START = b'{"checksum":"crc32:'
_CHECKSUM_END = b'",'
_BODY = len(_CHECKSUM_START) + 8 + len(_CHECKSUM_END)  # where the checksummed bytes start


def parse(raw: bytes | mmap.mmap, checksums: SpanChecksums | None = None) -> dict:
    """The document; its "members" are StoredRows. Raises orjson.JSONDecodeError, ValueError.

    `raw` is the file's bytes or a mapping of it (files.read_mapped): the rows are used
    where they are. `checksums` (from `sound`) lets the next render hash only what changed.
    """
    start = raw.find(MEMBERS_START)
    if start > 0 and raw[-len(MEMBERS_END) :] == MEMBERS_END:
        try:
            data = orjson.loads(raw[:start] + b"}")
        except orjson.JSONDecodeError:
            data = None
        if isinstance(data, dict) and "members" not in data:
            data.pop(CHECKSUM, None)
            data["members"] = StoredRows(
                raw, start + len(MEMBERS_START), len(raw) - len(MEMBERS_END), checksums=checksums
            )
            return data
    data = orjson.loads(memoryview(raw))
    if not isinstance(data, dict):
        raise ValueError(_("it is not a loyalty data file"))
    data.pop(CHECKSUM, None)
    members = data.get("members") or []
    data["members"] = StoredRows.of(members.values() if isinstance(members, dict) else members)
    return data


def render(data: dict) -> bytes:
    """The bytes of the hot file for `data` (its "members" StoredRows or a list of rows)."""
    return b"".join(pieces(data))


def pieces(data: dict) -> list[Buffer]:
    """The hot file for `data` as pieces to write one after another (what `render` joins).

    The members' rows are views of the file they were read from, except those that
    changed: nothing is copied, and only what changed is hashed for the checksum.
    """
    members = data.get("members")
    if not isinstance(members, StoredRows):
        members = StoredRows.of(members or [])
    head = orjson.dumps({k: v for k, v in data.items() if k not in ("members", CHECKSUM)})[1:-1]
    key = b',"members":' if head else b'"members":'
    checksum = zlib.crc32(b"}", members.checksum(zlib.crc32(key, zlib.crc32(head))))
    return [_CHECKSUM_START + b"%08x" % checksum + _CHECKSUM_END + head + key, *members.pieces(), b"}"]


def sound(raw: bytes | mmap.mmap) -> SpanChecksums | None:
    """The CRCs of the bytes of a hot file that are byte for byte as loyalty wrote them
    (they match the checksum it records), or None."""
    recorded = _recorded_checksum(raw[:_BODY])
    if recorded is None:
        return None
    checksums = SpanChecksums(raw, _BODY)
    return checksums if checksums.crc == recorded else None


def damage(raw: bytes | mmap.mmap) -> str | None:
    """What is wrong with the bytes of a hot file, or None when they are as loyalty wrote them.

    Files of schema 1 to 3 carry no checksum: they are sound if they parse whole.
    """
    if sound(raw) is not None:
        return None
    try:  # the slow way, only for a file that is not byte for byte as written
        data = orjson.loads(memoryview(raw))
    except orjson.JSONDecodeError as error:
        return _("it is damaged ({error})").format(error=error)
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        return _("it is not a loyalty data file")
    schema = (data["meta"].get("1") or {}).get("schema")
    if isinstance(schema, int) and schema < 4:
        return None  # written before hot files carried a checksum
    recorded = data.get(CHECKSUM)
    if recorded is None:
        return _("it has lost its checksum")
    if not isinstance(data.get("members"), list):
        return _("its members are not a list")
    laid_out = pieces(data)[0]  # it opens with the checksum
    if laid_out[:_BODY] != _CHECKSUM_START + str(recorded).removeprefix("crc32:").encode() + _CHECKSUM_END:
        return _("its content does not match its checksum (it was damaged, or changed outside loyalty)")
    return None


def _recorded_checksum(start: bytes) -> int | None:
    if not start.startswith(_CHECKSUM_START) or not start.endswith(_CHECKSUM_END):
        return None
    try:
        return int(start[len(_CHECKSUM_START) : -len(_CHECKSUM_END)], 16)
    except ValueError:
        return None
