"""The hot file is read where it lies and written from the pieces of the one read.

The hot file is mapped into memory, not copied (files.read_mapped). A command rewrites
it as views of the file it read with its changed rows in between (hot_file.pieces),
written with os.writev (files.write_pieces); its checksum is chained from the CRCs of
the unchanged spans, taken while the file was checked (checksums.SpanChecksums), and of
the changed rows.
"""

from __future__ import annotations

import errno
import mmap
import os
import random
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty_cli import files
from loyalty_cli.storage.folder import checksums, hot_file, member_rows
from loyalty_cli.storage.folder.store import Store

pytestmark = pytest.mark.folder_only  # the hot file's bytes

MEMBERS = 20_000  # rows enough for unchanged spans longer than those hashed again


def _bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_combined_crcs_are_the_crc_of_the_bytes_one_after_another(first, second):
    combined = checksums.combine(zlib.crc32(first), zlib.crc32(second), len(second))
    assert combined == zlib.crc32(first + second)
    assert checksums.separate(zlib.crc32(first + second), zlib.crc32(first), len(second)) == zlib.crc32(
        second
    )


@settings(max_examples=40)
@given(st.integers(0, 2**32), st.integers(0, 3 * checksums.MARK + 100), st.integers(0, 40), st.data())
def test_the_crc_of_any_span_is_the_crc_of_its_bytes(seed, size, base, data):
    buffer = _bytes(seed, size)
    base = min(base, size)
    spans = checksums.SpanChecksums(buffer, base)
    assert spans.crc == zlib.crc32(buffer[base:])
    start = data.draw(st.integers(base, size))
    stop = data.draw(st.integers(start, size))
    assert spans.span(start, stop) == zlib.crc32(buffer[start:stop])


def test_a_span_outside_the_checked_bytes_is_refused():
    spans = checksums.SpanChecksums(b"0123456789", 2)
    with pytest.raises(ValueError):
        spans.span(1, 5)


def _shop_file(members: int = MEMBERS) -> bytes:
    rows = [
        [str(270000000000 + n), f"Member {n}", None, n, "2026-07:20=600.00/25=12.30"] for n in range(members)
    ]
    return hot_file.render({"meta": {"1": {"schema": 4}}, "ledger": {}, "members": rows})


SHOP_FILE = _shop_file()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, MEMBERS - 1), unique=True, max_size=20), st.integers(0, 3))
def test_a_file_written_from_pieces_is_the_file_rendered_whole_with_its_checksum(changed_numbers, added):
    data = hot_file.parse(SHOP_FILE, hot_file.sound(SHOP_FILE))
    changed = {
        str(270000000000 + n): [str(270000000000 + n), "Changed", "+371", n, ""] for n in changed_numbers
    }
    new = [[str(280000000000 + n), "New", None, n, ""] for n in range(added)]
    data["members"] = data["members"].with_changes(changed, new)
    written = b"".join(hot_file.pieces(data))
    assert written == hot_file.render(hot_file.parse(written))  # the checksum of the rendered whole
    assert hot_file.damage(written) is None
    assert hot_file.sound(written).crc == zlib.crc32(written[len(b'{"checksum":"crc32:12345678",') :])


def test_a_rewrite_hashes_only_the_rows_that_changed(monkeypatch):
    data = hot_file.parse(SHOP_FILE, hot_file.sound(SHOP_FILE))
    card = str(270000000000 + MEMBERS // 2)
    data["members"] = data["members"].with_changes({card: [card, "Changed", None, 0, ""]}, [])
    hashed = []
    real = zlib.crc32
    monkeypatch.setattr(zlib, "crc32", lambda piece, crc=0: hashed.append(len(piece)) or real(piece, crc))
    hot_file.pieces(data)
    assert sum(hashed) < len(SHOP_FILE) // 4


def test_rows_written_from_pieces_can_still_be_read_after_the_write():
    data = hot_file.parse(SHOP_FILE, hot_file.sound(SHOP_FILE))
    card = str(270000000000 + 7)
    stored = data["members"].with_changes({card: [card, "Changed", None, 7, ""]}, [])
    data["members"] = stored
    hot_file.pieces(data)
    assert stored.find(card) == [card, "Changed", None, 7, ""]
    assert stored.find(str(270000000000 + 8))[1] == "Member 8"


def test_a_write_in_more_pieces_than_the_system_takes_at_once_is_whole(tmp_path):
    pieces = [_bytes(n, n % 7) for n in range(5000)]  # IOV_MAX is 1024 on Linux
    target = tmp_path / "many"
    files.write_atomic(target, pieces)
    assert target.read_bytes() == b"".join(pieces)


def test_a_short_write_goes_on_with_the_rest(tmp_path, monkeypatch):
    real = os.writev
    pieces = [_bytes(1, 1000), memoryview(_bytes(2, 3000))[500:], b"", _bytes(3, 10)]
    # Writes at most 333 bytes a call, as a signal or a nearly full disk may make it.
    monkeypatch.setattr(os, "writev", lambda fd, buffers: real(fd, [bytes(b"".join(buffers)[:333])]))
    target = tmp_path / "short"
    files.write_atomic(target, pieces)
    assert target.read_bytes() == b"".join(pieces)


def test_a_write_of_pieces_failing_midway_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "hot"
    target.write_bytes(b"the old file")
    real = os.writev
    calls = []

    def full_after_one(fd, buffers):
        calls.append(fd)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, [bytes(buffers[0])[:100]])

    monkeypatch.setattr(os, "writev", full_after_one)
    with pytest.raises(OSError):
        files.write_atomic(target, [_bytes(4, 1000), _bytes(5, 1000)])
    assert target.read_bytes() == b"the old file"
    assert [p.name for p in tmp_path.iterdir()] == ["hot"]


def test_the_checksum_of_rows_made_from_a_list_is_the_crc_of_their_json():
    stored = member_rows.StoredRows.of([["1", "A"], ["2", "B"]])
    assert stored.checksum() == zlib.crc32(bytes(stored.json()))


def test_a_reader_keeps_reading_its_version_after_a_writer_replaces_the_file(loyalty):
    card = loyalty.enroll("Anna", "--phone", "29123456")
    loyalty("purchase", card, "20", "--receipt", "R1")
    snapshot = Store(loyalty.data_dir).read()  # the hot file mapped into memory
    loyalty("purchase", card, "30", "--receipt", "R2")
    loyalty("redeem", card, "10")
    assert snapshot.members.get(card)["points"]["balance"] == 20
    assert loyalty.json("member", "show", card)["balance"] == 40


def test_a_file_system_that_cannot_map_files_is_read_by_copying(loyalty, monkeypatch):
    card = loyalty.enroll("Anna", "--phone", "29123456")

    def refused(*args, **kwargs):
        raise OSError(errno.ENODEV, os.strerror(errno.ENODEV))

    monkeypatch.setattr(mmap, "mmap", refused)
    loyalty("purchase", card, "20", "--receipt", "R1")
    assert loyalty.json("member", "show", card)["balance"] == 20
    loyalty("verify")


def test_an_empty_hot_file_is_reported_as_damaged(loyalty):
    card = loyalty.enroll("Anna")
    hot = loyalty.data_dir / "loyalty.json"
    hot.write_bytes(b"")
    for args in (("member", "show", card), ("purchase", card, "5")):
        result = loyalty(*args, expect=3)
        assert result.stderr.count("\n") == 1 and "damaged" in result.stderr, result.stderr
