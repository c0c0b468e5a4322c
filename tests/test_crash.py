"""Crash test: writing commands in real processes, killed with SIGKILL at random moments.

Each round picks a writing command, runs it to completion in-process on a copy of the
data (the reference), then runs it as a real `python -m loyalty_cli` process on the data
and kills it after a random delay: half the time anywhere in its life, half the time
shortly after it starts writing (its first temp file appears). Afterwards every data file
parses, `verify` exits 0, and the data is exactly as before the command or exactly as the
reference left it: nothing half applied; a command that exited 0 is there in full, and
so is every earlier one. New commands join by adding a generator to GENERATORS; those that need a command
this version may lack name it in `needs` and are used only where it exists.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from loyalty_cli.cli import cli
from loyalty_cli.files import TEMP_PREFIX
from loyalty_cli.storage import archives
from loyalty_cli.storage.folder.store import RESTORE_READY, Store

# Killed writers and the data folder's files (PostgreSQL: tests/test_postgres_store.py).
pytestmark = pytest.mark.folder_only

SEED = 20261122
KILLS = 200
MOST_ROUNDS = 800
MEMBERS = 120
START = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


@dataclass
class World:
    """What the generators know: the folder for scratch files, the clock, the members' balances."""

    scratch: Path
    rng: random.Random
    now: datetime = START
    balances: dict[str, int] = field(default_factory=dict)
    archives: list[Path] = field(default_factory=list)
    serial: int = 0

    def number(self) -> int:
        self.serial += 1
        return self.serial

    def member(self) -> str:
        return self.rng.choice(sorted(self.balances))


@dataclass(frozen=True)
class Command:
    """A command line to run as of `now`, and what it wrote if it completed."""

    args: list[str]
    now: datetime
    receipts: tuple[str, ...] = ()
    archive: Path | None = None


@dataclass(frozen=True)
class Generator:
    name: str
    weight: int
    make: Callable[[World], Command]
    needs: tuple[str, ...] = ()


def purchase(world: World) -> Command:
    receipt = f"P{world.number()}"
    amount = f"{world.rng.randint(1, 300)}.{world.rng.randint(0, 99):02d}"
    return Command(["purchase", world.member(), amount, "--receipt", receipt], world.now, (receipt,))


def redeem(world: World) -> Command:
    card = world.rng.choice([c for c, b in sorted(world.balances.items()) if b > 0] or [world.member()])
    receipt = f"X{world.number()}"
    points = world.rng.randint(1, max(world.balances[card], 1))
    return Command(["redeem", card, str(points), "--receipt", receipt], world.now, (receipt,))


def import_purchases(world: World) -> Command:
    path = world.scratch / f"till-{world.number()}.csv"
    receipts = tuple(f"I{world.number()}" for _ in range(world.rng.randint(3, 8)))
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["card", "amount", "receipt", "at"])
        for receipt in receipts:
            at = world.now - timedelta(hours=world.rng.randint(1, 72))
            writer.writerow([world.member(), f"{world.rng.randint(1, 80)},50", receipt, at.isoformat()])
    return Command(["import", "purchases", str(path)], world.now, receipts)


def month_rollover(world: World) -> Command:
    """The clock moves into a later month; the first purchase there opens the new month."""
    world.now = (world.now.replace(day=1) + timedelta(days=32)).replace(day=world.rng.randint(1, 27))
    return purchase(world)


def expire(world: World) -> Command:
    return Command(["expire"], world.now)


def maintain(world: World) -> Command:
    return Command(["maintain"], world.now)


def backup(world: World) -> Command:
    archive = world.scratch / f"backup-{world.number()}.tar.gz"
    return Command(["backup", "--output", str(archive)], world.now, archive=archive)


def restore(world: World) -> Command:
    if not world.archives:
        return backup(world)
    return Command(["restore", str(world.rng.choice(world.archives)), "--yes"], world.now)


GENERATORS = [
    Generator("purchase", 30, purchase),
    Generator("redeem", 20, redeem),
    Generator("import purchases", 12, import_purchases),
    Generator("month rollover", 5, month_rollover),
    Generator("expire", 5, expire, needs=("expire",)),
    Generator("maintain", 5, maintain, needs=("maintain",)),
    Generator("backup", 4, backup),
    Generator("restore", 6, restore),
]


def test_killed_commands_leave_all_or_nothing(tmp_path):
    world = World(scratch=tmp_path / "scratch", rng=random.Random(SEED))
    world.scratch.mkdir()
    data = tmp_path / "shop"
    _seed(data, world)
    generators = [g for g in GENERATORS if all(_exists(n) for n in g.needs)]
    weights = [g.weight for g in generators]
    state = _state(data)
    durable = _receipts(state)
    kills = rounds = 0
    estimates: dict[str, float] = {}
    outcomes: dict[str, int] = {}
    while kills < KILLS and rounds < MOST_ROUNDS:
        rounds += 1
        generator = world.rng.choices(generators, weights)[0]
        command = generator.make(world)
        code = _reference(data, tmp_path / "reference", command)
        expected = _state(tmp_path / "reference")
        lasts = estimates.setdefault(generator.name, 0.3)
        if world.rng.random() < 0.5:  # anywhere in the process's life
            moment = Moment(delay=lasts * world.rng.uniform(0, 1.1))
        elif command.args[0] == "restore" and world.rng.random() < 0.5:  # while files move into place
            moment = Moment(delay=world.rng.uniform(0, 0.002), after=RESTORE_READY)
        else:  # while it writes: shortly after its first temp file appears
            moment = Moment(delay=lasts * world.rng.uniform(0, 0.15), after=TEMP_PREFIX)
        killed, exit_code, took = _run_and_kill(data, command, moment)
        # Learn how long each kind of command lives, so kills spread over all of its life.
        estimates[generator.name] = max(lasts, 1.05 * took) if killed else 0.7 * lasts + 0.3 * took
        mid_write = any(data.rglob(f"{TEMP_PREFIX}*"))
        interrupted_install = (data / RESTORE_READY).exists()
        after = _state(data)
        if killed:
            kills += 1
            assert after in (state, expected), f"round {rounds}: {command.args} killed half-way"
            outcome = "killed, done" if after == expected and after != state else "killed, not done"
            outcome += ", mid-write" if mid_write else ""
            outcome += ", finished by the next command" if interrupted_install else ""
        else:
            assert exit_code == code, f"round {rounds}: {command.args} exited {exit_code}, not {code}"
            assert after == expected, (
                f"round {rounds}: {command.args} exited {exit_code} but is not all there"
            )
            outcome = "completed"
        outcomes[f"{generator.name}: {outcome}"] = outcomes.get(f"{generator.name}: {outcome}", 0) + 1
        done = after == expected
        if done:
            durable |= _receipts(expected) & set(command.receipts)
        if done and command.args[0] == "restore":
            durable = _receipts(after)
        if command.archive is not None and command.archive.exists():
            archives.extract(command.archive, tmp_path / "unpacked" / command.archive.name)
            world.archives.append(command.archive)
        assert durable <= _receipts(after), f"round {rounds}: a command that had completed is gone"
        state = after
        world.balances = {card: member["points"]["balance"] for card, member in state["members"].items()}
    print(f"crash test: {rounds} rounds, {kills} kills")
    for outcome, count in sorted(outcomes.items()):
        print(f"  {outcome}: {count}")
    assert kills >= KILLS


def _seed(data: Path, world: World) -> None:
    members = world.scratch / "members.csv"
    purchases = world.scratch / "purchases.csv"
    with open(members, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "phone", "email", "birthday", "card"])
        for number in range(MEMBERS):
            day = f"19{60 + number % 40}-{1 + number % 12:02d}-{1 + number % 28:02d}"
            writer.writerow([f"Member {number}", "", "", day, f"C{number:04d}"])
    with open(purchases, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["card", "amount", "receipt", "at"])
        for number in range(MEMBERS * 8):
            at = START - timedelta(days=world.rng.randint(1, 400), minutes=number)
            writer.writerow(
                [f"C{number % MEMBERS:04d}", f"{world.rng.randint(5, 120)}.00", f"S{number}", at.isoformat()]
            )
    for args in (
        ["init", "--name", "Crash shop"],
        ["import", "members", members],
        ["import", "purchases", purchases],
    ):
        _invoke(data, [str(a) for a in args], START)
    world.balances = {card: m["points"]["balance"] for card, m in _state(data)["members"].items()}


def _reference(data: Path, reference: Path, command: Command) -> int:
    shutil.rmtree(reference, ignore_errors=True)
    shutil.copytree(data, reference, ignore=shutil.ignore_patterns(".lock"))
    args = [a.replace(str(data), str(reference)) for a in command.args]
    if command.archive is not None:
        args[args.index("--output") + 1] = str(reference.parent / "reference-backup.tar.gz")
    return _invoke(reference, args, command.now)


def _invoke(data: Path, args: list[str], now: datetime) -> int:
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(data), "--operator", "crash", *args],
        env={"LOYALTY_NOW": now.isoformat()},
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code


@dataclass(frozen=True)
class Moment:
    """When to kill: `delay` seconds after the start, or after a file named `after...` appeared."""

    delay: float
    after: str | None = None


def _run_and_kill(data: Path, command: Command, moment: Moment) -> tuple[bool, int, float]:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "loyalty_cli", "--data-dir", str(data), "--operator", "crash", *command.args],
        env={**os.environ, "LOYALTY_NOW": command.now.isoformat()},
        cwd=data.parent,  # outside the checkout: the installed package is imported
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if moment.after:
        while process.poll() is None and not _appeared(data, moment.after):
            time.sleep(0.0002)
    try:
        code = process.wait(timeout=moment.delay)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        code = process.wait()
    return code == -signal.SIGKILL, code, time.monotonic() - started


def _appeared(data: Path, prefix: str) -> bool:
    folders = [data, *(data / name for name in ("ledger", "backups") if (data / name).is_dir())]
    return any(name.startswith(prefix) for folder in folders for name in os.listdir(folder))


def _state(data: Path) -> dict:
    """The data as a reader sees it, after checking every file parses and verify passes."""
    for path in sorted(data.rglob("*.json")):
        if any(part.startswith(TEMP_PREFIX) for part in path.relative_to(data).parts):
            continue
        seen = path.stat()
        key = (str(path), seen.st_ino, seen.st_size, seen.st_mtime_ns)
        if key not in _PARSED:
            orjson.loads(path.read_bytes())
            _PARSED.add(key)
    result = CliRunner().invoke(cli, ["--data-dir", str(data), "verify"])
    assert result.exit_code == 0, result.output
    shop = Store(data).read()
    return {
        "members": {m["card"]: m for m in shop.members.all()},
        "entries": [e.to_doc() for e in shop.ledger.entries()],
        "draws": shop.draws.all(),
        "programme": shop.programme().settings,
        # Which months sit in partitions, and the record of those files, is storage, not
        # state: a command killed after its month's rollover committed has moved entries
        # without changing any of them.
        "meta": {k: v for k, v in shop.meta.items() if k not in ("partitions", "files")},
    }


_PARSED: set[tuple] = set()


def _receipts(state: dict) -> set[str]:
    return {e["receipt"] for e in state["entries"] if e.get("receipt")}


def _exists(command: str) -> bool:
    return CliRunner().invoke(cli, [command, "--help"]).exit_code == 0
