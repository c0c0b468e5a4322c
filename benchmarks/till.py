"""The till's figures of `benchmarks/run.py --till`: an action in an open session against a
one-shot `loyalty purchase` process, on a copy of the reference shop.

One `loyalty till` process is started with its input and output piped (plain mode) and
kept open; a purchase is "typed" into it (`12.30 #T-n`, one line) and timed from the
write of the line until its answer line (the one naming the receipt) has been read.
Runs take turns with a one-shot `loyalty purchase CARD 12.30 --receipt ...` process on
the same shop (timed as a whole process, as the other figures are), so that each till
action follows a write by another process: the session reads again what changed, as it
would beside another till. A card scanned (its member shown) is timed the same way, and
purchases typed back to back with no pause at all.
The till's memory (VmRSS) before and after the runs tells whether actions leave
anything behind.
"""

from __future__ import annotations

import os
import queue
import statistics
import subprocess
import threading
import time
from pathlib import Path

NOW = "2026-11-15T12:00:00+00:00"
BUDGET = 1 / 3  # an action costs at most a third of a one-shot purchase


class Session:
    """A running `loyalty till`, its answers read line by line in the background."""

    def __init__(self, loyalty: str, shop: Path):
        env = {**os.environ, "LOYALTY_NOW": NOW, "LOYALTY_DATA_DIR": str(shop), "LOYALTY_WAIT": "60"}
        self.process = subprocess.Popen(
            [loyalty, "till"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def timed(self, line: str, answer: str) -> float:
        """Seconds from typing `line` until an answer line containing `answer` is read."""
        while not self.lines.empty():
            self.lines.get_nowait()
        started = time.perf_counter()
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        while answer not in self.lines.get(timeout=120):
            pass
        return time.perf_counter() - started

    def memory_kb(self) -> int:
        for row in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1])
        return 0

    def close(self) -> None:
        self.process.stdin.write("q\n")
        self.process.stdin.flush()
        self.process.wait(timeout=60)
        errors = self.process.stderr.read()
        if self.process.returncode != 0 or errors:
            raise SystemExit(f"loyalty till failed: {errors}")


def figures(bench, figure, copy_shop, runs: int) -> list:
    """The till's rows of the table (Figure objects, made by `figure`)."""
    bench.prepare()
    work = bench.cache / "work-till"
    copy_shop(bench.full_shop, work)
    card, run_id = bench.card, time.time_ns()
    session = Session(bench.loyalty, work)
    try:
        session.timed(card, card[:4])  # the start: imports, the first read
        session.timed(f"1.00 #W{run_id}", f"W{run_id}")
        memory_before = session.memory_kb()
        actions, scans, shots = [], [], []
        count = max(runs, 21)
        for i in range(count):
            shots.append(bench.loyalty_run(work, "purchase", card, "12.30", "--receipt", f"P{run_id}-{i}")[0])
            scans.append(session.timed(f"\n{card}", card[:4]))
            actions.append(session.timed(f"12.30 #T{run_id}-{i}", f"T{run_id}-{i}"))
        memory_between = session.memory_kb()
        # One after the other with no pause: the cycle collector runs before each line is
        # read (see commands/till.py), at a counter in the time the cashier types.
        rushed = [session.timed(f"12.30 #R{run_id}-{i}", f"R{run_id}-{i}") for i in range(count)]
        memory_after = session.memory_kb()
    finally:
        session.close()
    one_shot, action, scan, rush = (statistics.median(x) for x in (shots, actions, scans, rushed))
    ratio = action / one_shot
    return [
        figure("purchase, one-shot process, 36-month shop", one_shot * 1000, "ms", note=f"{count} runs"),
        figure(
            "till: a purchase typed into an open session, 36-month shop",
            action * 1000,
            "ms",
            "<= 1/3 of a one-shot purchase",
            ratio <= BUDGET,
            f"{ratio:.2f}x the one-shot purchase; the session's memory {memory_before / 1024:.0f} MB "
            f"after the first purchase, {memory_between / 1024:.0f} MB after {2 * count} more actions "
            f"and scans, {memory_after / 1024:.0f} MB after {3 * count}",
        ),
        figure(
            "till: purchases typed back to back, no pause",
            rush * 1000,
            "ms",
            note=f"{rush / one_shot:.2f}x; each waits for the collector's run after the one before",
        ),
        figure(
            "till: a card scanned (the member shown), after another process wrote",
            scan * 1000,
            "ms",
            note="reads the changed hot file again",
        ),
    ]
