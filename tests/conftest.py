"""Shared fixtures: a programme on either store, a CLI runner with a fixed clock, snapshots.

The CLI-level tests run on the data folder, and on PostgreSQL too when
LOYALTY_TEST_DATABASE_URL names a database (for example the URL that
`scripts/postgres-cluster.sh start DIR PORT` prints): each such test then runs twice, the
second time in a schema of its own, dropped afterwards. Tests of the folder's files are
marked `folder_only`.
"""

from __future__ import annotations

import gc
import json
import os
import secrets
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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
DATABASE_URL = os.environ.get("LOYALTY_TEST_DATABASE_URL")
STORES = ("folder", "postgres") if DATABASE_URL else ("folder",)


def pytest_configure(config):
    config.addinivalue_line("markers", "folder_only: about the data folder's files; not run on PostgreSQL")
    config.addinivalue_line("markers", "postgres_only: about PostgreSQL itself; only with a test database")


def pytest_generate_tests(metafunc):
    """Every test that uses a programme runs on each store in STORES."""
    if "store_kind" in metafunc.fixturenames:
        kinds = STORES
        if metafunc.definition.get_closest_marker("folder_only"):
            kinds = ("folder",)
        if metafunc.definition.get_closest_marker("postgres_only"):
            kinds = ("postgres",) if DATABASE_URL else ()
        metafunc.parametrize("store_kind", kinds, indirect=True)


@pytest.fixture
def store_kind(request) -> str:
    return request.param


def in_schema(url: str, schema: str) -> str:
    """The URL with `schema` as its search path (libpq's `options`); its connections are
    named after the schema, so that the test can end the ones it left open."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}&application_name={schema}"


@contextmanager
def schema_of_its_own():
    """A fresh, empty schema in the test database: its URL; dropped afterwards, with the
    connections still open in it (a read-only shop keeps its snapshot to the end, as a
    command does)."""
    import psycopg2

    schema = f"t_{secrets.token_hex(6)}"
    admin = psycopg2.connect(DATABASE_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    try:
        yield in_schema(DATABASE_URL, schema)
    finally:
        with admin.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                (schema,),
            )
            cur.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@contextmanager
def database_of_its_own():
    """A fresh database beside the test database: its URL; dropped afterwards. For a test
    that VACUUMs: a row version goes only when no snapshot in the same database may still
    see it, and other tests running at the same time hold snapshots in theirs."""
    import psycopg2

    name = f"t_{secrets.token_hex(6)}"
    admin = psycopg2.connect(DATABASE_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    parts = urlsplit(DATABASE_URL)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


@pytest.fixture
def database(store_kind):
    """None on the folder store; on PostgreSQL the URL of a fresh, empty schema."""
    if store_kind == "folder":
        yield None
        return
    with schema_of_its_own() as url:
        yield url


def database_rows(url: str) -> dict[str, list]:
    """Every row of every table in the URL's schema, to prove a refusal wrote nothing."""
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() ORDER BY table_name"
            )
            tables = [row[0] for row in cur.fetchall()]
            rows = {}
            for table in tables:
                cur.execute(f"SELECT * FROM {table} ORDER BY 1")
                rows[table] = [tuple(map(str, row)) for row in cur.fetchall()]
            return rows
    finally:
        conn.close()


class Loyalty:
    """Runs `loyalty` in-process against one programme, with the clock at `now`: the data
    folder `data_dir`, or the PostgreSQL database `database` when one is given (`data_dir`
    is then passed too, for what a command keeps beside the programme)."""

    def __init__(self, data_dir: Path, now: str = NOW, database: str | None = None):
        self.data_dir = data_dir
        self.database = database
        self.now = now
        self.runner = CliRunner()

    @property
    def on_postgres(self) -> bool:
        return self.database is not None

    def where(self) -> list[str]:
        """The options that select this programme's store."""
        place = ["--data-dir", str(self.data_dir)]
        return [*place, "--database", self.database] if self.database else place

    def store(self, wait: float = 2.0):
        """The store itself, for a test that reads or writes below the CLI."""
        if self.database:
            from loyalty_cli.storage.postgres.store import PostgresStore

            return PostgresStore(self.database, wait)
        from loyalty_cli.storage.folder.store import Store

        return Store(self.data_dir, wait)

    def snapshot(self) -> dict:
        """Everything stored: the data folder's files and, on PostgreSQL, every row."""
        files = snapshot(self.data_dir) if self.data_dir.exists() else {}
        return {"files": files, "rows": database_rows(self.database) if self.database else {}}

    def __call__(self, *args: str, now: str | None = None, expect: int | None = 0, input=None):
        result = self.runner.invoke(
            cli,
            [*self.where(), "--operator", "tester", *map(str, args)],
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
def loyalty(tmp_path: Path, database) -> Loyalty:
    """A runner for a fresh programme (EUR, Europe/Riga, LV) on the store under test."""
    runner = Loyalty(tmp_path / "shop", database=database)
    runner("init", "--name", "Test shop")
    return runner


@pytest.fixture
def empty_loyalty(tmp_path: Path, database) -> Loyalty:
    """A runner for a store with no programme yet."""
    return Loyalty(tmp_path / "shop", database=database)


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

    moment = datetime.fromisoformat(at).replace(tzinfo=timezone.utc)
    with loyalty.store().transaction() as shop:
        member = shop.members.require(card)
        points.record(shop, member, at=moment, operator="tester", **fields)


def loyalty_process(url: str, *args: str) -> subprocess.Popen:
    """`loyalty ARGS` on the database at `url` as a real process, one a test may kill."""
    return subprocess.Popen(
        [sys.executable, "-m", "loyalty_cli", "--wait", "60", *args],
        cwd=tempfile.gettempdir(),  # outside the checkout: the installed package is imported
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LOYALTY_DATABASE_URL": url, "LOYALTY_NOW": NOW, "LOYALTY_OPERATOR": "till"},
    )


# --- Mail: a real SMTP server on loopback (tests/smtp_server.py) -------------------------
from smtp_server import certificate, mail_room, smtps_mail_room, tls_mail_room  # noqa: E402, F401
