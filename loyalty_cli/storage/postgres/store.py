"""A programme in PostgreSQL: the same unit of work as the data folder, for tills that share one.

`PostgresStore` offers the folder `Store`'s `exists()`, `read()` and `transaction()`, and
yields a `PgShop` with the same repositories as `shop.Shop` (members, ledger, draws,
rewards, plans, partners), so the programme's rules run unchanged on either store.

One transaction per command. A writer's first statement locks the meta row
(`SELECT ... FOR UPDATE` with `lock_timeout` from --wait; a timeout is exit 75): writers
are serial as under the folder's lock, and the ledger's hash chain stays linear. A reader
takes one REPEATABLE READ READ ONLY snapshot and never waits. Changes are buffered in the
repositories and written when the transaction commits; a refusal or a dry run rolls back.

The driver (psycopg2) is imported only when a store is opened: the folder store's
commands never load it. See docs/postgresql.md for the tables and the design.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import orjson

from loyalty_cli import ledger as ledger_mod
from loyalty_cli.clock import Clock
from loyalty_cli.errors import Busy, DataProblem, InvalidInput, Refused, UnknownMember
from loyalty_cli.language import _
from loyalty_cli.ledger import LedgerEntry
from loyalty_cli.program import Programme
from loyalty_cli.storage.folder import journals, member_rows
from loyalty_cli.storage.folder.file_checks import NoFiles
from loyalty_cli.storage.folder.shop import META_ID, PROGRESS_EVERY, SCHEMA_VERSION

# The layout of the tables below; a change of it gets a numbered step (docs/postgresql.md).
TABLES_VERSION = 1
# How long a writer waits for the lock before it says it is waiting (the folder's lock too).
QUIET_WAIT = 0.2
# Taken by `init` so that two tills creating the tables at once do not race.
CREATE_LOCK = 0x10CA1

TABLES = """
CREATE TABLE IF NOT EXISTS meta (
    id int PRIMARY KEY CHECK (id = 1),
    schema int NOT NULL,
    tables int NOT NULL,
    next_id bigint NOT NULL,
    last_hash text NOT NULL,
    doc json NOT NULL
);
CREATE TABLE IF NOT EXISTS program (id int PRIMARY KEY CHECK (id = 1), settings json NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    card text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    phone text,
    enrolled_at text NOT NULL,
    referred_by text,
    doc json NOT NULL,
    CONSTRAINT members_phone_key UNIQUE (phone) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX IF NOT EXISTS members_enrolled_at ON members (enrolled_at);
CREATE INDEX IF NOT EXISTS members_referred_by ON members (referred_by) WHERE referred_by IS NOT NULL;
CREATE TABLE IF NOT EXISTS ledger (
    id bigint PRIMARY KEY,
    at text NOT NULL,
    card text NOT NULL,
    kind text NOT NULL,
    receipt text,
    doc json NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_card_id ON ledger (card, id);
CREATE INDEX IF NOT EXISTS ledger_at ON ledger (at);
CREATE INDEX IF NOT EXISTS ledger_receipt ON ledger (receipt) WHERE receipt IS NOT NULL;
"""
RECORD_TABLES = ("draws", "rewards", "plans", "partners")
RECORD_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    name text PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    doc json NOT NULL
);
"""
# The mail outbox and survey answers (storage/folder/journals.py on the folder). Created by
# `init`, and by the first write of either in a database made before they existed.
JOURNAL_TABLES = ("outbox", "answers")
JOURNALS = """
CREATE TABLE IF NOT EXISTS outbox (
    campaign text NOT NULL,
    card text NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    doc json NOT NULL,
    PRIMARY KEY (campaign, card)
);
CREATE INDEX IF NOT EXISTS outbox_card ON outbox (card);
CREATE TABLE IF NOT EXISTS answers (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card text NOT NULL,
    doc json NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_card ON answers (card);
"""
# Meta keys kept in columns; every other key of shop.meta lives in meta.doc.
META_COLUMNS = ("schema", "next_id", "last_hash")
# Meta and the programme's settings in one row; LOCK_META takes the writers' lock first,
# with the lock timeout given (a READ COMMITTED statement after the lock sees what the
# writer before committed).
READ_META = (
    "SELECT m.schema, m.next_id, m.last_hash, m.doc, p.settings"
    " FROM meta m LEFT JOIN program p ON p.id = 1 WHERE m.id = 1"
)
LOCK_META = (
    "SELECT set_config('lock_timeout', %s, true); SELECT 1 FROM meta WHERE id = 1 FOR UPDATE; " + READ_META
)
# libpq's settings for the link to the server: give up connecting after 10 s, and notice a
# network that went away mid-command within ~15 s (TCP keepalives, and unacknowledged data
# given up after 15 s) instead of the system's 15 minutes. A URL's own settings win.
LINK = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 15000,
}
# A bulk copy sends COPY data in batches of about this many characters, and fetches rows
# in batches of this many.
COPY_BATCH = 1 << 20
COPY_FETCH = 5000
LEDGER_INDEXES = ("ledger_card_id", "ledger_at", "ledger_receipt")


def where(url: str) -> str:
    """host:port/database of a URL, for messages: never the user's password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path or '/'}"


JSON_OID = 114  # PostgreSQL's type `json`


def _parse_json(value: str | None, _cursor):
    return None if value is None else orjson.loads(value)


def _json(doc) -> str:
    return orjson.dumps(doc).decode()


class _CopyStream(io.TextIOBase):
    """Rows in COPY's text format, read by the driver a batch at a time (PgShop.copy_rows)."""

    def __init__(self, rows: Iterable[tuple]):
        self._rows = iter(rows)
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        lines, length = [], 0
        for row in self._rows:
            line = "\t".join(_copy_field(value) for value in row) + "\n"
            lines.append(line)
            length += len(line)
            self.count += 1
            if 0 < size <= length:
                break
        return "".join(lines)


def _copy_field(value: str | None) -> str:
    """A field in COPY's text format: a backslash starts an escape, a tab ends a field, a
    line break a row (JSON text holds neither: only its backslashes need doubling)."""
    if value is None:
        return "\\N"
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


class PostgresStore:
    """A programme in a PostgreSQL database (the URL's schema). Like `store.Store`."""

    def __init__(
        self,
        url: str,
        wait: float = 10.0,
        clock: Clock | None = None,
        on_wait: Callable[[], None] | None = None,
    ):
        import psycopg2  # here: only a command given a database URL pays for the driver
        import psycopg2.errors
        import psycopg2.extensions

        self._driver = psycopg2
        self.url = url
        self.wait = wait
        self.clock = clock
        self.on_wait = on_wait
        self._probe = None  # version()'s own connection, kept open between its calls

    @property
    def place(self) -> str:
        """Where the programme is, for messages (host:port/database)."""
        return where(self.url)

    def connect(self):
        """A new connection, or DataProblem naming the host (exit 3)."""
        driver = self._driver
        try:
            given = driver.extensions.parse_dsn(self.url)
        except driver.ProgrammingError:
            # Its reason may quote the URL, password and all: say what a URL looks like.
            raise InvalidInput(
                _("--database: not a PostgreSQL URL (postgresql://USER@HOST:PORT/DATABASE)")
            ) from None
        try:
            conn = driver.connect(self.url, **{k: v for k, v in LINK.items() if k not in given})
        except driver.OperationalError as error:
            reason = (str(error).strip().splitlines() or ["?"])[-1].strip()
            raise DataProblem(
                _("cannot connect to the loyalty database at {place}: {reason}").format(
                    place=self.place, reason=reason
                )
            ) from None
        # json columns parsed by orjson. (psycopg2.extras would do it too, but it imports
        # `logging`, which every command would pay for; it is loaded only for a bulk insert.)
        extensions = driver.extensions
        extensions.register_type(extensions.new_type((JSON_OID,), "JSON", _parse_json), conn)
        return conn

    def exists(self) -> bool:
        """True when a programme has been created in this database (schema)."""
        conn = self.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT to_regclass('meta') IS NOT NULL AND to_regclass('program') IS NOT NULL")
                if not cur.fetchone()[0]:
                    return False
                cur.execute("SELECT EXISTS (SELECT 1 FROM program WHERE id = 1)")
                return bool(cur.fetchone()[0])
        finally:
            conn.close()

    def version(self) -> tuple[int, str] | None:
        """The meta row's next_id and row version (xmin); None without a programme.

        Every commit that changes the programme, members, ledger or records rewrites the
        meta row (PgShop.commit), so this changes whenever they do (not with the mail
        outbox and survey answers alone, as on the data folder). One round trip on a
        connection of its own, kept open and in autocommit, so that an idle session holds
        no transaction.
        """
        for attempt in (1, 2):
            try:
                if self._probe is None or self._probe.closed:
                    self._probe = self.connect()
                    self._probe.autocommit = True
                with self._probe.cursor() as cur:
                    cur.execute("SELECT next_id, xmin::text FROM meta WHERE id = 1")
                    row = cur.fetchone()
                return None if row is None else (row[0], row[1])
            except self._driver.errors.UndefinedTable:
                return None
            except (self._driver.OperationalError, self._driver.InterfaceError) as error:
                self._probe = None  # a server restarted, a link that went away: once more
                if attempt == 2:
                    raise DataProblem(
                        _("lost the connection to the loyalty database at {place} ({reason})").format(
                            place=self.place, reason=(str(error).strip().splitlines() or ["?"])[0]
                        )
                    ) from None
        return None

    def read(self) -> PgShop:
        """A consistent read-only snapshot; never waits for writers.

        The shop keeps its connection (and snapshot) open until `close()` or the end of
        the process.
        """
        conn = self.connect()
        try:
            conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            cur = conn.cursor()
            found = self._meta(cur, lock=False)
            if found is None:
                raise self._no_programme()
            meta, settings = found
        except BaseException:
            conn.close()
            raise
        if meta["schema"] < SCHEMA_VERSION:  # written by an older version: migrated first
            conn.close()
            with self.transaction():
                pass
            return self.read()
        return PgShop(conn, meta, writable=False, place=self.place, settings=settings)

    @contextmanager
    def transaction(self, *, create: bool = False, dry_run: bool = False) -> Iterator[PgShop]:
        """Lock the meta row, let the caller change the shop, then commit it once.

        If the block raises, nothing is written; nor with `dry_run`. `create` makes the
        tables when they are missing (`init`).
        """
        driver = self._driver
        conn = self.connect()
        # The transaction's BEGIN and COMMIT are sent with its first and last statements
        # (not as round trips of their own), so the meta row is held for as few round trips
        # as possible; closing the connection rolls back whatever was not committed.
        conn.autocommit = True
        try:
            cur = conn.cursor()
            if create:
                cur.execute("BEGIN; SELECT pg_advisory_xact_lock(%s)", (CREATE_LOCK,))
                self._create(cur)
            found = self._meta(cur, lock=True, begin=not create)
            if found is None:
                raise self._no_programme()
            meta, settings = found
            shop = PgShop(conn, meta, writable=True, place=self.place, settings=settings)
            if not create and not shop.has_programme():
                raise self._no_programme()
            if meta["schema"] < SCHEMA_VERSION:  # even for a dry run: it is not its change
                shop = self._migrated(conn, cur, shop)
            yield shop
            if shop.changed and not dry_run:
                shop.commit()
        except driver.errors.InsufficientPrivilege as error:
            raise DataProblem(
                _(
                    "the database user may not do this at {place} ({reason}); "
                    "grant it the rights docs/postgresql.md lists; nothing was saved"
                ).format(place=self.place, reason=_first_line(error))
            ) from None
        except (driver.OperationalError, driver.InterfaceError) as error:
            raise DataProblem(
                _(
                    "lost the connection to the loyalty database at {place} ({reason}); "
                    "what was not acknowledged was not saved"
                ).format(
                    place=self.place, reason=str(error).strip().splitlines()[0] if str(error).strip() else "?"
                )
            ) from None
        finally:
            if not conn.closed:
                conn.close()

    def vacuum(self, tables: tuple[str, ...]) -> None:
        """VACUUM `tables` (outside any transaction): dead row versions, and what they held, go.

        A reader's snapshot still open elsewhere keeps the rows it may see until it ends;
        the next VACUUM (or autovacuum) removes them then. A user who does not own the
        tables cannot vacuum them: PostgreSQL only warns and skips, and so this is an error
        here (DataProblem), as is a failed VACUUM.
        """
        named = ", ".join(tables)
        conn = self.connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                # A database made before the outbox existed may not have all of them yet.
                cur.execute(
                    "SELECT t FROM unnest(%s::text[]) t WHERE to_regclass(t) IS NOT NULL", (list(tables),)
                )
                named = ", ".join(row[0] for row in cur.fetchall())
                cur.execute("VACUUM " + named)
            skipped = [n.strip() for n in conn.notices if "skipping" in n]
        except self._driver.Error as error:
            raise DataProblem(
                _(
                    "the change is saved, but VACUUM of {tables} at {place} failed ({reason}); "
                    "run the command again"
                ).format(tables=named, place=self.place, reason=str(error).strip() or "?")
            ) from None
        finally:
            conn.close()
        if skipped:
            raise DataProblem(
                _(
                    "the change is saved, but VACUUM of {tables} at {place} was skipped ({reason}); "
                    "run the command again as the owner of the tables"
                ).format(tables=named, place=self.place, reason=skipped[0].removeprefix("WARNING:").strip())
            )

    def _migrated(self, conn, cur, shop: PgShop) -> PgShop:
        """Run the document migrations and commit them; the command's shop, locked again."""
        from loyalty_cli.storage import migrations

        def commit(migrated: PgShop) -> None:
            migrated.commit()

        migrations.upgrade_documents(shop, commit)
        meta, settings = self._meta(cur, lock=True, begin=True)
        return PgShop(conn, meta, writable=True, place=self.place, settings=settings)

    def _create(self, cur) -> None:
        cur.execute(TABLES)
        for name in RECORD_TABLES:
            cur.execute(RECORD_TABLE.format(name=name))
        cur.execute(JOURNALS)
        cur.execute(
            "INSERT INTO meta (id, schema, tables, next_id, last_hash, doc) VALUES (%s, %s, %s, 1, %s, '{}')"
            " ON CONFLICT (id) DO NOTHING",
            (META_ID, SCHEMA_VERSION, TABLES_VERSION, ledger_mod.GENESIS),
        )

    def _meta(self, cur, *, lock: bool, begin: bool = False) -> tuple[dict, dict | None] | None:
        """The meta row as shop.meta, and the programme's settings (None before init), read in
        one round trip; with `lock`, after taking the writers' lock on the meta row (`begin`:
        starting the transaction with it). None when there are no tables yet."""
        try:
            if lock:
                self._lock(cur, begin=begin)
            else:
                cur.execute(READ_META)
        except self._driver.errors.UndefinedTable:
            return None
        row = cur.fetchone()
        if row is None:
            return None
        schema, next_id, last_hash, doc, settings = row
        if schema > SCHEMA_VERSION:
            raise DataProblem(
                _("{path} was written by a newer version of loyalty; upgrade loyalty").format(path=self.place)
            )
        return {**doc, "schema": schema, "next_id": next_id, "last_hash": last_hash}, settings

    def _lock(self, cur, *, begin: bool) -> None:
        """Take the meta row's lock and read meta and the settings (READ_META) after it:
        quietly for a moment, then saying so, until --wait is up."""
        lock_busy = self._driver.errors.LockNotAvailable
        started = time.monotonic()
        first = min(QUIET_WAIT, self.wait)
        try:
            cur.execute(
                ("BEGIN; " if begin else "") + "SAVEPOINT meta_lock; " + LOCK_META,
                (f"{max(1, round(first * 1000))}ms",),
            )
            return
        except lock_busy:
            cur.execute("ROLLBACK TO SAVEPOINT meta_lock")
        left = self.wait - (time.monotonic() - started)
        if left > 0:
            if self.on_wait is not None:
                self.on_wait()
            try:
                cur.execute(LOCK_META, (f"{max(1, round(left * 1000))}ms",))
                return
            except lock_busy:
                pass
        raise Busy(
            _(
                "another loyalty process is using {folder} (waited {seconds} s); "
                "try again, or give more --wait"
            ).format(folder=self.place, seconds=f"{self.wait:g}")
        )

    def _no_programme(self) -> Refused:
        return Refused(
            _("no loyalty programme in {folder}; create one with `loyalty init`").format(folder=self.place)
        )


class PgShop:
    """The unit of work on PostgreSQL: what a command reads and changes (like shop.Shop)."""

    def __init__(self, conn, meta: dict, *, writable: bool, place: str, settings: dict | None = None):
        self._conn = conn
        self._cur = conn.cursor()
        self.place = place
        self.root = None  # no data folder: file-specific code must not run on this store
        self.writable = writable
        self.meta = meta
        self.members = PgMembers(self)
        self.ledger = PgLedger(self)
        self.draws = PgRecords(self, "draws")
        self.rewards = PgRecords(self, "rewards")
        self.plans = PgRecords(self, "plans")
        self.partners = PgRecords(self, "partners")
        self.outbox = PgOutbox(self)
        self.answers = PgAnswers(self)
        self._journals: bool | None = None  # whether the journals' tables exist yet
        self._settings: dict | None = settings
        self._program_changed = False
        self._meta_changed = False
        self._programme: Programme | None = None
        self._streams = 0  # cursors declared so far, for their names

    @property
    def changed(self) -> bool:
        """Whether the transaction has anything to write."""
        return not self._journals_only() or self.outbox.dirty or self.answers.dirty

    def _journals_only(self) -> bool:
        """Whether the outbox and the answers are all this transaction changed (if anything)."""
        return not any(
            (
                self._program_changed,
                self._meta_changed,
                self.members.dirty,
                self.ledger.dirty,
                self.draws.dirty,
                self.rewards.dirty,
                self.plans.dirty,
                self.partners.dirty,
            )
        )

    def journals_exist(self) -> bool:
        """Whether the outbox's and the answers' tables exist (a database made before them)."""
        if self._journals is None:
            self._journals = self.query("SELECT to_regclass('outbox') IS NOT NULL")[0][0]
        return self._journals

    def make_journals(self) -> None:
        """Create the outbox's and the answers' tables if they are missing (a writer)."""
        if not self.journals_exist():
            self.query(JOURNALS)
            self._journals = True

    def query(self, sql: str, params=()) -> list[tuple]:
        """Rows of one statement in this transaction."""
        self._cur.execute(sql, params)
        return self._cur.fetchall() if self._cur.description is not None else []

    def stream(self, sql: str, params=()) -> Iterator[tuple]:
        """Rows of a query, COPY_FETCH at a time: a cursor declared in this transaction, so
        that 200,000 members or a whole ledger are never held at once."""
        self._streams += 1
        name = f"stream_{self._streams}"
        with self._conn.cursor() as cursor:
            cursor.execute(f"DECLARE {name} NO SCROLL CURSOR FOR {sql}", params)
            while True:
                cursor.execute(f"FETCH {COPY_FETCH} FROM {name}")
                rows = cursor.fetchall()
                if not rows:
                    break
                yield from rows
            cursor.execute(f"CLOSE {name}")

    def insert_many(self, sql: str, rows: list[tuple]) -> None:
        """One INSERT of many rows (`sql` has one `VALUES %s`)."""
        from psycopg2.extras import execute_values  # here: `logging` comes with it

        execute_values(self._cur, sql, rows, page_size=1000)

    def commit(self) -> None:
        """Write every buffered change, then COMMIT (a message of its own: a till stopped
        before sending it leaves nothing behind). The meta row is rewritten whenever the
        programme, members, ledger or records changed, so that its row version tells
        PostgresStore.version() (a transaction of the outbox or answers alone leaves it, as
        on the folder, where those are journals beside the hot file)."""
        if self.changed and not self._journals_only():
            self._meta_changed = True
        self.flush()
        self._cur.execute("COMMIT")

    def _stored_settings(self) -> dict:
        if self._settings is None:
            rows = self.query("SELECT settings FROM program WHERE id = 1")
            self._settings = rows[0][0] if rows else {}
        return self._settings

    def has_programme(self) -> bool:
        return bool(self._stored_settings())

    def programme(self) -> Programme:
        """The programme's settings."""
        if self._programme is None:
            self._programme = Programme(dict(self._stored_settings()))
        return self._programme

    def save_settings(self, settings: dict) -> None:
        """Replace the programme's settings (the given keys; the others stay, as in the folder)."""
        self._check_writable()
        self._settings = {**self._stored_settings(), **settings}
        self._program_changed = True
        self._programme = None

    def touch_meta(self) -> None:
        """Mark meta as changed (the ledger's counters, job dates)."""
        self._check_writable()
        self._meta_changed = True

    def flush(self) -> None:
        """Write every buffered change (the store commits after it)."""
        if self._program_changed:
            self.query(
                "INSERT INTO program (id, settings) VALUES (1, %s)"
                " ON CONFLICT (id) DO UPDATE SET settings = EXCLUDED.settings",
                (_json(self._settings),),
            )
            self._program_changed = False
        self.members.flush()
        for records in (self.draws, self.rewards, self.plans, self.partners):
            records.flush()
        self.ledger.flush()
        self.outbox.flush()
        self.answers.flush()
        if self._meta_changed:
            meta = self.meta
            rest = {k: v for k, v in meta.items() if k not in META_COLUMNS}
            self.query(
                "UPDATE meta SET schema = %s, next_id = %s, last_hash = %s, doc = %s WHERE id = 1",
                (meta["schema"], meta["next_id"], meta["last_hash"], _json(rest)),
            )
            self._meta_changed = False

    def file_checks(self) -> NoFiles:
        """No files of its own to check: the ledger and members are tables (folder_checks.py)."""
        return NoFiles()

    def close(self) -> None:
        """End the snapshot and the connection (a read-only shop)."""
        if not self._conn.closed:
            self._conn.rollback()
            self._conn.close()

    def _check_writable(self) -> None:
        if not self.writable:
            raise RuntimeError("this command opened the store read-only")

    # bulk copy
    def copy_rows(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        """COPY rows (tuples of str or None) into `table` in one stream; returns how many.

        The rows are made as the driver reads them, so the server stores one batch while
        the next is being made, and the whole table is never held in memory.
        """
        self._check_writable()
        stream = _CopyStream(rows)
        self._cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", stream, size=COPY_BATCH)
        return stream.count

    def clear(self) -> None:
        """Delete the programme: every row of every table but meta's, which starts again
        (a restore puts another programme in their place in the same transaction)."""
        self._check_writable()
        for table in ("program", "members", "ledger", *RECORD_TABLES):
            self.query(f"DELETE FROM {table}")
        if self.journals_exist():
            for table in JOURNAL_TABLES:
                self.query(f"DELETE FROM {table}")
        self.meta.clear()
        self.meta.update(schema=SCHEMA_VERSION, next_id=1, last_hash=ledger_mod.GENESIS)
        self._settings, self._programme, self._program_changed = {}, None, False
        self.members = PgMembers(self)
        self.ledger = PgLedger(self)
        for name in RECORD_TABLES:
            setattr(self, name, PgRecords(self, name))
        self.outbox = PgOutbox(self)
        self.answers = PgAnswers(self)
        self.touch_meta()


class PgMembers:
    """Member documents by card, with an identity map (like shop.Members).

    get() loads a member once per transaction into one working copy; put() marks it
    changed and flush() writes the changed rows. A renamed member's row is updated under
    its stored card.
    """

    def __init__(self, shop: PgShop):
        self._shop = shop
        self._working: dict[str, dict] = {}
        self._changed: set[str] = set()
        self._added: dict[str, None] = {}
        self._renamed: dict[str, str] = {}  # new card -> the card its stored row is under

    @property
    def dirty(self) -> bool:
        return bool(self._changed or self._added)

    def _stored(self, card: str) -> dict | None:
        rows = self._shop.query("SELECT doc FROM members WHERE card = %s", (card,))
        return rows[0][0] if rows else None

    def __len__(self) -> int:
        return self._shop.query("SELECT count(*) FROM members")[0][0] + len(self._added)

    def __contains__(self, card: str) -> bool:
        if card in self._working:
            return True
        return card not in self._renamed.values() and bool(
            self._shop.query("SELECT 1 FROM members WHERE card = %s", (card,))
        )

    def get(self, card: str) -> dict | None:
        """The working copy of the member with this exact card, or None."""
        doc = self._working.get(card)
        if doc is None:
            if card in self._renamed.values():
                return None
            doc = self._stored(card)
            if doc is None:
                return None
            self._working[card] = doc
        return doc

    def by_phone(self, phone: str) -> dict | None:
        """The member with this E.164 phone, or None."""
        for doc in self._working.values():  # changed in this transaction
            if doc.get("phone") == phone:
                return doc
        rows = self._shop.query("SELECT card FROM members WHERE phone = %s", (phone,))
        if not rows:
            return None
        card = rows[0][0]
        now_under = {stored: new for new, stored in self._renamed.items()}
        if card in self._working or card in now_under:
            return None  # its phone changed in this transaction
        return self.get(card)

    def require(self, card: str) -> dict:
        """The member with this card, or UnknownMember."""
        doc = self.get(card)
        if doc is None:
            raise UnknownMember(_("no member with card {card}").format(card=card))
        return doc

    def all(self) -> Iterator[dict]:
        """Every member document (the latest version; do not change them), in enrolment order."""
        now_under = {stored: card for card, stored in self._renamed.items()}
        for card, doc in self._shop.stream("SELECT card, doc FROM members ORDER BY seq"):
            yield self._working.get(now_under.get(card, card)) or doc
        for card in self._added:
            yield self._working[card]

    def enrolled_between(self, since: str, until: str) -> Iterator[dict]:
        """Members with since <= enrolled_at <= until (stored-form moments, UTC)."""
        rows = self._shop.query(
            "SELECT card, doc FROM members WHERE enrolled_at BETWEEN %s AND %s ORDER BY seq", (since, until)
        )
        for card, doc in rows:
            yield self._working.get(card) or doc
        for card in self._added:
            if since <= self._working[card]["enrolled_at"] <= until:
                yield self._working[card]

    def stored_rows(self) -> Iterator:
        """Every member as a row (member_rows.py), in enrolment order."""
        for doc in self.all():
            yield member_rows.to_row(doc)

    def add(self, doc: dict) -> None:
        """A new member (the caller has checked the card and phone are free)."""
        self._shop._check_writable()
        self._working[doc["card"]] = doc
        self._added[doc["card"]] = None

    def put(self, doc: dict) -> None:
        """Mark a member (a document from get()) as changed."""
        self._shop._check_writable()
        card = doc["card"]
        self._working[card] = doc
        if card not in self._added:
            self._changed.add(card)

    def rename(self, doc: dict, card: str) -> None:
        """Give a member (a document from get()) a new card."""
        self._shop._check_writable()
        old = doc["card"]
        del self._working[old]
        doc["card"] = card
        self._working[card] = doc
        if old in self._added:
            self._added = {(card if c == old else c): None for c in self._added}
        else:
            self._changed.discard(old)
            self._changed.add(card)
            self._renamed[card] = self._renamed.pop(old, old)

    def cards_referred_by(self, card: str) -> list[str]:
        """Cards of the members whose referrer is `card`."""
        stored = [c for (c,) in self._shop.query("SELECT card FROM members WHERE referred_by = %s", (card,))]
        found = [c for c in stored if c not in self._working and c not in self._renamed.values()]
        found += [c for c, doc in self._working.items() if doc.get("referred_by") == card]
        return found

    def repack(self) -> None:
        """Nothing to repack: rows are documents here (a migration of the folder's rows)."""

    def flush(self) -> None:
        """Write the added and changed members."""
        working, renamed = self._working, self._renamed
        for card in self._changed:
            doc = working[card]
            self._shop.query(
                "UPDATE members SET card = %s, phone = %s, enrolled_at = %s, referred_by = %s, doc = %s"
                " WHERE card = %s",
                (
                    card,
                    doc.get("phone"),
                    doc["enrolled_at"],
                    doc.get("referred_by"),
                    _json(doc),
                    renamed.get(card, card),
                ),
            )
        for card in self._added:
            doc = working[card]
            self._shop.query(
                "INSERT INTO members (card, phone, enrolled_at, referred_by, doc)"
                " VALUES (%s, %s, %s, %s, %s)",
                (card, doc.get("phone"), doc["enrolled_at"], doc.get("referred_by"), _json(doc)),
            )
        self._changed, self._added, self._renamed = set(), {}, {}

    # bulk copy
    def load(self, docs: Iterable[dict]) -> int:
        """Add members copied from another store, in enrolment order (one COPY); returns how many."""
        rows = (
            (doc["card"], doc.get("phone"), doc["enrolled_at"], doc.get("referred_by"), _json(doc))
            for doc in docs
        )
        return self._shop.copy_rows("members", ("card", "phone", "enrolled_at", "referred_by", "doc"), rows)


class PgLedger:
    """The append-only ledger in one table (like shop.Ledger, without partitions)."""

    def __init__(self, shop: PgShop):
        self._shop = shop
        self._pending: list[dict] = []

    @property
    def dirty(self) -> bool:
        return bool(self._pending)

    def append(self, **fields) -> LedgerEntry:
        """Write a new entry; returns it with its id and chain hash."""
        self._shop._check_writable()
        doc = ledger_mod.chain(self._shop.meta, fields)
        entry = LedgerEntry(**doc)
        self._shop.touch_meta()
        self._pending.append(doc)
        return entry

    def entries(
        self, card: str | None = None, *, since: str | None = None, until: str | None = None
    ) -> Iterator[LedgerEntry]:
        """Entries in ledger order: of one member if `card`; with since <= at <= until if given."""
        conditions, params = [], []
        for column, op, value in (("card", "=", card), ("at", ">=", since), ("at", "<=", until)):
            if value is not None:
                conditions.append(f"{column} {op} %s")
                params.append(value)
        sql = "SELECT doc FROM ledger"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        for (doc,) in self._shop.query(sql + " ORDER BY id", params):
            yield LedgerEntry.from_doc(doc)
        for doc in self._pending:
            if (
                (card is None or doc["card"] == card)
                and (since is None or doc["at"] >= since)
                and (until is None or doc["at"] <= until)
            ):
                yield LedgerEntry.from_doc(doc)

    def by_receipt(self, receipt: str) -> list[LedgerEntry]:
        """The entries recorded under a receipt, in ledger order."""
        rows = self._shop.query("SELECT doc FROM ledger WHERE receipt = %s ORDER BY id", (receipt,))
        docs = [doc for (doc,) in rows] + [d for d in self._pending if d.get("receipt") == receipt]
        return [LedgerEntry.from_doc(doc) for doc in docs]

    def flush(self) -> None:
        """Insert the new entries in one statement."""
        if not self._pending:
            return
        self._shop.insert_many(
            "INSERT INTO ledger (id, at, card, kind, receipt, doc) VALUES %s",
            [(d["id"], d["at"], d["card"], d["kind"], d.get("receipt"), _json(d)) for d in self._pending],
        )
        self._pending = []

    # bulk copy
    def stored_docs(self) -> Iterator[dict]:
        """Every entry as stored, in id order, fetched in batches (a server-side cursor)."""
        for (doc,) in self._shop.stream("SELECT doc FROM ledger ORDER BY id"):
            yield doc

    def load(self, docs: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Add entries copied from another store, exactly as they are (ids and hashes kept),
        with COPY; returns how many."""

        def rows():
            for number, doc in enumerate(docs, 1):
                yield (str(doc["id"]), doc["at"], doc["card"], doc["kind"], doc.get("receipt"), _json(doc))
                if progress is not None and number % PROGRESS_EVERY == 0:
                    progress(number)

        # Into a table made by this very transaction (that no one else can see yet), the
        # indexes are built once afterwards: faster than keeping them up to date row by row.
        # Into a table others read (a restore), dropping them would make the readers wait.
        rebuild = self._shop.query(
            "SELECT c.xmin::text = (txid_current() %% 4294967296)::text FROM pg_class c"
            " WHERE c.oid = 'ledger'::regclass"
        )[0][0]
        if rebuild:
            self._shop.query("SET LOCAL maintenance_work_mem = '256MB'")
            for index in LEDGER_INDEXES:
                self._shop.query(f"DROP INDEX IF EXISTS {index}")
        count = self._shop.copy_rows("ledger", ("id", "at", "card", "kind", "receipt", "doc"), rows())
        if rebuild:
            self._shop.query(TABLES)  # creates the indexes that are missing
        return count


class PgRecords:
    """Small documents addressed by name (draws, rewards, plans, partners)."""

    def __init__(self, shop: PgShop, table: str):
        self._shop = shop
        self._table = table
        self._changed: dict[str, dict] = {}

    @property
    def dirty(self) -> bool:
        return bool(self._changed)

    def get(self, name: str) -> dict | None:
        """A copy of the record, or None."""
        doc = self._changed.get(name)
        if doc is None:
            rows = self._shop.query(f"SELECT doc FROM {self._table} WHERE name = %s", (name,))
            doc = rows[0][0] if rows else None
        return _copy(doc) if doc is not None else None

    def named(self, name: str, *, keep=None) -> dict | None:
        """A copy of the record named `name` whatever the capitals and spacing."""
        text = " ".join(str(name).split())
        exact = self.get(text)
        if exact is not None and (keep is None or keep(exact)):
            return exact
        wanted = text.casefold()
        return next(
            (d for d in self.all() if str(d["name"]).casefold() == wanted and (keep is None or keep(d))),
            None,
        )

    def all(self) -> list[dict]:
        """Every record, oldest first."""
        merged = {
            name: doc for name, doc in self._shop.query(f"SELECT name, doc FROM {self._table} ORDER BY seq")
        }
        merged.update(self._changed)
        return [_copy(d) for d in merged.values()]

    def put(self, doc: dict) -> None:
        """Add or replace a record."""
        self._shop._check_writable()
        self._changed[doc["name"]] = doc

    def flush(self) -> None:
        """Write the changed records."""
        for name, doc in self._changed.items():
            self._shop.query(
                f"INSERT INTO {self._table} (name, doc) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET doc = EXCLUDED.doc",
                (name, _json(doc)),
            )
        self._changed = {}


class PgOutbox:
    """Which member each campaign's letter went to: one row per campaign and member."""

    def __init__(self, shop: PgShop):
        self._shop = shop
        self._changed: dict[tuple[str, str], dict] = {}
        self._forgotten: set[str] = set()

    @property
    def dirty(self) -> bool:
        return bool(self._changed or self._forgotten)

    def of(self, campaign: str, cards: list[str] | None = None) -> dict[str, dict]:
        """The latest record of each member in the campaign (of `cards` only, if given), by card."""
        journals.check_campaign(campaign)
        latest: dict[str, dict] = {}
        if self._shop.journals_exist():
            if cards is None:
                rows = self._shop.query(
                    "SELECT card, doc FROM outbox WHERE campaign = %s ORDER BY seq", (campaign,)
                )
            else:
                rows = self._shop.query(
                    "SELECT card, doc FROM outbox WHERE campaign = %s AND card = ANY(%s) ORDER BY seq",
                    (campaign, list(cards)),
                )
            latest = {card: doc for card, doc in rows}
        latest.update(
            {
                card: _copy(doc)
                for (c, card), doc in self._changed.items()
                if c == campaign and (cards is None or card in cards)
            }
        )
        for card in self._forgotten:
            latest.pop(card, None)
        return latest

    def mark(self, campaign: str, card: str, state: str, **details) -> None:
        """Record a member's state in a campaign (`at`, `error`, ... in `details`)."""
        self._shop._check_writable()
        journals.check_campaign(campaign)
        self._changed[campaign, card] = {"campaign": campaign, "card": card, "state": state, **details}

    def campaigns(self) -> list[str]:
        """Every campaign with records, by id."""
        found = {campaign for campaign, _card in self._changed}
        if self._shop.journals_exist():
            found.update(row[0] for row in self._shop.query("SELECT DISTINCT campaign FROM outbox"))
        return sorted(found)

    def forget(self, card: str) -> None:
        """Drop every record of a member (an erasure)."""
        self._shop._check_writable()
        self._forgotten.add(card)
        self._changed = {key: doc for key, doc in self._changed.items() if key[1] != card}

    def flush(self) -> None:
        """Write the changed records."""
        if not self.dirty:
            return
        self._shop.make_journals()
        for card in self._forgotten:
            # Only where there is something to delete: a till's role may have no DELETE right.
            if self._shop.query("SELECT 1 FROM outbox WHERE card = %s LIMIT 1", (card,)):
                self._shop.query("DELETE FROM outbox WHERE card = %s", (card,))
        if self._changed:
            self._shop.insert_many(
                "INSERT INTO outbox (campaign, card, doc) VALUES %s"
                " ON CONFLICT (campaign, card) DO UPDATE SET doc = EXCLUDED.doc",
                [(campaign, card, _json(doc)) for (campaign, card), doc in self._changed.items()],
            )
        self._changed, self._forgotten = {}, set()


class PgAnswers:
    """Survey answers (NPS scores), oldest first."""

    def __init__(self, shop: PgShop):
        self._shop = shop
        self._pending: list[dict] = []
        self._forgotten: set[str] = set()

    @property
    def dirty(self) -> bool:
        return bool(self._pending or self._forgotten)

    def add(self, doc: dict) -> None:
        """A new answer."""
        self._shop._check_writable()
        self._pending.append(dict(doc))

    def all(self) -> Iterator[dict]:
        """Every answer, oldest first, with this transaction's."""
        stored = (
            self._shop.stream("SELECT doc FROM answers ORDER BY seq") if self._shop.journals_exist() else ()
        )
        for (doc,) in stored:
            if doc.get("card") in self._forgotten:
                doc.pop("comment", None)
            yield doc
        for doc in self._pending:
            yield dict(doc)

    def forget(self, card: str) -> None:
        """Remove the comments of a member's answers (an erasure); the scores stay."""
        self._shop._check_writable()
        self._forgotten.add(card)
        for doc in self._pending:
            if doc.get("card") == card:
                doc.pop("comment", None)

    def flush(self) -> None:
        """Write the new answers."""
        if not self.dirty:
            return
        self._shop.make_journals()
        for card in self._forgotten:
            self._shop.query(
                "UPDATE answers SET doc = (doc::jsonb - 'comment')::json"
                " WHERE card = %s AND (doc::jsonb ? 'comment')",
                (card,),
            )
        if self._pending:
            self._shop.insert_many(
                "INSERT INTO answers (card, doc) VALUES %s",
                [(str(doc.get("card", "")), _json(doc)) for doc in self._pending],
            )
        self._pending, self._forgotten = [], set()


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "?"


def _copy(doc: dict) -> dict:
    return orjson.loads(orjson.dumps(doc))
