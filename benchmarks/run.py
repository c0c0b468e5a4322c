"""Time whole `loyalty` processes on the reference shop and write benchmarks/README.md.

    python benchmarks/run.py                 # the reference shop: 20,000 members, 36 months
    python benchmarks/run.py --members 2000  # a quicker, smaller run (README is not written)
    python benchmarks/run.py --database URL  # the PostgreSQL figures (postgres.py), only those
    python benchmarks/run.py --till          # the till's figures (till.py), only those
    python benchmarks/run.py --mail [--database URL]  # a mail campaign's figures (mail.py), only those

The reference shop is built once and cached in benchmarks/cache/ (delete it to rebuild).
Every figure is the median of --runs runs (default 5) of a fresh `loyalty` process; the
clock is fixed with LOYALTY_NOW so that every run sees the same shop.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = "2026-11-15T12:00:00+00:00"
NEXT_MONTH = "2026-12-01T06:00:00+00:00"
SETTINGS = {
    "name": "Reference shop",
    "tiers": "Bronze:0:1,Silver:500:1.25,Gold:1500:1.5",
    "redeem.value": "0.01",
}
sys.path.insert(0, str(HERE))
import generate  # noqa: E402


@dataclass
class Figure:
    """One line of the table."""

    name: str
    value: float | None
    unit: str
    budget: str = ""
    ok: bool | None = None
    note: str = ""

    def cells(self) -> list[str]:
        value = "not available" if self.value is None else f"{self.value:,.{0 if self.value >= 100 else 2}f}"
        verdict = {True: "met", False: "MISSED", None: ""}[self.ok]
        return [
            self.name,
            value,
            self.unit if self.value is not None else "",
            self.budget,
            verdict,
            self.note,
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=HERE / "cache")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="measure the PostgreSQL store in this database (see postgres.py) against the folder, "
        "and write only the PostgreSQL section of README.md",
    )
    parser.add_argument("--till-purchases", type=int, default=100, help="purchases per till (--database)")
    parser.add_argument(
        "--till",
        action="store_true",
        help="measure only an action of `loyalty till` against a one-shot purchase (till.py), "
        "and write only the till's section of README.md",
    )
    parser.add_argument(
        "--mail",
        action="store_true",
        help="measure only a whole `loyalty mail offer` campaign to a local mail server (mail.py), "
        "on the folder and, with --database, on PostgreSQL; write only the mail section of README.md",
    )
    parser.add_argument(
        "--mail-letters",
        type=int,
        nargs="+",
        default=[2000],
        metavar="N",
        help="letters in the campaign (--mail); several numbers: a campaign of each on the folder, "
        "the first on PostgreSQL",
    )
    args = parser.parse_args()
    if args.mail:
        run_mail(args)
        return
    if args.database:
        run_postgres(args)
        return
    if args.till:
        run_till(args)
        return
    bench = Bench(args.cache / f"m{args.members}-{args.months}", args.members, args.months, args.runs)
    figures = bench.run_all()
    table = render(figures)
    print(table)
    if args.members == 20_000 and args.months == 36:
        write_readme(table, bench)
        print(f"\nwrote {HERE / 'README.md'}")


class Bench:
    """The cached shops and the timed commands."""

    def __init__(self, cache: Path, members: int, months: int, runs: int):
        self.cache, self.members, self.months, self.runs = cache, members, months, runs
        self.loyalty = shutil.which("loyalty", path=str(Path(sys.executable).parent)) or "loyalty"
        self.work = cache / "work"
        self.rows = 0

    # -- building the shops -------------------------------------------------------------

    def prepare(self) -> None:
        data = self.cache / "data"
        if not (data / "purchases.csv").exists():
            print(f"generating {self.members} members over {self.months} months ...", file=sys.stderr)
            generate.generate(data, members=self.members, months=self.months, seed=2026)
        with open(data / "purchases.csv", encoding="utf-8") as handle:
            self.rows = sum(1 for _ in handle) - 1
        self.members_shop = self.cache / "members-only"
        if not (self.members_shop / "loyalty.json").exists():
            print("building the members-only shop ...", file=sys.stderr)
            self.init(self.members_shop)
            self.loyalty_run(self.members_shop, "import", "members", data / "members.csv")
        self.full_shop = self.cache / "full"
        self.open_lots_shop = self.cache / "open-lots"
        if not (self.full_shop / "loyalty.json").exists():
            print("building the reference shop (importing every purchase) ...", file=sys.stderr)
            copy_shop(self.members_shop, self.full_shop)
            self.loyalty_run(self.full_shop, "import", "purchases", data / "purchases.csv")
            if not (self.open_lots_shop / "loyalty.json").exists():
                copy_shop(self.full_shop, self.open_lots_shop)  # before expiry first runs
            self.loyalty_run(self.full_shop, "maintain")
        if not (self.open_lots_shop / "loyalty.json").exists():
            print("building the open-lots shop (every purchase, expiry never run) ...", file=sys.stderr)
            copy_shop(self.members_shop, self.open_lots_shop)
            self.loyalty_run(self.open_lots_shop, "import", "purchases", data / "purchases.csv")
        self.month_shop = self.cache / "one-month"
        if not (self.month_shop / "loyalty.json").exists():
            print("building the one-month shop ...", file=sys.stderr)
            last_month = data / "last-month.csv"
            with (
                open(data / "purchases.csv", encoding="utf-8") as source,
                open(last_month, "w", encoding="utf-8") as target,
            ):
                header = next(source)
                target.write(header)
                target.writelines(line for line in source if line.split(",")[3] >= "2026-10-15")
            copy_shop(self.members_shop, self.month_shop)
            self.loyalty_run(self.month_shop, "import", "purchases", last_month)
        for shop in (self.members_shop, self.full_shop, self.month_shop, self.open_lots_shop):
            # Shops cached by an older version are migrated to the current layout here, once,
            # rather than inside a timed run.
            self.loyalty_run(shop, "program", "show")
        self.card = self.busiest_card(data / "purchases.csv")

    def init(self, shop: Path) -> None:
        self.loyalty_run(shop, "init", "--name", SETTINGS["name"])
        for key, value in SETTINGS.items():
            self.loyalty_run(shop, "program", "set", key, value)

    @staticmethod
    def busiest_card(purchases: Path) -> str:
        counts: dict[str, int] = {}
        with open(purchases, encoding="utf-8") as handle:
            next(handle)
            for line in handle:
                card = line.split(",", 1)[0]
                counts[card] = counts.get(card, 0) + 1
        ranked = sorted(counts, key=counts.get, reverse=True)
        return ranked[len(ranked) // 20]  # a regular, but not the single busiest member

    # -- timing -------------------------------------------------------------------------

    def loyalty_run(self, shop: Path, *args, now: str = NOW) -> tuple[float, int]:
        """Run one loyalty process; returns (seconds, peak memory in KB)."""
        env = {**os.environ, "LOYALTY_NOW": now, "LOYALTY_DATA_DIR": str(shop), "LOYALTY_WAIT": "60"}
        started = time.perf_counter()
        process = subprocess.Popen(
            [self.loyalty, *map(str, args)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"loyalty {' '.join(map(str, args))} failed: {process.stderr.read().decode()}")
        process.stderr.close()
        return elapsed, usage.ru_maxrss

    def median(self, shop: Path, make_args, *, now: str = NOW, fresh: Path | None = None) -> float:
        """Median seconds of `runs` processes; `make_args(i)` gives run i's arguments.

        With `fresh`, every run gets its own copy of that shop (copying is not timed).
        """
        times = []
        for i in range(self.runs):
            target = shop
            if fresh is not None:
                target = self.work
                copy_shop(fresh, target)
            times.append(self.loyalty_run(target, *make_args(i), now=now)[0])
        return statistics.median(times)

    def has(self, *command: str) -> bool:
        done = subprocess.run([self.loyalty, *command, "--help"], capture_output=True)
        return done.returncode == 0

    def run_all(self) -> list[Figure]:
        self.prepare()
        figures = []
        version = statistics.median(
            self.loyalty_run(self.month_shop, "--version")[0] for _ in range(max(self.runs, 11))
        )
        figures.append(Figure("loyalty --version", version * 1000, "ms", "<= 60 ms", version <= 0.060))
        card = self.card
        for label, shop in (("1-month shop", self.month_shop), ("36-month shop", self.full_shop)):
            copy_shop(shop, self.work)
            run_id = f"{label[:2]}-{time.time_ns()}"
            for name, make in (
                ("purchase", lambda i, r=run_id: ("purchase", card, "12.30", "--receipt", f"B{r}-{i}")),
                ("redeem", lambda i: ("redeem", card, "1")),
                ("member show", lambda i: ("member", "show", card)),
            ):
                seconds = self.median(self.work, make)
                figures.append(Figure(f"{name}, {label}", seconds * 1000, "ms"))
        for name in ("purchase", "redeem", "member show"):
            small = next(f for f in figures if f.name == f"{name}, 1-month shop")
            large = next(f for f in figures if f.name == f"{name}, 36-month shop")
            ratio = large.value / small.value
            large.budget = "<= 150 ms, <= 1.3x 1-month"
            large.ok = large.value <= 150 and ratio <= 1.3
            large.note = f"{ratio:.2f}x the 1-month shop"
        figures.extend(self.open_lots_figures())
        figures.extend(self.language_figures())
        figures.extend(self.discount_figures())
        figures.append(self.import_figure())
        seconds = self.median(self.full_shop, lambda i: ("expire",), now=NEXT_MONTH, fresh=self.full_shop)
        figures.append(
            Figure("expire, one month (with the month's rollover)", seconds, "s", "<= 3 s", seconds <= 3)
        )
        if self.has("statement"):
            seconds = self.median(
                self.full_shop,
                lambda i: (
                    "statement",
                    card,
                    "--from",
                    "2025-11-01",
                    "--to",
                    "2026-10-31",
                    "--format",
                    "json",
                ),
            )
            figures.append(Figure("statement, 12 months", seconds * 1000, "ms", "<= 500 ms", seconds <= 0.5))
        else:
            figures.append(Figure("statement, 12 months", None, "", "<= 500 ms"))
        if self.has("statements"):
            out = self.cache / "statements"
            seconds = self.median(
                self.full_shop, lambda i: ("statements", "--month", "2026-10", "--output-dir", out / str(i))
            )
            shutil.rmtree(out, ignore_errors=True)
            figures.append(Figure("statements --month, all members", seconds, "s", "<= 30 s", seconds <= 30))
        else:
            figures.append(Figure("statements --month, all members", None, "", "<= 30 s"))
        if self.has("draw", "run"):
            copy_shop(self.full_shop, self.work)
            seed = "ab" * 32
            seconds = self.median(
                self.work,
                lambda i: (
                    "draw",
                    "run",
                    f"bench-{time.time_ns()}",
                    "--month",
                    "2026-10",
                    "--prize",
                    "Cake",
                    "--seed",
                    seed,
                ),
            )
            figures.append(Figure("draw run, one month", seconds * 1000, "ms"))
        else:
            figures.append(Figure("draw run, one month", None, ""))
        seconds = self.median(self.full_shop, lambda i: ("verify",))
        figures.append(Figure("verify", seconds, "s", "<= 30 s", seconds <= 30))
        shutil.rmtree(self.work, ignore_errors=True)
        return figures

    def open_lots_figures(self) -> list[Figure]:
        """The everyday commands on the open-lots shop (36 months, expiry never run, so a
        member holds up to 36 lots) against the 1-month shop, runs interleaved."""
        month, open_lots = self.work, self.cache / "work-open-lots"
        copy_shop(self.month_shop, month)
        copy_shop(self.open_lots_shop, open_lots)
        card, run_id, figures = self.card, time.time_ns(), []
        for _ in range(10):  # a shop in use keeps ten backups, and each write rotates one out
            for shop in (month, open_lots):
                self.loyalty_run(shop, "redeem", card, "1")
        for name, make in (
            ("purchase", lambda i, at: ("purchase", card, "12.30", "--receipt", f"O{run_id}-{at.name}-{i}")),
            ("redeem", lambda i, at: ("redeem", card, "1")),
            ("member show", lambda i, at: ("member", "show", card)),
        ):
            times: dict[Path, list[float]] = {month: [], open_lots: []}
            for i in range(max(self.runs, 11)):
                for shop in (month, open_lots):
                    times[shop].append(self.loyalty_run(shop, *make(i, shop))[0])
            small, large = statistics.median(times[month]), statistics.median(times[open_lots])
            ratio = large / small
            figures.append(
                Figure(
                    f"{name}, open-lots shop",
                    large * 1000,
                    "ms",
                    "<= 1.3x 1-month",
                    ratio <= 1.3,
                    f"1-month {small * 1000:.0f} ms; {ratio:.2f}x",
                )
            )
        shutil.rmtree(open_lots, ignore_errors=True)
        return figures

    def language_figures(self) -> list[Figure]:
        """The everyday commands in Latvian against English, runs interleaved on the 36-month shop."""
        if not self.has("--lang", "lv", "purchase"):
            return [Figure("everyday commands, --lang lv", None, "", "<= 1.1x English")]
        copy_shop(self.full_shop, self.work)
        card, run_id, figures = self.card, time.time_ns(), []
        for name, make in (
            ("purchase", lambda i, lang: ("purchase", card, "12.30", "--receipt", f"L{run_id}-{lang}-{i}")),
            ("redeem", lambda i, lang: ("redeem", card, "1")),
            ("member show", lambda i, lang: ("member", "show", card)),
            ("statement, 12 months, text", lambda i, lang: ("statement", card, "--from", "2025-11-01")),
        ):
            times: dict[str, list[float]] = {"en": [], "lv": []}
            for i in range(self.runs):
                for lang in ("en", "lv"):
                    times[lang].append(self.loyalty_run(self.work, "--lang", lang, *make(i, lang))[0])
            english, latvian = statistics.median(times["en"]), statistics.median(times["lv"])
            ratio = latvian / english
            figures.append(
                Figure(
                    f"{name}, --lang lv",
                    latvian * 1000,
                    "ms",
                    "<= 1.1x English",
                    ratio <= 1.1,
                    f"English {english * 1000:.0f} ms; {ratio:.2f}x",
                )
            )
        return figures

    def discount_figures(self) -> list[Figure]:
        """A purchase with a tier and threshold discount and a payment with points, against a
        plain one, runs interleaved on two copies of the 36-month shop."""
        if not self.has("quote"):
            return [Figure("purchase, discounts and --pay-points", None, "", "<= 1.1x plain purchase")]
        plain, discounted = self.work, self.cache / "work-discounts"
        copy_shop(self.full_shop, plain)
        copy_shop(self.full_shop, discounted)
        for key, value in (
            ("tiers", "Bronze:0:1:0,Silver:500:1.25:3,Gold:1500:1.5:5"),
            ("discount.threshold", "10"),
            ("discount.percent", "4"),
        ):
            self.loyalty_run(discounted, "program", "set", key, value)
        card, run_id = self.card, time.time_ns()
        times: dict[str, list[float]] = {"plain": [], "discounts": []}
        for i in range(max(self.runs, 11)):
            times["plain"].append(
                self.loyalty_run(plain, "purchase", card, "12.30", "--receipt", f"P{run_id}-{i}")[0]
            )
            times["discounts"].append(
                self.loyalty_run(
                    discounted, "purchase", card, "12.30", "--receipt", f"D{run_id}-{i}", "--pay-points", "10"
                )[0]
            )
        shutil.rmtree(discounted, ignore_errors=True)
        before, after = statistics.median(times["plain"]), statistics.median(times["discounts"])
        ratio = after / before
        return [
            Figure(
                "purchase, discounts and --pay-points, 36-month shop",
                after * 1000,
                "ms",
                "<= 1.1x plain purchase",
                ratio <= 1.1,
                f"plain {before * 1000:.0f} ms; {ratio:.2f}x",
            )
        ]

    def import_figure(self) -> Figure:
        rates, peaks = [], []
        for _ in range(self.runs):
            copy_shop(self.members_shop, self.work)
            seconds, peak = self.loyalty_run(
                self.work, "import", "purchases", self.cache / "data" / "purchases.csv"
            )
            rates.append(self.rows / seconds)
            peaks.append(peak)
        rate, peak_mb = statistics.median(rates), max(peaks) / 1024
        return Figure(
            f"import purchases, {self.rows:,} rows",
            rate,
            "rows/s",
            ">= 20,000 rows/s, <= 1.5 GB",
            rate >= 20_000 and peak_mb <= 1536,
            f"peak memory {peak_mb:,.0f} MB",
        )


def run_postgres(args) -> None:
    """The PostgreSQL figures: the cached reference shop is only read (copied into a scratch folder)."""
    import postgres

    cache = args.cache / f"m{args.members}-{args.months}"
    bench = Bench(cache, args.members, args.months, args.runs)
    if not (cache / "full" / "loyalty.json").exists():
        bench.prepare()
    card = Bench.busiest_card(cache / "data" / "purchases.csv")
    measured = postgres.PostgresBench(
        args.database, cache / "full", card, args.runs, args.till_purchases, Figure
    )
    figures = measured.run_all()
    table = render(figures)
    print(table)
    for line in measured.conditions:
        print(f"- {line}")
    if args.members == 20_000 and args.months == 36:
        block = "\n".join(
            [
                f"Measured on {time.strftime('%Y-%m-%d')}: {machine()}.",
                "",
                table,
                "",
                *(f"- {line}" for line in measured.conditions),
            ]
        )
        write_postgres_section(block)
        print(f"\nwrote the PostgreSQL section of {HERE / 'README.md'}")


def run_till(args) -> None:
    """The till's figures on a copy of the cached reference shop."""
    import till

    bench = Bench(args.cache / f"m{args.members}-{args.months}", args.members, args.months, args.runs)
    figures = till.figures(bench, Figure, copy_shop, args.runs)
    table = render(figures)
    print(table)
    if args.members == 20_000 and args.months == 36:
        block = f"Measured on {time.strftime('%Y-%m-%d')}: {machine()}.\n\n{table}"
        write_section(TILL_HEADING, "{{TILL}}", TILL_BEGIN, TILL_END, block)
        print(f"\nwrote the till's section of {HERE / 'README.md'}")


def run_mail(args) -> None:
    """A mail campaign's figures on a copy of the cached reference shop (and on PostgreSQL)."""
    import mail

    bench = Bench(args.cache / f"m{args.members}-{args.months}", args.members, args.months, args.runs)
    figures, conditions = mail.figures(
        bench, Figure, copy_shop, letters=args.mail_letters, runs=args.runs, database=args.database
    )
    table = render(figures)
    print(table)
    for line in conditions:
        print(f"- {line}")
    if args.members == 20_000 and args.months == 36:
        notes = "\n".join(f"- {line}" for line in conditions)
        block = f"Measured on {time.strftime('%Y-%m-%d')}: {machine()}.\n\n{table}\n\n{notes}"
        write_section(MAIL_HEADING, "{{MAIL}}", MAIL_BEGIN, MAIL_END, block)
        print(f"\nwrote the mail section of {HERE / 'README.md'}")


MAIL_BEGIN, MAIL_END = "<!-- mail figures -->", "<!-- /mail figures -->"
MAIL_HEADING = "## Mail campaigns"
TILL_BEGIN, TILL_END = "<!-- till figures -->", "<!-- /till figures -->"
TILL_HEADING = "## The till"
POSTGRES_BEGIN, POSTGRES_END = "<!-- postgres figures -->", "<!-- /postgres figures -->"
POSTGRES_HEADING = "## PostgreSQL"


def postgres_block(text: str) -> str:
    """The PostgreSQL figures between their markers in a README, or a note that there are none."""
    if POSTGRES_BEGIN in text and POSTGRES_END in text:
        return text.split(POSTGRES_BEGIN, 1)[1].split(POSTGRES_END, 1)[0].strip("\n")
    return "Not measured yet: `benchmarks/run.py --database URL`."


def write_postgres_section(block: str) -> None:
    """Replace README.md's PostgreSQL section by the template's, with these figures; the rest stays."""
    write_section(POSTGRES_HEADING, "{{POSTGRES}}", POSTGRES_BEGIN, POSTGRES_END, block)


def kept_block(text: str, begin: str, end: str) -> str:
    """The figures between `begin` and `end` in a README, or a note that there are none."""
    if begin in text and end in text:
        return text.split(begin, 1)[1].split(end, 1)[0].strip("\n")
    return "Not measured yet."


def write_section(heading: str, placeholder: str, begin: str, end: str, block: str) -> None:
    """Replace README.md's section `heading` by the template's, with these figures; the rest stays."""
    template = (HERE / "README.template.md").read_text(encoding="utf-8")
    section = _section(template, heading)
    section = section.replace(placeholder, f"{begin}\n{block}\n{end}")
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    old = _section(text, heading)
    text = text.replace(old, section) if old else text.rstrip("\n") + "\n\n" + section
    readme.write_text(text, encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """From `heading` to the next heading of its level (or the end), or "" when absent."""
    start = text.find(f"\n{heading}\n")
    if start < 0:
        return ""
    end = text.find("\n## ", start + len(heading) + 2)
    return text[start + 1 : end + 1] if end >= 0 else text[start + 1 :]


def copy_shop(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("backups", ".lock"))


def render(figures: list[Figure]) -> str:
    headers = ["what", "median", "unit", "budget", "", "note"]
    rows = [headers, ["---"] * len(headers), *(f.cells() for f in figures)]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def write_readme(table: str, bench: Bench) -> None:
    text = (HERE / "README.template.md").read_text(encoding="utf-8")
    text = text.replace("{{TABLE}}", table).replace("{{MACHINE}}", machine())
    text = text.replace("{{DATE}}", time.strftime("%Y-%m-%d")).replace("{{ROWS}}", f"{bench.rows:,}")
    readme = HERE / "README.md"
    kept = postgres_block(readme.read_text(encoding="utf-8")) if readme.exists() else postgres_block("")
    text = text.replace("{{POSTGRES}}", f"{POSTGRES_BEGIN}\n{kept}\n{POSTGRES_END}")
    kept = kept_block(readme.read_text(encoding="utf-8") if readme.exists() else "", TILL_BEGIN, TILL_END)
    text = text.replace("{{TILL}}", f"{TILL_BEGIN}\n{kept}\n{TILL_END}")
    kept = kept_block(readme.read_text(encoding="utf-8") if readme.exists() else "", MAIL_BEGIN, MAIL_END)
    text = text.replace("{{MAIL}}", f"{MAIL_BEGIN}\n{kept}\n{MAIL_END}")
    (HERE / "README.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
