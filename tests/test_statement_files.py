"""Statement files: each appears complete or not at all, also when the run is killed or fails."""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from loyalty_cli.commands.statements import fits

from loyalty_cli import files
from loyalty_cli.cli import cli
from loyalty_cli.files import TEMP_PREFIX

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=timezone.utc)
MEMBERS = 1200  # more than two batches of files
STATEMENTS = ("statements", "--month", "2026-10", "--output-dir")


def _invoke(data: Path, *args, now: datetime = NOW) -> None:
    result = CliRunner().invoke(
        cli, ["--data-dir", str(data), *map(str, args)], env={"LOYALTY_NOW": now.isoformat()}
    )
    assert result.exit_code == 0, result.output


def _shop(tmp_path: Path) -> Path:
    data, rng = tmp_path / "data", random.Random(20261130)
    members, purchases = tmp_path / "members.csv", tmp_path / "purchases.csv"
    with open(members, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "card"])
        writer.writerows([f"Member {n}", f"C{n:05d}"] for n in range(MEMBERS))
    with open(purchases, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["card", "amount", "receipt", "at"])
        for n in range(MEMBERS * 2):
            at = datetime(2026, 10, 1, 8, tzinfo=timezone.utc) + timedelta(days=rng.randint(0, 30), minutes=n)
            writer.writerow([f"C{n % MEMBERS:05d}", f"{rng.randint(5, 120)}.00", f"S{n}", at.isoformat()])
    enrolled = datetime(2026, 9, 1, 8, tzinfo=timezone.utc)
    _invoke(data, "init", "--name", "Batch shop", now=enrolled)
    _invoke(data, "import", "members", members, now=enrolled)
    _invoke(data, "import", "purchases", purchases)
    return data


def test_a_killed_statements_run_leaves_only_complete_files(tmp_path):
    data = _shop(tmp_path)
    reference = tmp_path / "reference"
    _invoke(data, "statements", "--month", "2026-10", "--output-dir", reference)
    expected = {path.name: path.read_bytes() for path in reference.iterdir()}
    assert len(expected) == MEMBERS
    rng, killed_midway = random.Random(7), 0
    for round_ in range(6):
        out = tmp_path / f"out-{round_}"
        out.mkdir()
        process = subprocess.Popen(
            [sys.executable, "-m", "loyalty_cli", "--data-dir", str(data), *STATEMENTS, str(out)],
            env={**os.environ, "LOYALTY_NOW": NOW.isoformat()},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        files_seen = rng.randint(1, MEMBERS)  # kill once this many files (temp or final) are there
        while process.poll() is None and len(os.listdir(out)) < files_seen:
            time.sleep(0.0005)
        process.send_signal(signal.SIGKILL)
        process.wait()
        names = os.listdir(out)
        finished = [name for name in names if not name.startswith(TEMP_PREFIX)]
        killed_midway += 0 < len(finished) < MEMBERS
        for name in finished:
            assert (out / name).read_bytes() == expected[name], name
    assert killed_midway, "no kill landed between the first and the last file"


def test_a_failed_rename_keeps_earlier_files_whole_and_leaves_no_temp_file(tmp_path, monkeypatch):
    replace, calls = os.replace, []

    def failing_replace(source, target):
        calls.append(target)
        if len(calls) == 5:
            raise OSError(5, "Input/output error")
        replace(source, target)

    monkeypatch.setattr(files.os, "replace", failing_replace)
    batch = files.Batch(tmp_path, size=3)
    with pytest.raises(OSError):
        try:
            for n in range(7):
                batch.add(tmp_path / f"s{n}.txt", f"statement {n}\n".encode())
            batch.finish()
        finally:
            batch.discard()
    assert sorted(os.listdir(tmp_path)) == ["s0.txt", "s1.txt", "s2.txt", "s3.txt"]
    assert all((tmp_path / f"s{n}.txt").read_bytes() == f"statement {n}\n".encode() for n in range(4))


def test_a_failed_sync_renames_nothing_of_its_batch(tmp_path, monkeypatch):
    def failing_sync(folder, temps):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files, "_sync_data", failing_sync)
    (tmp_path / "s0.txt").write_bytes(b"old\n")
    batch = files.Batch(tmp_path, size=10)
    batch.add(tmp_path / "s0.txt", b"new\n")
    with pytest.raises(OSError):
        batch.finish()
    batch.discard()
    assert os.listdir(tmp_path) == ["s0.txt"]
    assert (tmp_path / "s0.txt").read_bytes() == b"old\n"


def test_without_syncfs_each_file_is_fsynced_before_its_rename(tmp_path, monkeypatch):
    synced = []
    fsync = os.fsync

    def recording_fsync(fd):
        synced.append(fd)
        fsync(fd)

    monkeypatch.setattr(files, "_syncfs", lambda: None)
    monkeypatch.setattr(files.os, "fsync", recording_fsync)
    batch = files.Batch(tmp_path, size=2)
    for n in range(3):
        batch.add(tmp_path / f"s{n}.txt", b"x")
    batch.finish()
    assert sorted(os.listdir(tmp_path)) == ["s0.txt", "s1.txt", "s2.txt"]
    assert len(synced) == 3 + 1  # each file, then the folder once


cells = st.one_of(
    st.sampled_from(
        ["", "True", "False", " lead", "trail ", "a\tb", "Pirkums", "Покупка", "漢字漢字", "e\u0301"]
    ),
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.text(st.sampled_from("ab -.,:āčšжё€\u00a0\u00ad\u200b\u2028"), max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cells, min_size=3, max_size=3), max_size=4), st.integers(1, 30))
def test_a_table_said_to_fit_is_the_same_with_or_without_folding(rows, width):
    from tabulate import tabulate

    widths = [width, 12, None]
    if fits(rows, widths):
        plain = tabulate(rows, headers=["a", "b", "c"], tablefmt="simple", disable_numparse=True)
        folded = tabulate(
            rows, headers=["a", "b", "c"], tablefmt="simple", disable_numparse=True, maxcolwidths=widths
        )
        assert plain == folded


def test_cells_that_folding_would_change_do_not_fit():
    for cell in ("True", "False", "trail ", " lead", "a\tb", "漢字", "e\u0301", "x" * 13):
        assert not fits([[cell]], [12])
    assert fits([["", "Покупка", "Pirkums: ā"]], [1, 12, 12])
