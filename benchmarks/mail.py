"""The mail campaign figures of `benchmarks/run.py --mail`: one whole `loyalty mail offer`
campaign on a copy of the reference shop, to a mail server on this machine.

On a copy of the cached reference shop, the first LETTERS members of the Bronze tier (by
card) are given consent and an e-mail address in one transaction of the store's own API
(the other members of the tier are the campaign's "no consent" skips). A local SMTP server
(aiosmtpd, in a process of its own, on a free loopback port) accepts every message and
throws it away; `mail.server` and `mail.from` point at it. Then one `loyalty mail offer
--tier Bronze` campaign (no bonus points: each letter is two outbox-only transactions,
the claim and, after the send, the record) runs as one whole process, and each of its
"sent" lines is timestamped as it is read (the process writes unbuffered). Measured:

- the whole campaign (start-up, composing every letter from one reading of the shop, the
  letters) and letters per second over it;
- the time before the first letter went (start-up and composing);
- the per-letter time, the interval between two "sent" lines, of the first 10 % of the
  letters against the last 10 % (medians): the outbox is looked up before every letter,
  so a lookup that grew with the campaign would show as a larger last 10 %; and the CPU
  time the process used per letter over each tenth (from /proc, less moved by what else
  runs on the machine than the wall-clock time);
- the campaign run again once it is finished: nothing to send (every letter "already
  sent"), the median of --runs processes.

With a database URL, the same on PostgreSQL: the prepared folder copy is moved with
`loyalty migrate --to URL --yes` into a schema of its own, `bench_mail` (made afresh on
each run; not timed), and the campaign runs there.

    python benchmarks/mail.py --serve    # the SMTP server alone: prints its port, stops at EOF
"""

from __future__ import annotations

import itertools
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

NOW = "2026-11-15T12:00:00+00:00"
TIER = "Bronze"
SCHEMA = "bench_mail"
TEMPLATE = """Subject: Something for you, {first_name}

Dear {name},

your card {card} holds {balance}. Come and see what is new at {shop}.
"""


def figures(bench, figure, copy_shop, *, letters: list[int], runs: int, database: str | None):
    """The mail rows of the table (Figure objects, made by `figure`) and notes on the conditions:
    a campaign of each number of `letters` on the folder; on PostgreSQL (given `database`) the
    first number's."""
    bench.prepare()
    work = bench.cache / "work-mail"
    template = bench.cache / "work-mail-template" / "bench.txt"
    template.parent.mkdir(exist_ok=True)
    template.write_text(TEMPLATE, encoding="utf-8")
    load = os.getloadavg()[0]
    rows, given = [], []
    server = Server()
    try:
        for number, count in enumerate(letters):
            copy_shop(bench.full_shop, work)
            given.append(give_consent(work, count))
            bench.loyalty_run(work, "program", "set", "mail.server", f"smtp://127.0.0.1:{server.port}")
            bench.loyalty_run(work, "program", "set", "mail.from", "Reference shop <shop@example.lv>")
            url = None
            if database and number == 0:
                url = with_schema(database, SCHEMA)
                migrate(bench, work, database, url)  # before the folder's campaign fills its outbox
            rows += store_figures(bench, figure, "folder", work, None, template, given[-1], runs)
            if url is not None:
                rows += store_figures(bench, figure, "PostgreSQL", work, url, template, given[-1], runs)
            for row in rows:  # so far, in case a later campaign does not finish
                print(" | ".join(row.cells()), file=sys.stderr, flush=True)
    finally:
        received = server.stop()
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(template.parent, ignore_errors=True)
    conditions = [
        f"the first {' and '.join(f'{g:,}' for g in given)} members of the tier (by card) have consent "
        f"and an e-mail; each campaign skips the tier's others ({bench.members:,} members in the shop)",
        f"the SMTP server took {received:,} messages in all (aiosmtpd on 127.0.0.1, no TLS, "
        "each message accepted and discarded)",
        f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, on the 2 cores",
    ]
    return rows, conditions


def migrate(bench, shop: Path, database: str, url: str) -> None:
    """The prepared folder shop moved into the schema of its own, made afresh (not timed)."""
    fresh_schema(database)
    migrated = subprocess.run(
        [bench.loyalty, "migrate", "--to", url, "--yes"],
        env=environment(shop, None),
        capture_output=True,
        text=True,
    )
    if migrated.returncode != 0:
        raise SystemExit(f"loyalty migrate failed: {migrated.stderr.strip()}")


def give_consent(shop: Path, count: int) -> int:
    """Consent and an e-mail for the first `count` active members of the tier, by card, in one
    transaction; returns how many there were."""
    from loyalty_cli import members
    from loyalty_cli.clock import UTC, Clock, parse_datetime
    from loyalty_cli.storage.folder.store import Store

    clock = Clock(parse_datetime(NOW, UTC))
    store = Store(shop, 60, clock)
    with store.transaction() as writable:
        cards = sorted(
            m["card"] for m in writable.members.all() if m.get("tier") == TIER and m.get("status") == "active"
        )[:count]
        for card in cards:
            member = writable.members.require(card)
            changes = {"consent": True, "email": f"m{card}@example.lv"}
            members.edit(writable, member, changes, clock.now.date())
    return len(cards)


def environment(shop: Path, url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("LOYALTY_DATABASE_URL", "LOYALTY_DATA_DIR")}
    env.update(LOYALTY_NOW=NOW, LOYALTY_WAIT="60", LOYALTY_OPERATOR="bench", PYTHONUNBUFFERED="1")
    if url is None:
        env["LOYALTY_DATA_DIR"] = str(shop)
    else:
        env["LOYALTY_DATABASE_URL"] = url
    return env


def campaign(bench, shop: Path, url: str | None, template: Path) -> tuple[float, list[tuple[float, float]]]:
    """One `mail offer` process: its whole time, and for each "sent" line when it was read
    (seconds from the start) and the CPU time the process had used by then (seconds)."""
    command = [bench.loyalty, "mail", "offer", "--tier", TIER, "--template", str(template)]
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--campaign", "bench"],
        env=environment(shop, url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stamps = []
    for line in process.stdout:
        if line.startswith("sent "):
            stamps.append((time.perf_counter() - started, cpu_seconds(process.pid)))
    errors = process.stderr.read()
    process.wait()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"loyalty mail offer failed ({process.returncode}): {errors.strip()}")
    return elapsed, stamps


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a running process has used (Linux: /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def store_figures(
    bench, figure, store: str, shop: Path, url: str | None, template: Path, given: int, runs: int
):
    elapsed, stamps = campaign(bench, shop, url, template)
    if len(stamps) != given:
        raise SystemExit(f"the campaign sent {len(stamps)} letters, not {given}")
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(stamps)]
    tenth = max(len(gaps) // 10, 1)
    first, last = statistics.median(gaps[:tenth]), statistics.median(gaps[-tenth:])
    # CPU per letter over each tenth (the clock ticks are too coarse for one letter alone)
    cpu_first = (stamps[tenth][1] - stamps[0][1]) / tenth
    cpu_last = (stamps[-1][1] - stamps[-1 - tenth][1]) / tenth
    again = []
    for _ in range(runs):
        seconds, sent = campaign(bench, shop, url, template)
        if sent:
            raise SystemExit(f"the finished campaign sent {len(sent)} letters again")
        again.append(seconds)
    return [
        figure(
            f"mail offer, {given:,} letters, whole campaign, {store}",
            elapsed,
            "s",
            note=f"{given / elapsed:.1f} letters/s overall; one run",
        ),
        figure(
            f"mail offer, before the first letter, {store}",
            stamps[0][0] * 1000,
            "ms",
            note="start-up, one reading of the shop, every letter composed, the connection, the first letter",
        ),
        figure(
            f"mail offer, a letter in the first 10 %, {store}",
            first * 1000,
            "ms",
            note=f"{tenth} letters; CPU {cpu_first * 1000:.1f} ms a letter",
        ),
        figure(
            f"mail offer, a letter in the last 10 %, {store}",
            last * 1000,
            "ms",
            note=f"{last / first:.2f}x the first 10 %; CPU {cpu_last * 1000:.1f} ms a letter, "
            f"{cpu_last / cpu_first:.2f}x",
        ),
        figure(
            f"mail offer run again, nothing to send, {store}",
            statistics.median(again) * 1000,
            "ms",
            note=f"{runs} runs; every letter already sent",
        ),
    ]


def with_schema(url: str, schema: str) -> str:
    from postgres import with_schema as schema_url

    return schema_url(url, schema)


def fresh_schema(url: str) -> None:
    from loyalty_cli.storage.postgres.store import PostgresStore

    conn = PostgresStore(url).connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE; CREATE SCHEMA "{SCHEMA}"')
        conn.commit()
    finally:
        conn.close()


class Server:
    """The SMTP server in a process of its own (this file with --serve)."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.port = int(self.process.stdout.readline())

    def stop(self) -> int:
        """Stop it; how many messages it took."""
        self.process.stdin.close()
        count = int(self.process.stdout.readline() or 0)
        self.process.wait(timeout=30)
        return count


def serve() -> None:
    """Accept every message and discard it; print the port, and at EOF on stdin the count."""
    import socket

    from aiosmtpd.controller import Controller

    class Discard:
        taken = 0

        async def handle_DATA(self, server, session, envelope):
            Discard.taken += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    sys.stdin.read()
    controller.stop()
    print(Discard.taken, flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
