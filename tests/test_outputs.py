"""Files written outside the data directory: statements, exports, rejects, backups.

Each is created new (O_EXCL, 0600) beside its target and renamed over it, so that a
symbolic link or a file someone else put at the target is never written through: a link
at the target is replaced by the new file and what it pointed to stays as it was.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from conftest import Loyalty
from inspection import temp_files

from loyalty_cli import files

MONTH = "2026-11"


@pytest.fixture
def shop(loyalty) -> Loyalty:
    card = loyalty.enroll("Anna Bērziņa", "--phone", "29123456", "--email", "anna@example.com")
    loyalty("purchase", card, "20", "--receipt", "R1")
    loyalty.card = card
    return loyalty


def _rows(tmp_path: Path) -> Path:
    rows = tmp_path / "rows.csv"
    rows.write_text("card,amount,receipt,at\n999999999999,abc,R9,\n", encoding="utf-8")
    return rows


# Each output: how to run the command so that it writes `target` (a file in tmp/out).
OUTPUTS = {
    "export --output": (
        lambda shop, out, tmp: ("export", "members", "--output", out / "members.csv"),
        "members.csv",
    ),
    "statement --output": (
        lambda shop, out, tmp: ("statement", shop.card, "--output", out / "anna.txt"),
        "anna.txt",
    ),
    "statements --output-dir": (
        lambda shop, out, tmp: ("statements", "--month", MONTH, "--output-dir", out),
        "statement-{month}-{card}.txt",
    ),
    "import --rejects": (
        lambda shop, out, tmp: ("import", "purchases", _rows(tmp), "--rejects", out / "rejects.csv"),
        "rejects.csv",
    ),
    "backup --output": (lambda shop, out, tmp: ("backup", "--output", out / "b.tar.gz"), "b.tar.gz"),
}


def _target(shop: Loyalty, tmp_path: Path, which: str) -> tuple[tuple, Path]:
    make, name = OUTPUTS[which]
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return make(shop, out, tmp_path), out / name.format(month=MONTH, card=shop.card)


def _run(shop: Loyalty, args: tuple, expect: int | None = None):
    result = shop(*args, expect=None)
    if expect is None:
        assert result.exit_code in (0, 1), result.stderr  # an import with rejected rows exits 1
    else:
        assert result.exit_code == expect, result.stderr
    return result


@pytest.mark.parametrize("which", OUTPUTS)
def test_a_link_at_the_output_is_replaced_and_its_target_left_alone(shop, tmp_path, which):
    args, target = _target(shop, tmp_path, which)
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file")
    target.symlink_to(victim)
    _run(shop, args)
    assert victim.read_text() == "someone else's file"
    assert not target.is_symlink() and target.stat().st_size > 0


@pytest.mark.parametrize("which", OUTPUTS)
def test_an_existing_output_file_is_replaced_never_written_into(shop, tmp_path, which):
    args, target = _target(shop, tmp_path, which)
    target.write_text("planted by another user")
    other_name = tmp_path / "other-name"
    os.link(target, other_name)  # whoever created the file keeps a way to read it
    before = target.stat().st_ino
    _run(shop, args)
    assert target.stat().st_ino != before
    assert other_name.read_text() == "planted by another user"


@pytest.mark.parametrize("which", OUTPUTS)
def test_a_planted_temp_file_is_never_written_through(shop, tmp_path, which):
    args, target = _target(shop, tmp_path, which)
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file")
    (target.parent / f"{files.TEMP_PREFIX}{target.name}.{os.getpid()}").symlink_to(victim)
    _run(shop, args)
    assert victim.read_text() == "someone else's file"
    assert target.is_file() and not target.is_symlink()


@pytest.mark.parametrize("which", OUTPUTS)
def test_a_full_disk_keeps_the_previous_output_and_exits_3(shop, tmp_path, monkeypatch, which):
    args, target = _target(shop, tmp_path, which)
    target.write_bytes(b"yesterday's file")
    before = shop.snapshot()

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)  # streamed outputs (files.atomic_output)
    monkeypatch.setattr(os, "writev", full)  # the others (files.write_atomic)
    result = _run(shop, args, expect=3)
    monkeypatch.undo()
    assert result.stderr.startswith("Error: could not write") and result.stderr.count("\n") == 1
    assert "No space left on device" in result.stderr
    assert target.read_bytes() == b"yesterday's file"
    assert temp_files(tmp_path / "out") == []
    assert shop.snapshot() == before


@pytest.mark.parametrize("which", OUTPUTS)
def test_outputs_are_private_even_under_umask_0(shop, tmp_path, which):
    args, target = _target(shop, tmp_path, which)
    old = os.umask(0)
    try:
        _run(shop, args)
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_statements_folder_it_creates_is_private(shop, tmp_path):
    old = os.umask(0)
    try:
        shop("statements", "--month", MONTH, "--output-dir", tmp_path / "new" / "2026-11")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new" / "2026-11").stat().st_mode) == 0o700


def test_statement_output_names_the_file_written(shop, tmp_path):
    result = shop("statement", shop.card, "--output", tmp_path / "anna.txt")
    assert result.stdout == ""
    assert str(tmp_path / "anna.txt") in result.stderr


def test_an_output_into_a_missing_folder_is_a_usage_error(shop, tmp_path):
    result = shop("export", "members", "--output", tmp_path / "no" / "x.csv", expect=2)
    assert "is not a folder you can write to" in result.stderr
