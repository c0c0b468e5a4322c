"""The till beside other processes: an open session holds no lock, and it reads again only
when the data changed underneath it (Store.version(), on both stores)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
import time

import pytest
from conftest import NOW

from loyalty_cli.clock import Clock, parse_datetime
from loyalty_cli.till import Till


def _now():
    return parse_datetime(NOW, Clock.system().now.tzinfo)


def test_the_version_changes_with_every_commit_and_not_with_reads_or_refusals(loyalty):
    store = loyalty.store()
    card = loyalty.enroll("Anna Bērziņa")
    first = store.version()
    assert first is not None
    loyalty("member", "show", card)
    loyalty("redeem", card, "5", expect=1)
    assert store.version() == first
    loyalty("member", "block", card)  # no ledger entry: the version still moves
    second = store.version()
    assert second != first
    loyalty("program", "set", "name", "Other name")
    assert store.version() not in (first, second)


def test_the_mail_outbox_alone_does_not_move_the_version(loyalty):
    card = loyalty.enroll("Anna Bērziņa")
    store = loyalty.store()
    before = store.version()
    with store.transaction() as shop:
        shop.outbox.mark("offer-test", card, "sent")
    with store.transaction() as shop:
        assert shop.outbox.of("offer-test")[card]["state"] == "sent"
    assert store.version() == before


def test_no_programme_has_no_version(empty_loyalty):
    assert empty_loyalty.store().version() is None


def test_the_session_keeps_what_it_read_until_the_data_changes(loyalty):
    card = loyalty.enroll("Anna Bērziņa")
    session = Till(loyalty.store(), _now, operator="tester")
    shop = session.reading()
    assert session.look_up(card)["points"]["balance"] == 0
    assert session.reading() is shop  # nothing changed: nothing read again
    loyalty("adjust", card, "7", "--reason", "from another till")
    assert session.reading() is not shop
    assert session.look_up(card)["points"]["balance"] == 7
    session.forget()


def _start_till(loyalty) -> subprocess.Popen:
    env = {**os.environ, "LOYALTY_NOW": NOW, "LOYALTY_OPERATOR": "till", "LOYALTY_WAIT": "2"}
    env.pop("LOYALTY_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "loyalty_cli", *loyalty.where(), "till"],
        cwd=tempfile.gettempdir(),  # outside the checkout: the installed package is imported
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


class _Lines:
    """A process's stdout, read line by line in the background, waited for with a timeout."""

    def __init__(self, stream):
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line)

    def until(self, text: str, timeout: float = 20) -> list[str]:
        seen, end = [], time.monotonic() + timeout
        while not any(text in line for line in seen):
            seen.append(self.lines.get(timeout=max(end - time.monotonic(), 0.01)))
        return seen


def test_an_open_session_never_blocks_maintain_and_sees_its_change(loyalty):
    card = loyalty.enroll("Ilze Ozola", "--birthday", "1990-11-22")
    loyalty("program", "set", "bonus.birthday", "25")
    process = _start_till(loyalty)
    try:
        out = _Lines(process.stdout)
        process.stdin.write(f"{card}\n12,30\n")
        process.stdin.flush()
        assert any("balance 12" in line for line in out.until("balance 12"))
        if loyalty.on_postgres:
            assert _transactions_left_open(loyalty.database) == []
        # The session is open, idle, its input still open: maintain runs beside it.
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "loyalty_cli", *loyalty.where(), "--wait", "2", "maintain", "--json"],
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
            env={**os.environ, "LOYALTY_NOW": NOW},
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert time.monotonic() - started < 10
        assert process.poll() is None  # the session goes on
        process.stdin.write(f"\n{card}\n1,00\n")
        process.stdin.flush()
        assert any("Balance 37 points" in line for line in out.until("Balance 37"))
        assert any("balance 38" in line for line in out.until("balance 38"))
        process.stdin.write("q\n")
        process.stdin.flush()
        assert process.wait(timeout=20) == 0
        assert process.stderr.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert loyalty.json("member", "show", card)["balance"] == 38
    loyalty("verify")


def _transactions_left_open(url: str) -> list[str]:
    """The states of the connections of the URL's schema (named after it) that hold a
    transaction open while idle."""
    import psycopg2

    schema = url.rsplit("application_name=", 1)[1]
    conn = psycopg2.connect(url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(
                "SELECT state FROM pg_stat_activity WHERE application_name = %s AND pid <> pg_backend_pid()"
                " AND state LIKE 'idle in transaction%%'",
                (schema,),
            )
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


@pytest.mark.folder_only
def test_the_folder_version_is_the_hot_files_identity_size_and_time(loyalty):
    before = loyalty.store().version()
    stat = os.stat(loyalty.data_dir / "loyalty.json")
    assert before == (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
