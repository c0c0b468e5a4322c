"""Processes sharing one data directory: no lost update, and a clean "busy" when they must wait."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from inspection import has_command

from loyalty_cli.storage.folder.store import Store

pytestmark = pytest.mark.folder_only  # the data folder's lock (PostgreSQL: tests/test_postgres_store.py)

WORKERS = 8
ROUNDS = 4


def run(loyalty, *args: str, wait: float = 120) -> subprocess.CompletedProcess:
    """`loyalty ARGS` as a real process on the fixture's data directory."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "loyalty_cli",
            "--data-dir",
            str(loyalty.data_dir),
            "--wait",
            str(wait),
            *args,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "LOYALTY_NOW": loyalty.now, "LOYALTY_OPERATOR": "till"},
        cwd=loyalty.data_dir.parent,  # outside the checkout: the installed package is imported
        check=False,
    )


@pytest.fixture
def held(loyalty):
    """A shop with Anna (29123456) whose lock this test holds, as another loyalty process would."""
    loyalty.enroll("Anna", "--phone", "29123456")
    with open(loyalty.data_dir / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield loyalty
        fcntl.flock(handle, fcntl.LOCK_UN)


def test_parallel_writers_lose_no_update(loyalty):
    shared = [loyalty.enroll(f"Shared {n}") for n in range(2)]
    own = [loyalty.enroll(f"Worker {n}") for n in range(WORKERS)]
    for card in own:
        loyalty("adjust", card, "100", "--reason", "float for the test")
    start = {card: loyalty.json("member", "show", card)["balance"] for card in shared + own}
    with_maintain = has_command(loyalty, "maintain")

    def worker(number: int) -> list[tuple[str, dict]]:
        done = []
        for round_ in range(ROUNDS):
            commands = [
                (
                    "purchase",
                    shared[round_ % 2],
                    f"{10 + number}.{round_}5",
                    "--receipt",
                    f"W{number}-{round_}-S",
                ),
                ("purchase", own[number], "5", "--receipt", f"W{number}-{round_}-O"),
                ("redeem", own[number], "3", "--receipt", f"W{number}-{round_}-R"),
            ]
            if with_maintain and round_ == number % ROUNDS:
                commands.append(("maintain",))
            for command in commands:
                result = run(loyalty, *command, "--json")
                assert result.returncode == 0, result.stderr
                done.append((command[0], json.loads(result.stdout)))
        return done

    with ThreadPoolExecutor(WORKERS) as pool:
        results = [item for items in pool.map(worker, range(WORKERS)) for item in items]

    expected = dict(start)
    for command, output in results:
        if command == "purchase":
            expected[output["card"]] += output["points"]
        elif command == "redeem":
            expected[output["card"]] -= output["points"]
    shop = Store(loyalty.data_dir).read()
    assert {card: shop.members.get(card)["points"]["balance"] for card in expected} == expected
    receipts = Counter(e.receipt for e in shop.ledger.entries() if e.receipt and e.receipt.startswith("W"))
    assert len(receipts) == WORKERS * ROUNDS * 3 and set(receipts.values()) == {1}
    loyalty("verify")


def test_a_writer_that_cannot_get_the_lock_exits_75_and_writes_nothing(held):
    before = held.snapshot()
    result = run(held, "purchase", "29123456", "10", wait=1)
    assert result.returncode == 75
    waiting, error = result.stderr.splitlines()  # after half a second it said it was waiting
    assert waiting == "Waiting for another loyalty process..."
    assert error.startswith("Error: another loyalty process")
    assert held.snapshot() == before


def test_a_backup_that_cannot_get_the_lock_exits_75_and_writes_nothing(held, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = run(held, "backup", "--output", str(out / "b.tar.gz"), wait=0.5)
    assert result.returncode == 75
    assert list(out.iterdir()) == []


def test_readers_do_not_wait_for_a_writer(held):
    result = run(held, "verify", wait=0)
    assert result.returncode == 0, result.stderr
