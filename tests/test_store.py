"""The store: locking, damaged files, file modes, concurrent writers."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import NOW

from loyalty_cli.storage.folder.shop import SCHEMA_VERSION
from loyalty_cli.storage.folder.store import Store


@pytest.mark.folder_only
def test_a_writer_waits_for_the_lock_then_gives_up_with_75(loyalty):
    card = loyalty.enroll()
    before = loyalty.snapshot()
    fd = os.open(loyalty.data_dir / ".lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        result = loyalty("--wait", "1", "purchase", card, "10", expect=75)
        waited = time.monotonic() - started
    finally:
        os.close(fd)
    assert "another loyalty process is using" in result.stderr
    assert 0.9 <= waited < 5
    assert loyalty.snapshot() == before


@pytest.mark.folder_only
def test_readers_do_not_wait_for_the_lock(loyalty):
    card = loyalty.enroll()
    fd = os.open(loyalty.data_dir / ".lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert loyalty.json("member", "show", card)["card"] == card
    finally:
        os.close(fd)


@pytest.mark.folder_only
def test_a_damaged_data_file_stops_every_command_with_exit_3(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "10")
    hot = loyalty.data_dir / "loyalty.json"
    data = bytearray(hot.read_bytes())
    data[len(data) // 2] = ord("\x01")
    hot.write_bytes(bytes(data))
    for args in (
        ("member", "show", card),
        ("purchase", card, "5"),
        ("member", "list"),
        ("verify",),
        ("program", "show"),
        ("maintain",),
    ):
        result = loyalty(*args, expect=3)
        assert result.stderr.count("\n") == 1, result.stderr
        assert str(hot) in result.stderr and "backups" in result.stderr
        assert "Traceback" not in result.output


def test_a_missing_programme_is_refused(empty_loyalty):
    result = empty_loyalty("member", "list", expect=1)
    assert "loyalty init" in result.stderr


def test_init_twice_is_refused_and_changes_nothing(loyalty):
    before = loyalty.snapshot()
    assert "already exists" in loyalty("init", expect=1).stderr
    assert loyalty.snapshot() == before


@pytest.mark.folder_only
def test_data_files_are_private_even_under_a_permissive_umask(empty_loyalty):
    old = os.umask(0)
    try:
        empty_loyalty("init")
        empty_loyalty.enroll()
    finally:
        os.umask(old)
    assert stat.S_IMODE(empty_loyalty.data_dir.stat().st_mode) == 0o700
    for path in empty_loyalty.data_dir.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


@pytest.mark.folder_only
def test_every_write_keeps_the_previous_version_as_a_backup(loyalty):
    card = loyalty.enroll()
    hot = loyalty.data_dir / "loyalty.json"
    previous = hot.read_bytes()
    loyalty("purchase", card, "10")
    backups = Store(loyalty.data_dir).backups()
    assert backups[-1].read_bytes() == previous
    for _ in range(12):
        loyalty("purchase", card, "1")
    assert len(Store(loyalty.data_dir).backups()) == 10


def test_a_schema_version_is_recorded(loyalty):
    assert loyalty.store().read().meta["schema"] == SCHEMA_VERSION


@pytest.mark.folder_only
def test_eight_processes_purchasing_at_once_lose_nothing(loyalty, tmp_path):
    cards = [loyalty.enroll(f"M{i}") for i in range(8)]
    env = {**os.environ, "LOYALTY_DATA_DIR": str(loyalty.data_dir), "LOYALTY_NOW": NOW, "LOYALTY_WAIT": "60"}
    script = (
        "import sys\n"
        "from loyalty_cli.cli import cli\n"
        "card, worker = sys.argv[1], sys.argv[2]\n"
        "for i in range(25):\n"
        "    try:\n"
        "        args = ['purchase', card, f'{i + 1}.00', '--receipt', f'W{worker}-{i}']\n"
        "        cli.main(args, standalone_mode=False)\n"
        "    except SystemExit as e:\n"
        "        if e.code: raise\n"
    )

    def worker(index: int) -> str:
        cmd = [sys.executable, "-c", script, cards[index], str(index)]
        # Run outside the checkout so the installed package is imported, not the source tree.
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
        # Waiting for the others is said on stderr; anything else there is a failure.
        stderr = done.stderr.replace("Waiting for another loyalty process...\n", "")
        return f"exit {done.returncode} {stderr[-500:]}"

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(worker, range(8))) == ["exit 0 "] * 8
    shop = Store(loyalty.data_dir).read()
    assert len(list(shop.ledger.entries())) == 200
    for card in cards:
        assert shop.members.get(card)["points"]["balance"] == sum(range(1, 26))
    loyalty("verify")
