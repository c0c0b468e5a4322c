"""Shared fixtures: a data directory, a CLI runner with a fixed clock, file snapshots."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from loyalty_cli import language
from loyalty_cli.cli import cli


@pytest.fixture(autouse=True)
def english_to_begin_with():
    """Each test starts in English: a command run with --lang leaves its language active."""
    language.use(language.ENGLISH)


@pytest.fixture(autouse=True)
def collector_left_on():
    """`loyalty_cli.cli.main` turns the cycle collector off for its one command; a test that
    calls it must not leave it off for the tests after it (their mapped files would pile up)."""
    yield
    if not gc.isenabled():
        gc.enable()
        gc.collect()


NOW = "2026-11-22T12:00:00+00:00"


class Loyalty:
    """Runs `loyalty` in-process against one data directory, with the clock at `now`."""

    def __init__(self, data_dir: Path, now: str = NOW):
        self.data_dir = data_dir
        self.now = now
        self.runner = CliRunner()

    def __call__(self, *args: str, now: str | None = None, expect: int | None = 0, input=None):
        result = self.runner.invoke(
            cli,
            ["--data-dir", str(self.data_dir), "--operator", "tester", *map(str, args)],
            env={"LOYALTY_NOW": now or self.now, "LOYALTY_WAIT": "2"},
            input=input,
            catch_exceptions=True,
        )
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        if expect is not None:
            assert result.exit_code == expect, (
                f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result

    def json(self, *args: str, **kwargs):
        """Run with --json and parse stdout."""
        return json.loads(self(*args, "--json", **kwargs).stdout)

    def enroll(self, name: str = "Anna Bērziņa", *args: str, **kwargs) -> str:
        return self("enroll", name, *args, **kwargs).stdout.strip()


@pytest.fixture
def loyalty(tmp_path: Path) -> Loyalty:
    """A runner for a fresh data directory with a default programme (EUR, Europe/Riga, LV)."""
    runner = Loyalty(tmp_path / "shop")
    runner("init", "--name", "Test shop")
    return runner


@pytest.fixture
def empty_loyalty(tmp_path: Path) -> Loyalty:
    """A runner for a data directory with no programme yet."""
    return Loyalty(tmp_path / "shop")


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` with its bytes, to prove a refusal wrote nothing."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture
def sample(empty_loyalty) -> Loyalty:
    """The demo shop of sample_data/, loaded by `init --sample`."""
    empty_loyalty("init", "--sample")
    return empty_loyalty


def write_entry(loyalty: Loyalty, card: str, at: str, **fields) -> None:
    """Append a ledger entry directly, the way the points lifecycle does (refunds, bonuses, prizes)."""
    from datetime import datetime, timezone

    from loyalty_cli import points
    from loyalty_cli.store import Store

    moment = datetime.fromisoformat(at).replace(tzinfo=timezone.utc)
    with Store(loyalty.data_dir).transaction() as shop:
        member = shop.members.require(card)
        points.record(shop, member, at=moment, operator="tester", **fields)
