"""Write the reference shop as CSV files: members.csv and purchases.csv.

Deterministic for a given --seed: the same arguments always write the same bytes. At the
defaults (20,000 members, 36 months) it writes about 600,000 purchases of a grocery shop:
a few members buy several times a week, most a few times a month, many rarely; amounts
follow a long-tailed (log-normal) distribution around 20 EUR; people join over the whole
period, more in the early months.

run.py builds its shops from these two files: the reference shop (every purchase, then
`maintain`, so lots older than the expiry period are gone), the 1-month shop (the last
month's purchases) and the open-lots shop (every purchase, expiry never run: a member
keeps a lot for each month they bought in, up to 36).

    python benchmarks/generate.py --out benchmarks/cache/reference
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

FIRST = tuple(
    [
        "Anna",
        "Jānis",
        "Līga",
        "Andris",
        "Ilze",
        "Pēteris",
        "Kristīne",
        "Edgars",
        "Inese",
        "Raivis",
        "Olga",
        "Dmitrijs",
        "Laura",
        "Kārlis",
    ]
)
LAST = tuple(
    [
        "Bērziņa",
        "Kalniņš",
        "Ozola",
        "Liepiņš",
        "Krūmiņa",
        "Balodis",
        "Vītola",
        "Zariņš",
        "Jansone",
        "Eglītis",
        "Petrova",
        "Lācis",
    ]
)
END = datetime(2026, 11, 15, 12, 0, tzinfo=timezone.utc)
PURCHASES_PER_MEMBER_MONTH = 1.25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/cache/reference"))
    args = parser.parse_args()
    counts = generate(args.out, members=args.members, months=args.months, seed=args.seed)
    print(f"wrote {counts[0]} members and {counts[1]} purchases to {args.out}")


def generate(out: Path, *, members: int, months: int, seed: int) -> tuple[int, int]:
    """Write members.csv and purchases.csv into `out`; returns their row counts."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    start = END - timedelta(days=round(months * 30.44))
    people = list(_members(rng, members, start))
    with open(out / "members.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["name", "phone", "email", "birthday", "card", "enrolled_at"])
        for person in people:
            writer.writerow(
                [person[k] for k in ("name", "phone", "email", "birthday", "card")]
                + [person["enrolled"].isoformat()]
            )
    rows = []
    for person in people:
        active_days = (END - person["enrolled"]).total_seconds() / 86400
        rate = person["appetite"] * PURCHASES_PER_MEMBER_MONTH / 30.44
        count = _poisson(rng, rate * active_days)
        for _ in range(count):
            moment = person["enrolled"] + timedelta(seconds=rng.random() * active_days * 86400)
            moment = moment.replace(hour=rng.randint(6, 17), microsecond=0)  # UTC opening hours
            moment = max(moment, person["enrolled"])  # never before the member enrolled
            if moment >= END:
                moment = END - timedelta(hours=1)
            amount = min(max(math.exp(rng.gauss(2.7, 0.75)), 0.5), 400.0)
            rows.append((moment, person["card"], f"{amount:.2f}"))
    rows.sort()
    with open(out / "purchases.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["card", "amount", "receipt", "at", "store"])
        for number, (moment, card, amount) in enumerate(rows, start=1):
            store = "Centrs" if number % 4 else "Āgenskalns"
            writer.writerow([card, amount, f"T{number:08d}", moment.isoformat(), store])
    return len(people), len(rows)


def _members(rng: random.Random, count: int, start: datetime):
    phones = rng.sample(range(1_000_000), count)
    span = (END - start).total_seconds()
    for index in range(count):
        body = f"27{index:09d}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        yield {
            "name": f"{first} {last}",
            "phone": f"29{phones[index]:06d}" if rng.random() < 0.9 else "",
            "email": f"member{index}@example.lv" if rng.random() < 0.7 else "",
            "birthday": f"{rng.randint(1945, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "card": body + _luhn(body),
            # Early joiners are more numerous: the programme launched with a campaign.
            "enrolled": (start + timedelta(seconds=span * rng.random() ** 1.6)).replace(microsecond=0),
            # Purchase frequency is long-tailed: a few regulars, many occasional buyers.
            "appetite": min(rng.paretovariate(1.6) * 0.45, 12.0),
        }


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def _luhn(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


if __name__ == "__main__":
    main()
