"""The PostgreSQL figures of `benchmarks/run.py --database URL`.

In the URL's database, in schemas of their own:
- `bench_ref`: the reference shop (20,000 members, 36 months), moved there from the folder
  shop by `loyalty migrate --to URL` (timed) at the start of every run;
- `bench_chain`: the 200,000-member chain, ten copies of the reference shop's members with
  the same history each (see postgres_shops.py), built once and kept.

Measured, as whole `loyalty` processes taking turns (folder, PostgreSQL, chain; the order
rotates from one run to the next so that none always goes first): purchase, redeem and
member show. Then 8 concurrent tills on `bench_ref`: 8 processes, each recording its
purchases one transaction after the other (the store's throughput: what the server and the
meta-row lock sustain), and the same with 8 tills starting one `loyalty purchase` process
per purchase; after each, the totals are checked for lost updates and `verify` is run.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import postgres_shops

HERE = Path(__file__).resolve().parent
NOW = "2026-11-15T12:00:00+00:00"
TILLS = 8
REFERENCE, CHAIN = "bench_ref", "bench_chain"
CHAIN_COPIES = 10
SHARED_MEMBERS = 16  # the tills' purchases go to these members, so that tills meet on them


def with_schema(url: str, schema: str) -> str:
    """The URL with its search_path set to `schema`."""
    parts = urlsplit(url)
    option = "options=" + quote(f"-csearch_path={schema}")
    query = f"{parts.query}&{option}" if parts.query else option
    return urlunsplit(parts._replace(query=query))


class PostgresBench:
    """The PostgreSQL shops and their timed commands."""

    def __init__(self, url: str, folder_shop: Path, card: str, runs: int, till_purchases: int, figure):
        self.url, self.folder_shop, self.card, self.runs = url, folder_shop, card, runs
        self.till_purchases = till_purchases
        self.Figure = figure
        self.loyalty = shutil.which("loyalty", path=str(Path(sys.executable).parent)) or "loyalty"
        self.reference = with_schema(url, REFERENCE)
        self.chain = with_schema(url, CHAIN)
        self.scratch = Path(tempfile.mkdtemp(prefix="loyalty-bench-"))
        self.folder = self.scratch / "folder"
        self.conditions: list[str] = []

    # -- processes --------------------------------------------------------------------

    def env(self, url: str | None) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("LOYALTY_DATABASE_URL", "LOYALTY_DATA_DIR")}
        env.update(LOYALTY_NOW=NOW, LOYALTY_WAIT="60", LOYALTY_OPERATOR="bench")
        if url is None:
            env["LOYALTY_DATA_DIR"] = str(self.folder)
        else:
            env["LOYALTY_DATABASE_URL"] = url
        return env

    def timed(self, url: str | None, *args) -> tuple[float, float, str]:
        """One loyalty process on the folder copy (url None) or a database: wall s, CPU s, stdout."""
        before = os.times()
        started = time.perf_counter()
        done = subprocess.run([self.loyalty, *map(str, args)], env=self.env(url), capture_output=True)
        elapsed = time.perf_counter() - started
        after = os.times()
        if done.returncode != 0:
            raise SystemExit(f"loyalty {' '.join(map(str, args))} failed: {done.stderr.decode()}")
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        return elapsed, cpu, done.stdout.decode()

    def sql(self, url: str, query: str, params=()) -> list[tuple]:
        from loyalty_cli.storage.postgres.store import PostgresStore

        conn = PostgresStore(url).connect()
        try:
            with conn.cursor() as cur:
                cur.execute(query, params)
                rows = cur.fetchall() if cur.description is not None else []
            conn.commit()
            return rows
        finally:
            conn.close()

    def fresh_schema(self, schema: str) -> None:
        self.sql(self.url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')

    def has_migrate(self) -> bool:
        return subprocess.run([self.loyalty, "migrate", "--help"], capture_output=True).returncode == 0

    # -- the measures -----------------------------------------------------------------

    def run_all(self) -> list:
        started_load = os.getloadavg()[0]
        figures = [self.migrate_figure()]
        figures.extend(self.chain_figures())
        figures.extend(self.command_figures())
        figures.extend(self.till_figures())
        shutil.rmtree(self.scratch, ignore_errors=True)
        version = self.sql(self.url, "SHOW server_version")[0][0]
        self.conditions.append(
            f"PostgreSQL {version} on the same machine (default settings but for the port), over TCP "
            f"on 127.0.0.1; load average {started_load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        )
        return figures

    def migrate_figure(self):
        """`loyalty migrate --to URL` of a copy of the folder shop into bench_ref."""
        copy_shop(self.folder_shop, self.folder)
        self.fresh_schema(REFERENCE)
        if not self.has_migrate():
            started = time.perf_counter()
            postgres_shops.load(self.folder, self.reference)
            seconds = time.perf_counter() - started
            return self.Figure(
                "migrate --to URL, reference shop",
                None,
                "",
                "< 2 min",
                None,
                f"no migrate command in this version; the benchmarks' own loader took {seconds:.0f} s",
            )
        started = time.perf_counter()
        done = subprocess.run(
            [self.loyalty, "migrate", "--to", self.reference, "--yes"],
            env=self.env(None),
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        copy_shop(self.folder_shop, self.folder)  # the commands' copy, untouched
        if done.returncode != 0:
            error = (done.stderr.strip().splitlines() or ["?"])[-1][:160]
            self.fresh_schema(REFERENCE)
            postgres_shops.load(self.folder, self.reference)
            return self.Figure(
                "migrate --to URL, reference shop",
                seconds,
                "s",
                "< 2 min",
                False,
                f"exit {done.returncode} after {seconds:.0f} s: {error}; the benchmarks' loader filled it",
            )
        members, entries = self.counts(self.reference)
        return self.Figure(
            "migrate --to URL, reference shop",
            seconds,
            "s",
            "< 2 min",
            seconds < 120,
            f"{members:,} members, {entries:,} entries, then verify on the target; one run",
        )

    def counts(self, url: str) -> tuple[int, int]:
        return self.sql(url, "SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM ledger)")[0]

    def chain_figures(self) -> list:
        """Build the 200,000-member chain unless a complete one is there."""
        try:
            members, _entries = self.counts(self.chain)
        except Exception:  # no tables yet
            members = 0
        if members >= 20_000 * CHAIN_COPIES:
            return []
        self.fresh_schema(CHAIN)
        started = time.perf_counter()
        members, entries = postgres_shops.load(self.folder, self.chain, copies=CHAIN_COPIES)
        seconds = time.perf_counter() - started
        off = self.members_off(self.chain)
        return [
            self.Figure(
                "building the 200,000-member chain (benchmark loader, COPY)",
                seconds,
                "s",
                "",
                None,
                f"{members:,} members, {entries:,} entries; {off} balances differ from their entries",
            )
        ]

    def command_figures(self) -> list:
        chain_card = postgres_shops.card_copy(self.card, CHAIN_COPIES - 3)
        stores = [
            ("folder", None, self.card),
            ("postgres", self.reference, self.card),
            ("chain", self.chain, chain_card),
        ]
        run_id = time.time_ns()
        commands = (
            ("purchase", lambda i, s, card: ("purchase", card, "12.30", "--receipt", f"B{run_id}-{s}-{i}")),
            ("redeem", lambda i, s, card: ("redeem", card, "1")),
            ("member show", lambda i, s, card: ("member", "show", card)),
        )
        for store in stores[1:]:  # the first connection to a schema warms the server's caches
            self.timed(store[1], "member", "show", store[2])
        figures = []
        for name, make in commands:
            wall: dict[str, list[float]] = {s[0]: [] for s in stores}
            cpu: dict[str, list[float]] = {s[0]: [] for s in stores}
            for i in range(self.runs):
                for kind, url, card in stores[i % 3 :] + stores[: i % 3]:
                    seconds, used, _out = self.timed(url, *make(i, kind, card))
                    wall[kind].append(seconds)
                    cpu[kind].append(used)
            folder, pg, chain = (statistics.median(wall[k]) for k in ("folder", "postgres", "chain"))
            folder_cpu, pg_cpu, chain_cpu = (
                statistics.median(cpu[k]) for k in ("folder", "postgres", "chain")
            )
            figures.append(self.Figure(f"{name}, 20,000 members, folder", folder * 1000, "ms"))
            figures.append(
                self.Figure(
                    f"{name}, 20,000 members, PostgreSQL",
                    pg * 1000,
                    "ms",
                    "<= 1.5x folder",
                    pg / folder <= 1.5,
                    f"{pg / folder:.2f}x the folder; CPU of the process {pg_cpu * 1000:.0f} ms "
                    f"(folder {folder_cpu * 1000:.0f} ms)",
                )
            )
            figures.append(
                self.Figure(
                    f"{name}, 200,000-member chain, PostgreSQL",
                    chain * 1000,
                    "ms",
                    "<= 1.2x 20,000 on PostgreSQL",
                    chain / pg <= 1.2,
                    f"{chain / pg:.2f}x 20,000 members; CPU {chain_cpu * 1000:.0f} ms",
                )
            )
        self.conditions.append(
            f"commands: {self.runs} runs of each on each store, taking turns; card {self.card} "
            f"(a regular) and, on the chain, its copy {chain_card}"
        )
        return figures

    # -- tills --------------------------------------------------------------------------

    def till_figures(self) -> list:
        rng = random.Random(2026)
        cards = [c for (c,) in self.sql(self.reference, "SELECT card FROM members ORDER BY seq")]
        shared = rng.sample(cards, SHARED_MEMBERS)
        figures = []
        for kept, what, budget in (
            (False, "a new connection each", ">= 100/s, no lost update"),
            (True, "one connection kept per till (as behind a pooler)", "no lost update"),
        ):
            before = self.totals(shared)
            started, finished, results, note = self.in_process_tills(shared, kept=kept)
            rate = len(results) / (finished - started)
            problems = self.check(before, results, shared)
            figures.append(
                self.Figure(
                    f"8 tills, {len(results)} purchases in transactions of their own, {what}",
                    rate,
                    "purchases/s",
                    budget,
                    (rate >= 100 or kept) and not problems,
                    "; ".join(problems)
                    or f"no lost update: totals, balances, receipts and chain exact; {note}",
                )
            )
        count = max(1, self.till_purchases // 10)
        before = self.totals(shared)
        started, finished, results = self.process_tills(shared, count)
        rate = len(results) / (finished - started)
        problems = self.check(before, results, shared)
        figures.append(
            self.Figure(
                f"8 tills, {len(results)} purchases as `loyalty purchase` processes",
                rate,
                "purchases/s",
                "no lost update",
                not problems,
                "; ".join(problems) or "no lost update; each process starts Python (2 cores for 8 tills)",
            )
        )
        figures.append(self.verify_figure())
        return figures

    def verify_figure(self):
        """`loyalty verify` on bench_ref after the tills."""
        started = time.perf_counter()
        done = subprocess.run(
            [self.loyalty, "verify"], env=self.env(self.reference), capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        line = (done.stdout.strip() or done.stderr.strip()).splitlines()[-1:] or [""]
        return self.Figure(
            "verify, reference shop after the tills, PostgreSQL",
            seconds if done.returncode == 0 else None,
            "s",
            "passes",
            done.returncode == 0,
            line[0][:160] if done.returncode else "",
        )

    def totals(self, shared: list[str]) -> dict:
        rows = self.sql(
            self.reference,
            "SELECT (SELECT count(*) FROM ledger), (SELECT max(id) FROM ledger),"
            " (SELECT sum((doc->'points'->>'balance')::bigint) FROM members),"
            " (SELECT last_hash FROM meta WHERE id = 1)",
        )[0]
        balances = dict(
            self.sql(
                self.reference,
                "SELECT card, (doc->'points'->>'balance')::bigint FROM members WHERE card = ANY(%s)",
                (shared,),
            )
        )
        return {
            "count": rows[0],
            "max_id": rows[1],
            "sum": rows[2],
            "last_hash": rows[3],
            "balances": balances,
        }

    def check(self, before: dict, results: list[dict], shared: list[str]) -> list[str]:
        """What is wrong after the tills' purchases (nothing, when no update was lost)."""
        from loyalty_cli import ledger

        after = self.totals(shared)
        problems = []
        if after["count"] - before["count"] != len(results):
            problems.append(f"{after['count'] - before['count']} entries for {len(results)} purchases")
        earned = sum(r["points"] for r in results)
        if after["sum"] - before["sum"] != earned:
            problems.append(f"balances rose by {after['sum'] - before['sum']}, the purchases earned {earned}")
        by_card = Counter()
        for r in results:
            by_card[r["card"]] += r["points"]
        for card in shared:
            if after["balances"][card] - before["balances"][card] != by_card[card]:
                problems.append(f"card {card}: balance off")
        receipts = Counter(
            r
            for (r,) in self.sql(
                self.reference, "SELECT receipt FROM ledger WHERE id > %s", (before["max_id"],)
            )
        )
        if sorted(receipts) != sorted(r["receipt"] for r in results) or set(receipts.values()) != {1}:
            problems.append("receipts differ from the purchases made")
        prev = before["last_hash"]
        for (doc,) in self.sql(
            self.reference, "SELECT doc FROM ledger WHERE id > %s ORDER BY id", (before["max_id"],)
        ):
            if doc["prev"] != prev:
                problems.append(f"chain broken at entry {doc['id']}")
                break
            prev = ledger.entry_hash(doc)
        if prev != after["last_hash"]:
            problems.append("meta's last hash is not the chain's")
        off = self.members_off(self.reference)
        if off:
            problems.append(f"{off} members' balances differ from the sum of their entries")
        return problems

    def members_off(self, url: str) -> int:
        """How many members' balances differ from the sum of their ledger entries' points."""
        return self.sql(
            url,
            "SELECT count(*) FROM members m LEFT JOIN"
            " (SELECT card, sum((doc->>'points')::bigint) AS points FROM ledger GROUP BY card) l USING (card)"
            " WHERE (m.doc->'points'->>'balance')::bigint <> coalesce(l.points, 0)",
        )[0][0]

    def in_process_tills(self, shared: list[str], *, kept: bool) -> tuple[float, float, list[dict], str]:
        """8 till processes, each recording its purchases in one transaction after another;
        `kept`: each till keeps one connection instead of opening one per transaction."""
        run_id = time.time_ns()
        tills = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__)),
                    self.reference,
                    f"I{run_id}-{n}",
                    str(self.till_purchases),
                    str(n),
                    "kept" if kept else "new",
                    *shared,
                ],
                env=self.env(self.reference),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for n in range(TILLS)
        ]
        for till in tills:
            assert till.stdout.readline().strip() == "ready"
        for till in tills:
            till.stdin.write("go\n")
            till.stdin.flush()
        reports = []
        for till in tills:
            out, _err = till.communicate()
            if till.returncode != 0:
                raise SystemExit(f"a till failed ({till.returncode})")
            reports.append(json.loads(out))
        started = min(r["started"] for r in reports)
        finished = max(r["finished"] for r in reports)
        held = statistics.median(h for r in reports for h in r["held"])
        cpu = sum(r["cpu"] for r in reports) / sum(len(r["done"]) for r in reports)
        note = (
            f"the meta row is held {held * 1000:.1f} ms per purchase (median; the lock alone would allow "
            f"about {1 / held:,.0f}/s); a till's own CPU per purchase {cpu * 1000:.1f} ms"
        )
        if not kept:
            self.conditions.append(
                f"tills: {TILLS} processes x {self.till_purchases} purchases on {SHARED_MEMBERS} members "
                "drawn at random, each purchase a transaction of its own (the meta row locked, the member "
                "read and written, one entry), as `PostgresStore.transaction()` runs it; the rate is all "
                "purchases over the time from the first till's start to the last one's end"
            )
        return started, finished, [r for report in reports for r in report["done"]], note

    def process_tills(self, shared: list[str], count: int) -> tuple[float, float, list[dict]]:
        """8 tills, each starting `count` `loyalty purchase --json` processes one after the other."""
        run_id, results, lock = time.time_ns(), [], threading.Lock()

        def till(number: int) -> None:
            rng = random.Random(number)
            for i in range(count):
                card, receipt = rng.choice(shared), f"P{run_id}-{number}-{i}"
                amount = f"{rng.randint(1, 80)}.{rng.randint(0, 99):02d}"
                _s, _c, out = self.timed(
                    self.reference, "purchase", card, amount, "--receipt", receipt, "--json"
                )
                points = json.loads(out)["points"]
                with lock:
                    results.append({"card": card, "receipt": receipt, "points": points})

        threads = [threading.Thread(target=till, args=(n,)) for n in range(TILLS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return started, time.perf_counter(), results


def copy_shop(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("backups", ".lock"))


def kept_store(url: str, **options):
    """A PostgresStore whose transactions share one connection, as behind a connection pooler."""
    from loyalty_cli.storage.postgres.store import PostgresStore

    class KeptStore(PostgresStore):
        kept = None

        def connect(self):
            if self.kept is None:
                self.kept = Connection(super().connect())
            return self.kept

    return KeptStore(url, **options)


class Connection:
    """A connection whose close() keeps it open (for the next transaction)."""

    def __init__(self, conn):
        self._conn = conn

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def close(self) -> None:
        pass


def till_main(url: str, prefix: str, count: int, number: int, kept: bool, cards: list[str]) -> None:
    """One till: `count` purchases, each in a transaction of its own, after "go" on stdin."""
    from decimal import Decimal

    from loyalty_cli import points
    from loyalty_cli.clock import Clock
    from loyalty_cli.storage.postgres.store import PostgresStore

    clock = Clock.system()
    store = (kept_store if kept else PostgresStore)(url, wait=60, clock=clock)
    rng = random.Random(number)
    plan = [
        (rng.choice(cards), Decimal(f"{rng.randint(1, 80)}.{rng.randint(0, 99):02d}"), f"{prefix}-{i}")
        for i in range(count)
    ]
    print("ready", flush=True)
    sys.stdin.readline()
    done, held = [], []
    started, cpu = time.time(), time.process_time()
    for card, amount, receipt in plan:
        with store.transaction() as shop:
            locked = time.perf_counter()  # the meta row is locked from here to the commit
            shop.programme()
            recorded = points.purchase(
                shop, card, amount, at=clock.now, operator=f"till{number}", receipt=receipt
            )
        held.append(time.perf_counter() - locked)
        done.append({"card": card, "receipt": receipt, "points": recorded.entry.points})
    finished, cpu = time.time(), time.process_time() - cpu
    print(json.dumps({"started": started, "finished": finished, "done": done, "held": held, "cpu": cpu}))


if __name__ == "__main__":
    till_main(
        sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "kept", sys.argv[6:]
    )
