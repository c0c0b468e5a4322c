"""The PostgreSQL store: the unit of work behind init, enroll, purchase and member show.

Runs only when LOYALTY_TEST_DATABASE_URL names a database to use (for example the URL that
`scripts/postgres-cluster.sh start DIR PORT` prints); each test gets a schema of its own,
dropped afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal

import pytest

from loyalty_cli import ledger as ledger_mod
from loyalty_cli import members, points
from loyalty_cli import program as rules
from loyalty_cli.clock import UTC, Clock, iso
from loyalty_cli.errors import Busy, DataProblem, DuplicateReceipt, Refused, UnknownMember

DATABASE_URL = os.environ.get("LOYALTY_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not DATABASE_URL, reason="LOYALTY_TEST_DATABASE_URL is not set")

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TILLS = 8
ROUNDS = 3


def in_schema(url: str, schema: str) -> str:
    """The URL with `schema` as its search path (libpq's `options`); its connections are
    named after the schema, so that the test can end the ones it left open."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}&application_name={schema}"


@pytest.fixture
def database_url():
    """A fresh, empty schema in the test database; its URL."""
    psycopg2 = pytest.importorskip("psycopg2")
    schema = f"t_{secrets.token_hex(6)}"
    admin = psycopg2.connect(DATABASE_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    try:
        yield in_schema(DATABASE_URL, schema)
    finally:
        with admin.cursor() as cur:
            # A read-only shop keeps its snapshot open until the process ends, as a command does.
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                (schema,),
            )
            cur.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


def open_store(url: str, wait: float = 2.0, on_wait=None):
    from loyalty_cli.pg_store import PostgresStore

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

    expected = dict.fromkeys(shared, 0)
    for output in results:
        expected[output["card"]] += output["points"]
    shop = store.read()
    assert {card: shop.members.get(card)["points"]["balance"] for card in shared} == expected
    docs = [entry.to_doc() for entry in shop.ledger.entries()]
    receipts = Counter(doc.get("receipt") for doc in docs if doc.get("receipt"))
    assert len(receipts) == TILLS * ROUNDS and set(receipts.values()) == {1}
    prev = ledger_mod.GENESIS
    for doc in docs:
        assert doc["prev"] == prev
        prev = ledger_mod.entry_hash(doc)


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
