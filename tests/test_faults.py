"""Fault injection: a write the disk refuses leaves the data as it was, says so in one line.

The write path is patched to fail the way disks do (full, read-only, an I/O error at
fsync) at each of its steps; afterwards the data is what it was, nothing half-written is
left, and the next command works.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys

import pytest
from inspection import temp_files

from loyalty_cli import files
from loyalty_cli.storage.folder.store import Store

pytestmark = pytest.mark.folder_only  # disk faults on the data folder's files

REAL = {name: getattr(os, name) for name in ("open", "write", "writev", "fsync", "replace", "link")}


def failing(name: str, code: int, *, after: int = 0, when=lambda *a: True):
    """os.<name> that works `after` times (for calls where `when` holds), then fails with `code`."""
    calls = {"n": 0}

    def fake(*args, **kwargs):
        if when(*args):
            calls["n"] += 1
            if calls["n"] > after:
                raise OSError(code, os.strerror(code))
        return REAL[name](*args, **kwargs)

    return fake


def short_then_full(code: int):
    """os.writev that writes only part of the first buffer (as POSIX allows), then fails."""
    calls = {"n": 0}

    def fake(fd, buffers):
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(code, os.strerror(code))
        return REAL["write"](fd, bytes(buffers[0][:100]))

    return fake


def _temp(path, *args, **kwargs) -> bool:
    return os.fspath(path).rsplit("/", 1)[-1].startswith(files.TEMP_PREFIX)


FAULTS = {
    # Every data file is written with os.writev (files.write_pieces).
    "disk full while writing": ("writev", errno.ENOSPC, {}),
    "disk full after a short write": ("writev", errno.ENOSPC, {"short": True}),
    "permission denied creating the file": ("open", errno.EACCES, {"when": _temp}),
    "read-only file system": ("open", errno.EROFS, {"when": _temp}),
    "I/O error at fsync": ("fsync", errno.EIO, {}),
    "rename refused": ("replace", errno.EACCES, {}),
    "no room for the backup link": ("link", errno.ENOSPC, {}),
}


@pytest.fixture
def shop(loyalty):
    card = loyalty.enroll("Anna", "--phone", "29123456")
    loyalty("purchase", card, "20", "--receipt", "R1")
    return loyalty


@pytest.mark.parametrize("fault", FAULTS)
def test_a_failed_write_leaves_the_previous_data(shop, monkeypatch, fault):
    name, code, options = FAULTS[fault]
    before = shop.snapshot()
    fake = short_then_full(code) if options.get("short") else failing(name, code, **options)
    monkeypatch.setattr(os, name, fake)
    result = shop("purchase", "29123456", "5", "--receipt", "R2", expect=3)
    monkeypatch.undo()
    assert result.stderr.startswith("Error: could not write") and result.stderr.count("\n") == 1
    assert os.strerror(code) in result.stderr and "nothing was changed" in result.stderr
    assert shop.snapshot() == before
    assert temp_files(shop.data_dir) == []


@pytest.mark.parametrize("fault", ["disk full while writing", "I/O error at fsync"])
def test_the_next_command_works_after_a_failed_write(shop, monkeypatch, fault):
    name, code, options = FAULTS[fault]
    monkeypatch.setattr(os, name, failing(name, code, **options))
    shop("purchase", "29123456", "5", "--receipt", "R2", expect=3)
    monkeypatch.undo()
    assert shop.json("purchase", "29123456", "5", "--receipt", "R2")["balance"] == 25
    shop("verify")


def test_an_error_after_the_rename_says_the_data_was_saved(shop, monkeypatch):
    # fsync of the directory: the new file is in place, its durability is in doubt.
    monkeypatch.setattr(os, "fsync", failing("fsync", errno.EIO, after=1))
    result = shop("purchase", "29123456", "5", "--receipt", "R2", expect=3)
    monkeypatch.undo()
    assert result.stderr.startswith("Error: saved") and "run `loyalty verify`" in result.stderr
    assert shop.json("member", "show", "29123456")["balance"] == 25


def test_temp_files_of_a_killed_writer_are_ignored_and_removed(shop):
    for folder in (shop.data_dir, shop.data_dir / "backups"):
        (folder / f"{files.TEMP_PREFIX}loyalty.json.99999").write_bytes(b'{"meta": half')
    assert shop.json("member", "show", "29123456")["balance"] == 20
    shop("purchase", "29123456", "5")
    assert temp_files(shop.data_dir) == []
    shop("verify")


@pytest.mark.parametrize("fault", ["I/O error at fsync", "rename refused"])
def test_a_failed_backup_leaves_no_archive(shop, monkeypatch, tmp_path, fault):
    name, code, _options = FAULTS[fault]
    before = shop.snapshot()
    monkeypatch.setattr(os, name, failing(name, code))
    result = shop("backup", "-o", tmp_path / "b.tar.gz", expect=3)
    monkeypatch.undo()
    assert result.stderr.startswith("Error: could not write") and result.stderr.count("\n") == 1
    assert list(tmp_path.glob("*b.tar.gz*")) == []
    assert shop.snapshot() == before


@pytest.mark.parametrize("command", [("purchase", "29123456", "5"), ("backup", "-o", "{tmp}/b.tar.gz")])
def test_a_real_full_disk_stops_a_real_process_cleanly(shop, tmp_path, command):
    # The kernel refuses to let the process grow any file past half the data file (EFBIG).
    limit = Store(shop.data_dir).hot_path.stat().st_size // 2

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    before = shop.snapshot()
    args = [a.format(tmp=tmp_path) for a in command]
    result = subprocess.run(
        [sys.executable, "-m", "loyalty_cli", "--data-dir", str(shop.data_dir), *args],
        preexec_fn=small_disk,
        capture_output=True,
        text=True,
        env={**os.environ, "LOYALTY_NOW": shop.now},
        cwd=tmp_path,  # outside the checkout: the installed package is imported
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("Error: could not write") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert shop.snapshot() == before
    assert temp_files(shop.data_dir) == [] and temp_files(tmp_path) == []


def test_a_failed_restore_changes_nothing(shop, monkeypatch, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    shop("purchase", "29123456", "5", "--receipt", "R2")
    before = shop.snapshot()
    monkeypatch.setattr(os, "fsync", failing("fsync", errno.EIO))
    result = shop("restore", archive, "--yes", expect=3)
    monkeypatch.undo()
    assert "nothing was changed" in result.stderr and result.stderr.count("\n") == 1
    assert shop.snapshot() == before
    assert temp_files(shop.data_dir) == []


def test_a_failed_erase_changes_nothing(shop, monkeypatch):
    before = shop.snapshot()
    monkeypatch.setattr(os, "writev", failing("writev", errno.ENOSPC))
    shop("member", "erase", "29123456", "--yes", expect=3)
    monkeypatch.undo()
    assert shop.snapshot() == before


def test_an_erase_interrupted_by_the_disk_says_to_run_it_again_and_then_finishes(shop, monkeypatch):
    from inspection import files_holding

    def backups_refused(source, target, *args, **kwargs):
        if "/backups/" in os.fspath(target):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return REAL["replace"](source, target, *args, **kwargs)

    card = shop.json("member", "show", "29123456")["card"]
    monkeypatch.setattr(os, "replace", backups_refused)
    result = shop("member", "erase", card, "--yes", expect=3)
    monkeypatch.undo()
    assert f"run `loyalty member erase {card} --yes` again" in result.stderr
    assert result.stderr.count("\n") == 1
    assert files_holding(shop.data_dir, "+37129123456")  # still in the backups
    shop("member", "erase", card, "--yes")
    assert files_holding(shop.data_dir, "+37129123456") == []


def read_only_file_system(monkeypatch) -> None:
    """Every os call that would change a file fails with EROFS, as on a disk mounted read-only."""
    changing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def refuse(*_args, **_kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    def open_for_reading_only(path, flags, *args, **kwargs):
        if flags & changing:
            refuse()
        return REAL["open"](path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_for_reading_only)
    for name in ("mkdir", "replace", "rename", "link", "unlink", "rmdir", "chmod"):
        monkeypatch.setattr(os, name, refuse)


@pytest.mark.parametrize(
    "command",
    [
        ("purchase", "29123456", "5", "--receipt", "R2"),
        ("enroll", "Jānis"),
        ("maintain",),
        ("backup", "-o", "{tmp}/b.tar.gz"),
        ("member", "erase", "29123456", "--yes"),
    ],
)
def test_a_read_only_file_system_stops_a_writer_with_one_line_and_exit_3(
    shop, monkeypatch, tmp_path, command
):
    before = shop.snapshot()
    read_only_file_system(monkeypatch)
    result = shop(*[a.format(tmp=tmp_path) for a in command], expect=3)
    monkeypatch.undo()
    assert result.stderr.count("\n") == 1 and os.strerror(errno.EROFS) in result.stderr
    assert "internal error" not in result.stderr
    assert shop.snapshot() == before


def test_a_read_only_file_system_still_answers_reads(shop, monkeypatch):
    read_only_file_system(monkeypatch)
    assert shop.json("member", "show", "29123456")["balance"] == 20


@pytest.mark.parametrize(
    ("code", "expected"),
    [("lv", "diskā nav vietas"), ("ru", "на диске нет места")],
)
def test_a_disk_full_is_told_in_the_operators_language(shop, monkeypatch, code, expected):
    before = shop.snapshot()
    monkeypatch.setattr(os, "writev", failing("writev", errno.ENOSPC))
    result = shop("--lang", code, "purchase", "29123456", "5", "--receipt", "R2", expect=3)
    monkeypatch.undo()
    assert expected in result.stderr and os.strerror(errno.ENOSPC) not in result.stderr
    assert result.stderr.count("\n") == 1
    assert shop.snapshot() == before


@pytest.mark.parametrize(
    ("code", "expected"), [("en", "Not a directory"), ("lv", "tā nav mape"), ("ru", "это не папка")]
)
def test_a_statements_folder_that_cannot_be_made_is_told_in_the_operators_language(shop, code, expected):
    inside_a_file = shop.data_dir / "loyalty.json" / "statements"
    result = shop("--lang", code, "statements", "--month", "2026-11", "--output-dir", inside_a_file, expect=2)
    assert f"{inside_a_file}: {expected}" in result.stderr
