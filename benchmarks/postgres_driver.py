"""Measure what choosing a PostgreSQL driver costs a loyalty command.

    python benchmarks/postgres_driver.py postgresql://postgres@127.0.0.1:55432/loyalty

For psycopg (3) and psycopg2: the import time in a fresh interpreter (`-X importtime`,
the median of several runs), the time to open a connection, and the latency of the
transaction every writer runs: lock the meta row with a lock_timeout, update one member
row, insert one ledger entry, update meta, commit. Uses its own scratch schema and drops it.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 15
TRANSACTIONS = 500
SCHEMA = "driver_bench"


def import_ms(module: str) -> float:
    """Median cumulative import time of `module` in a fresh interpreter, in ms."""
    times = []
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=True,
        )
        last = [line for line in done.stderr.splitlines() if line.rstrip().endswith(f"| {module}")][-1]
        times.append(int(last.split("|")[1]) / 1000)
    return statistics.median(times)


def setup(cur) -> None:
    cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    cur.execute(f"CREATE SCHEMA {SCHEMA}")
    cur.execute(f"SET search_path TO {SCHEMA}")
    cur.execute("CREATE TABLE meta (id int PRIMARY KEY, next_id bigint NOT NULL, last_hash text NOT NULL)")
    cur.execute("INSERT INTO meta VALUES (1, 1, 'genesis')")
    cur.execute("CREATE TABLE members (card text PRIMARY KEY, doc jsonb NOT NULL)")
    cur.execute(
        "INSERT INTO members SELECT 'C' || n, jsonb_build_object('card', 'C' || n, 'points', 0)"
        " FROM generate_series(1, 20000) n"
    )
    cur.execute("CREATE TABLE ledger (id bigint PRIMARY KEY, card text NOT NULL, doc jsonb NOT NULL)")
    cur.execute("CREATE INDEX ON ledger (card, id)")


def purchase(conn, n: int) -> None:
    with conn.cursor() as cur:
        cur.execute("SET LOCAL lock_timeout = '10s'")
        cur.execute("SELECT next_id, last_hash FROM meta WHERE id = 1 FOR UPDATE")
        next_id, _ = cur.fetchone()
        card = f"C{n % 20000 + 1}"
        cur.execute("SELECT doc FROM members WHERE card = %s", (card,))
        cur.fetchone()
        cur.execute(
            "UPDATE members SET doc = jsonb_set(doc, '{points}', to_jsonb((doc->>'points')::int + 12))"
            " WHERE card = %s",
            (card,),
        )
        cur.execute(
            "INSERT INTO ledger VALUES (%s, %s, %s::jsonb)",
            (next_id, card, '{"kind": "purchase", "points": 12}'),
        )
        cur.execute("UPDATE meta SET next_id = %s, last_hash = %s WHERE id = 1", (next_id + 1, f"h{next_id}"))
    conn.commit()


def measure(driver: str, url: str) -> dict:
    if driver == "psycopg":
        import psycopg as module

        connect = module.connect
    else:
        import psycopg2 as module

        connect = module.connect
    connects = []
    for _ in range(20):
        start = time.perf_counter()
        conn = connect(url)
        connects.append((time.perf_counter() - start) * 1000)
        conn.close()
    conn = connect(url)
    with conn.cursor() as cur:
        setup(cur)
    conn.commit()
    for n in range(50):  # warm up
        purchase(conn, n)
    latencies = []
    for n in range(TRANSACTIONS):
        start = time.perf_counter()
        purchase(conn, n)
        latencies.append((time.perf_counter() - start) * 1000)
    with conn.cursor() as cur:
        cur.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
    conn.commit()
    conn.close()
    latencies.sort()
    return {
        "connect_ms": statistics.median(connects),
        "purchase_median_ms": statistics.median(latencies),
        "purchase_p95_ms": latencies[int(len(latencies) * 0.95)],
    }


def main() -> None:
    url = sys.argv[1]
    for driver in ("psycopg", "psycopg2"):
        figures = {"import_ms": import_ms(driver), **measure(driver, url)}
        print(driver, " ".join(f"{k}={v:.2f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
