"""The hot file's layout: one JSON document, the members' rows last and one a line.

    {"meta":{...},"program":{...},"draws":{...},"ledger":{...},"members":[
    ["270000000009","Anna Bērziņa","+37129123456",...],
    ["270000000017","Jānis Ozols",null,...]
    ]}

Any JSON reader reads it whole (TinyDB's tables and the member rows). The layout lets a
command that needs one member skip parsing the twenty thousand others: JSON text never
holds a line break inside a value, so the rows can be told apart by the line breaks
alone (member_rows.StoredRows). A file in any other layout (edited by hand, rewritten by
an erasure) is parsed whole, and the next write puts it back in this one.
"""

from __future__ import annotations

import orjson

from .member_rows import StoredRows

MEMBERS_START = b',"members":[\n'
MEMBERS_END = b"\n]}"


def parse(raw: bytes) -> dict:
    """The document; its "members" are StoredRows. Raises orjson.JSONDecodeError, ValueError."""
    start = raw.find(MEMBERS_START)
    if start > 0 and raw.endswith(MEMBERS_END):
        try:
            data = orjson.loads(raw[:start] + b"}")
        except orjson.JSONDecodeError:
            data = None
        if isinstance(data, dict) and "members" not in data:
            data["members"] = StoredRows(raw, start + len(MEMBERS_START), len(raw) - len(MEMBERS_END))
            return data
    data = orjson.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("it is not a loyalty data file")
    members = data.get("members") or []
    data["members"] = StoredRows.of(members.values() if isinstance(members, dict) else members)
    return data


def render(data: dict) -> bytes:
    """The bytes of the hot file for `data` (its "members" StoredRows or a list of rows)."""
    members = data.get("members")
    if not isinstance(members, StoredRows):
        members = StoredRows.of(members or [])
    head = orjson.dumps({k: v for k, v in data.items() if k != "members"})[:-1]
    key = b',"members":' if len(head) > 1 else b'"members":'
    return b"".join((head, key, members.json(), b"}"))
