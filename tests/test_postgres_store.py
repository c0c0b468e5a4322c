"""The PostgreSQL store: the unit of work behind init, enroll, purchase and member show.

Runs only when LOYALTY_TEST_DATABASE_URL names a database to use (for example the URL that
`scripts/postgres-cluster.sh start DIR PORT` prints); each test gets a schema of its own,
dropped afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal

import pytest
from conftest import DATABASE_URL, schema_of_its_own
from conftest import loyalty_process as start

from loyalty_cli import ledger as ledger_mod
from loyalty_cli import members, points
from loyalty_cli import program as rules
from loyalty_cli.clock import UTC, Clock, iso
from loyalty_cli.errors import Busy, DataProblem, DuplicateReceipt, Refused, UnknownMember

pytestmark = pytest.mark.skipif(not DATABASE_URL, reason="LOYALTY_TEST_DATABASE_URL is not set")

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TILLS = 8
ROUNDS = 3


@pytest.fixture
def database_url():
    """A fresh, empty schema in the test database; its URL."""
    with schema_of_its_own() as url:
        yield url


def open_store(url: str, wait: float = 2.0, on_wait=None):
    from loyalty_cli.storage.postgres.store import PostgresStore

    return PostgresStore(url, wait, Clock(AT), on_wait=on_wait)


def init(store, name: str = "Test shop") -> None:
    """What `loyalty init` does with a store."""
    with store.transaction(create=True) as shop:
        assert not shop.has_programme()
        shop.save_settings({**rules.DEFAULTS, "name": name, "created_at": iso(AT)})


@pytest.fixture
def store(database_url):
    store = open_store(database_url)
    init(store)
    return store


def enroll(store, name: str = "Anna Bērziņa", phone: str | None = "29123456") -> str:
    with store.transaction() as shop:
        return members.enroll(shop, name=name, phone=phone, at=AT, operator="tester")["card"]


def test_init_creates_a_programme_that_later_commands_find(database_url):
    store = open_store(database_url)
    assert not store.exists()

    init(store, "Maiznīca Rīts")

    assert store.exists()
    assert store.read().programme().settings["name"] == "Maiznīca Rīts"


def test_a_command_before_init_is_refused(database_url):
    store = open_store(database_url)

    with pytest.raises(Refused, match="create one with `loyalty init`"), store.transaction():
        pass
    with pytest.raises(Refused):
        store.read()


def test_an_enrolled_member_is_found_by_card_and_by_phone(store):
    card = enroll(store)

    shop = store.read()
    assert members.find(shop, card)["name"] == "Anna Bērziņa"
    assert members.find(shop, "29123456")["card"] == card
    assert len(shop.members) == 1


def test_a_purchase_earns_points_that_member_show_reads_back(store):
    card = enroll(store)

    with store.transaction() as shop:
        recorded = points.purchase(shop, card, Decimal("12.30"), at=AT, operator="tester", receipt="R1")

    shown = members.find(store.read(), card)
    assert recorded.entry.points > 0
    assert shown["points"]["balance"] == recorded.balance


def test_the_ledger_chain_stays_linear_over_transactions(store):
    cards = [enroll(store, f"Member {n}", phone=None) for n in range(3)]
    for n, card in enumerate(cards):
        with store.transaction() as shop:
            points.purchase(shop, card, Decimal("10.00"), at=AT, operator="tester", receipt=f"R{n}")

    shop = store.read()
    entries = [entry.to_doc() for entry in shop.ledger.entries()]
    prev = ledger_mod.GENESIS
    for doc in entries:
        assert doc["prev"] == prev
        prev = ledger_mod.entry_hash(doc)
    assert [doc["id"] for doc in entries] == list(range(1, len(entries) + 1))
    assert shop.meta["last_hash"] == prev
    assert shop.meta["next_id"] == len(entries) + 1


def test_a_receipt_recorded_in_an_earlier_command_is_refused_again(store):
    card = enroll(store)
    with store.transaction() as shop:
        points.purchase(shop, card, Decimal("5.00"), at=AT, operator="tester", receipt="R1")

    with pytest.raises(DuplicateReceipt), store.transaction() as shop:
        points.purchase(shop, card, Decimal("5.00"), at=AT, operator="tester", receipt="R1")


def test_a_refused_command_and_a_dry_run_write_nothing(store):
    card = enroll(store)
    before = [e.id for e in store.read().ledger.entries()]

    with pytest.raises(UnknownMember), store.transaction() as shop:
        points.purchase(shop, card, Decimal("5.00"), at=AT, operator="tester")
        members.find(shop, "000000000000")
    with store.transaction(dry_run=True) as shop:
        points.purchase(shop, card, Decimal("5.00"), at=AT, operator="tester")

    shop = store.read()
    assert [e.id for e in shop.ledger.entries()] == before
    assert members.find(shop, card)["points"]["balance"] == 0


def test_a_second_writer_says_it_waits_then_gives_up_busy_while_readers_go_on(store, database_url):
    card = enroll(store)
    said = []
    other = open_store(database_url, wait=0.5, on_wait=lambda: said.append("waiting"))

    with store.transaction() as shop:
        points.purchase(shop, card, Decimal("5.00"), at=AT, operator="tester")
        with pytest.raises(Busy, match=r"waited 0\.5 s"), other.transaction():
            pass
        assert members.find(other.read(), card)["points"]["balance"] == 0  # the committed state

    assert said == ["waiting"]
    assert members.find(other.read(), card)["points"]["balance"] > 0


def test_an_unreachable_server_names_the_host_and_never_the_password():
    store = open_store("postgresql://till:s3cret@127.0.0.1:1/shop", wait=1)

    with pytest.raises(DataProblem) as refused:
        store.exists()

    message = str(refused.value)
    assert "127.0.0.1:1/shop" in message
    assert "s3cret" not in message
    assert "\n" not in message


def test_the_commands_run_on_the_database_given_by_url(database_url):
    from click.testing import CliRunner

    from loyalty_cli.cli import cli

    runner = CliRunner()
    env = {"LOYALTY_DATABASE_URL": database_url, "LOYALTY_NOW": iso(AT), "LOYALTY_WAIT": "2"}

    def run(*args, expect=0):
        result = runner.invoke(cli, ["--operator", "tester", *args], env=env)
        assert result.exit_code == expect, result.output
        return result

    assert "Created the loyalty programme 'Test shop'" in run("init", "--name", "Test shop").stdout
    run("init", "--name", "Again", expect=1)
    card = run("enroll", "Anna Bērziņa", "--phone", "29123456").stdout.strip()
    run("purchase", card, "12,30", "--receipt", "R1")
    run("purchase", card, "12,30", "--receipt", "R1", expect=1)

    shown = json.loads(run("member", "show", "29123456", "--json").stdout)
    assert shown["card"] == card
    assert shown["balance"] == 12


def run(url: str, *args: str, wait: float = 120) -> subprocess.CompletedProcess:
    """`loyalty ARGS` as a real process on the database at `url`."""
    return subprocess.run(
        [sys.executable, "-m", "loyalty_cli", "--wait", str(wait), *args],
        cwd=tempfile.gettempdir(),  # outside the checkout: the installed package is imported
        capture_output=True,
        text=True,
        env={**os.environ, "LOYALTY_DATABASE_URL": url, "LOYALTY_NOW": iso(AT), "LOYALTY_OPERATOR": "till"},
        check=False,
    )


def test_parallel_tills_lose_no_update_and_keep_one_chain(store, database_url):
    shared = [enroll(store, f"Shared {n}", phone=None) for n in range(2)]

    def till(number: int) -> list[dict]:
        done = []
        for round_ in range(ROUNDS):
            result = run(
                database_url, "purchase", shared[round_ % 2], f"{10 + number}.{round_}5",
                "--receipt", f"T{number}-{round_}", "--json",
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
            done.append(json.loads(result.stdout))
        return done

    with ThreadPoolExecutor(TILLS) as pool:
        results = [item for items in pool.map(till, range(TILLS)) for item in items]

    acknowledged = dict.fromkeys(shared, 0)
    for output in results:
        acknowledged[output["card"]] += output["points"]
    # One point a euro: each round, the tills bought for 10-17 euros and some cents.
    per_round = sum(10 + number for number in range(TILLS))
    exact = {shared[0]: per_round * len(range(0, ROUNDS, 2)), shared[1]: per_round * len(range(1, ROUNDS, 2))}
    spent = {
        shared[0]: sum(Decimal(f"{10 + n}.{r}5") for n in range(TILLS) for r in range(0, ROUNDS, 2)),
        shared[1]: sum(Decimal(f"{10 + n}.{r}5") for n in range(TILLS) for r in range(1, ROUNDS, 2)),
    }
    shop = store.read()
    assert acknowledged == exact
    assert {card: shop.members.get(card)["points"]["balance"] for card in shared} == exact
    days = {card: shop.members.get(card)["points"]["spend"].values() for card in shared}
    assert {card: sum(map(Decimal, amounts)) for card, amounts in days.items()} == spent
    docs = [entry.to_doc() for entry in shop.ledger.entries()]
    assert len(docs) == TILLS * ROUNDS
    receipts = Counter(doc.get("receipt") for doc in docs if doc.get("receipt"))
    assert len(receipts) == TILLS * ROUNDS and set(receipts.values()) == {1}
    prev = ledger_mod.GENESIS
    for doc in docs:
        assert doc["prev"] == prev
        prev = ledger_mod.entry_hash(doc)
    assert run(database_url, "verify").returncode == 0


def test_a_till_that_cannot_get_the_lock_exits_75_and_writes_nothing(store, database_url):
    card = enroll(store)

    with store.transaction() as shop:
        members.find(shop, card)  # holds the meta row's lock, as another till would
        result = run(database_url, "purchase", card, "10", wait=1)

    assert result.returncode == 75
    waiting, error = result.stderr.splitlines()
    assert waiting == "Waiting for another loyalty process..."
    assert error.startswith("Error: another loyalty process is using ")
    assert [e.kind for e in store.read().ledger.entries()] == []


def test_an_older_schema_is_migrated_once_under_the_lock_and_reads_the_same(store, database_url):
    from loyalty_cli.storage.folder.shop import SCHEMA_VERSION

    card = enroll(store)
    assert run(database_url, "purchase", card, "12.50", "--receipt", "M1").returncode == 0
    shown = run(database_url, "member", "show", card, "--json").stdout
    with store.transaction() as shop:  # as an older version of loyalty left it
        shop.meta["schema"] = SCHEMA_VERSION - 1
        shop.touch_meta()

    assert run(database_url, "member", "show", card, "--json").stdout == shown  # a reader migrates first
    assert store.read().meta["schema"] == SCHEMA_VERSION
    assert run(database_url, "verify").returncode == 0


def test_a_refused_command_on_an_older_schema_still_migrates_it(store, database_url):
    from loyalty_cli.storage.folder.shop import SCHEMA_VERSION

    card = enroll(store)
    with store.transaction() as shop:
        shop.meta["schema"] = SCHEMA_VERSION - 1
        shop.touch_meta()

    refused = run(database_url, "redeem", card, "1000")

    assert refused.returncode == 1, refused.stderr
    assert store.read().meta["schema"] == SCHEMA_VERSION  # not the refused command's change
    assert list(store.read().ledger.entries()) == []


# -- a till killed in the middle of its command ----------------------------------------------


def waiting_on_a_lock(admin, statement: str, timeout: float = 30) -> None:
    """Wait until a session of the test's schema waits for a lock in `statement` (an SQL prefix)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with admin.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s"
                " AND application_name = current_setting('application_name')",
                (statement + "%",),
            )
            if cur.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError(f"no process waited in {statement}")


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def test_a_till_killed_while_it_waits_for_the_lock_writes_nothing(store, database_url):
    card = enroll(store)
    before = store.read()
    rows = before.query("SELECT * FROM meta"), before.query("SELECT * FROM members")
    before.close()
    psycopg2 = pytest.importorskip("psycopg2")
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    try:
        with store.transaction() as shop:
            members.find(shop, card)  # holds the meta row's lock, as another till would
            till = start(database_url, "purchase", card, "10", "--receipt", "K1")
            waiting_on_a_lock(admin, "BEGIN; SAVEPOINT meta_lock")
            kill(till)
    finally:
        admin.close()

    after = store.read()
    assert (after.query("SELECT * FROM meta"), after.query("SELECT * FROM members")) == rows
    assert list(after.ledger.entries()) == []
    assert run(database_url, "purchase", card, "10", "--receipt", "K1").returncode == 0
    assert run(database_url, "verify").returncode == 0


def test_a_till_killed_between_writing_its_rows_and_committing_leaves_no_trace(store, database_url):
    """The till is stopped inside its flush: its member row is updated, its ledger INSERT waits
    for a row of the same id that the test is inserting; then it is killed."""
    card = enroll(store)
    assert run(database_url, "purchase", card, "20", "--receipt", "B1").returncode == 0
    shown = run(database_url, "member", "show", card, "--json").stdout
    psycopg2 = pytest.importorskip("psycopg2")
    admin, blocker = psycopg2.connect(database_url), psycopg2.connect(database_url)
    admin.autocommit = True
    try:
        with blocker.cursor() as cur:
            cur.execute("SELECT next_id FROM meta")
            next_id = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO ledger (id, at, card, kind, doc) VALUES (%s, '', '', '', '{}')", (next_id,)
            )  # not committed: the till's INSERT of the same id waits for it
        till = start(database_url, "purchase", card, "30", "--receipt", "B2")
        waiting_on_a_lock(admin, "INSERT INTO ledger")
        kill(till)
        blocker.rollback()
        # The server ends the killed till's transaction when it finds the client gone.
        for _ in range(500):
            with admin.cursor() as cur:
                cur.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = current_setting("
                    "'application_name') AND state LIKE 'idle in transaction%%'"
                )
                if cur.fetchone()[0] == 0:
                    break
            time.sleep(0.02)
    finally:
        admin.close()
        blocker.close()

    assert run(database_url, "member", "show", card, "--json").stdout == shown
    assert [e.receipt for e in store.read().ledger.entries()] == ["B1"]
    assert run(database_url, "verify").returncode == 0
    again = run(database_url, "purchase", card, "30", "--receipt", "B2", "--json")
    assert json.loads(again.stdout)["points"] == 30


KILLED_RUNS = 24


def test_tills_killed_at_random_moments_lose_nothing_acknowledged_and_leave_nothing_half_written(
    store, database_url
):
    cards = [enroll(store, f"Member {n}", phone=None) for n in range(2)]
    started = time.monotonic()
    warm = run(database_url, "purchase", cards[0], "1", "--receipt", "WARM", "--json")
    whole = time.monotonic() - started  # a whole purchase on this machine, now
    chance = random.Random(20261122)
    acknowledged = {"WARM": (cards[0], json.loads(warm.stdout)["points"])}
    for number in range(KILLED_RUNS):
        receipt, card = f"K{number}", cards[number % 2]
        till = start(database_url, "purchase", card, f"{number + 5}", "--receipt", receipt, "--json")
        time.sleep(chance.uniform(0.02, whole * 1.3))  # the import, the connection, the transaction...
        till.send_signal(signal.SIGKILL)
        stdout, _ = till.communicate(timeout=60)
        if till.returncode == 0:  # it finished first: what it printed must be there
            acknowledged[receipt] = (card, json.loads(stdout)["points"])

    shop = store.read()
    entries = list(shop.ledger.entries())
    recorded = {e.receipt: (e.card, e.points) for e in entries}
    assert {r: recorded.get(r) for r in acknowledged} == acknowledged
    assert len(recorded) == len(entries)  # each receipt at most once
    for card in cards:
        balance = sum(e.points for e in entries if e.card == card)
        assert shop.members.get(card)["points"]["balance"] == balance
    verified = run(database_url, "verify", "--json")
    assert verified.returncode == 0 and json.loads(verified.stdout)["entries"] == len(entries)
    assert 1 < len(acknowledged) < KILLED_RUNS + 1, "the kills should fall before and after the end"


@contextlib.contextmanager
def till_role(database_url: str):
    """The URL of a role that may read, insert and update the tables but owns none of them
    and may not delete (a till's role, as docs/postgresql.md describes a strict one)."""
    psycopg2 = pytest.importorskip("psycopg2")
    till = f"till_{secrets.token_hex(4)}"
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE ROLE {till} LOGIN")
            cur.execute(f"GRANT USAGE ON SCHEMA {current_schema(cur)} TO {till}")
            cur.execute(
                f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA {current_schema(cur)} TO {till}"
            )
        yield database_url.replace("postgres@", f"{till}@", 1)
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP OWNED BY {till}")
            cur.execute(f"DROP ROLE IF EXISTS {till}")
        admin.close()


def test_an_erasure_by_a_user_who_cannot_vacuum_is_saved_and_says_the_vacuum_was_skipped(store, database_url):
    """PostgreSQL only warns when a user who does not own a table vacuums it: the erasure
    must not pass for complete while the old row versions stay."""
    card = enroll(store)
    with till_role(database_url) as as_till:
        result = run(as_till, "member", "erase", card, "--yes")

        assert result.returncode == 3
        assert result.stderr.count("\n") == 1
        assert "the change is saved, but VACUUM of members, ledger, outbox, answers at " in result.stderr
        assert "run the command again as the owner of the tables" in result.stderr
        assert store.read().members.get(card)["name"] is None
        assert run(database_url, "member", "erase", card, "--yes").returncode == 0  # the owner finishes it


def test_a_command_the_database_user_may_not_do_is_one_line_exit_3_and_saves_nothing(store, database_url):
    card = enroll(store)
    with store.transaction() as shop:
        shop.outbox.mark("statements-2026-10", card, "sent", at=AT)
    with till_role(database_url) as as_till:
        result = run(as_till, "member", "erase", card, "--yes")  # the outbox's rows need DELETE

        assert result.returncode == 3
        assert result.stderr.count("\n") == 1
        assert "the database user may not do this at " in result.stderr
        assert "permission denied for table outbox" in result.stderr
        assert "nothing was saved" in result.stderr
        assert store.read().members.get(card)["name"] == "Anna Bērziņa"
        assert list(store.read().outbox.of("statements-2026-10")) == [card]


def current_schema(cur) -> str:
    cur.execute("SELECT current_schema()")
    return cur.fetchone()[0]


def test_every_member_is_read_in_batches_while_the_shop_goes_on_working(store, monkeypatch):
    from loyalty_cli.storage.postgres import store as postgres_store

    monkeypatch.setattr(postgres_store, "COPY_FETCH", 2)  # five members: three fetches
    cards = [enroll(store, f"Member {n}", phone=None) for n in range(5)]

    with store.transaction() as shop:
        seen = []
        for doc in shop.members.all():
            seen.append(doc["card"])
            points.purchase(shop, doc["card"], Decimal("10"), at=AT, operator="tester")
    read = store.read()

    assert seen == cards
    assert [read.members.get(card)["points"]["balance"] for card in cards] == [10] * 5
    assert [doc["card"] for doc in read.members.all()] == cards
