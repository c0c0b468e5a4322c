"""Net promoter score: of the members who answered, the promoters less the detractors.

Answers of 9 or 10 are promoters, 7 or 8 passives, 0 to 6 detractors. The score is the
percentage of promoters less the percentage of detractors, from -100 (every one a
detractor) to +100 (every one a promoter). Every figure is an exact fraction; it is
rounded only where it is shown, to one decimal place, halves away from zero (`shown`), so
a shown score may differ by 0.1 from the shown percentages' difference.

Answers are grouped by the month they were given (shop time), by the member's RFM segment
as of the period's last day (reporting/segments.py; a closed or erased member has none) or
by the store that recorded them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from loyalty_cli import card_moves, clock
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import N_, _
from loyalty_cli.reporting import activity
from loyalty_cli.storage.unit_of_work import Shop

GROUPINGS = ("month", "segment", "store")
CATEGORIES = ("promoters", "passives", "detractors")
# The keys of the rows of answers without a store, or of members without a segment: stored
# in JSON and CSV as they are, translated where a table for people shows them.
NO_STORE = activity.NO_STORE
NO_SEGMENT = N_("(closed)")
PLACES = 1


def category(score: int) -> str:
    """Which of promoters (9-10), passives (7-8) and detractors (0-6) a score counts in."""
    if score >= 9:
        return "promoters"
    return "passives" if score >= 7 else "detractors"


@dataclass(frozen=True)
class Tally:
    """The answers of one group (or of the whole period), counted by category."""

    key: str
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def count(self) -> int:
        """Every answer of the group."""
        return self.promoters + self.passives + self.detractors

    def percent(self, name: str) -> Fraction | None:
        """The exact percentage of the answers in a category; None without answers."""
        return Fraction(100 * getattr(self, name), self.count) if self.count else None

    @property
    def score(self) -> Fraction | None:
        """The net promoter score: % promoters - % detractors, exact; None without answers."""
        if not self.count:
            return None
        return Fraction(100 * (self.promoters - self.detractors), self.count)

    def to_json(self) -> dict:
        """Counts as numbers, the percentages and the score as decimal strings (one place)."""
        return {
            "count": self.count,
            **{name: getattr(self, name) for name in CATEGORIES},
            **{f"{name}_pct": _text(self.percent(name)) for name in CATEGORIES},
            "score": _text(self.score),
        }


def tally(key: str, scores: Iterable[int]) -> Tally:
    """The tally of these scores under `key`."""
    counts = dict.fromkeys(CATEGORIES, 0)
    for score in scores:
        counts[category(score)] += 1
    return Tally(key, **counts)


def shown(value: Fraction | None, places: int = PLACES) -> Decimal | None:
    """An exact figure rounded for people and scripts: `places` decimals, halves away from zero."""
    if value is None:
        return None
    scaled = abs(value) * 10**places
    whole = int(scaled + Fraction(1, 2))  # floor of a positive number: halves go up
    digits = Decimal(whole).scaleb(-places)
    return -digits if value < 0 else digits


def _text(value: Fraction | None) -> str | None:
    rounded = shown(value)
    return None if rounded is None else str(rounded)


@dataclass(frozen=True)
class Report:
    """The answers from `first` (None: the first answer ever) to `last`, shop-local days."""

    first: date | None
    last: date
    by: str | None
    rows: tuple[Tally, ...]
    total: Tally


def report(shop: Shop, first: date | None, last: date, by: str | None = None) -> Report:
    """The NPS of the answers given from `first` to `last` (both included), grouped `by`."""
    answers = given(shop, first, last)
    total = tally("total", (doc["score"] for doc in answers))
    if by is None:
        return Report(first, last, by, (), total)
    key_of = _keys(shop, by, last)
    groups: dict[str, list[int]] = defaultdict(list)
    for doc in answers:
        groups[key_of(doc)].append(doc["score"])
    if by == "month":
        keys = _months(first, last, groups)
    elif by == "segment":
        from loyalty_cli.reporting import segments

        keys = [name for name in (*segments.SEGMENTS, NO_SEGMENT) if name in groups]
    else:
        keys = sorted(k for k in groups if k != NO_STORE) + ([NO_STORE] if NO_STORE in groups else [])
    return Report(first, last, by, tuple(tally(key, groups.get(key, ())) for key in keys), total)


def given(shop: Shop, first: date | None, last: date) -> list[dict]:
    """The answers given from `first` (None: the first ever) to `last`, shop-local days, oldest first."""
    if first is not None and first > last:
        raise InvalidInput(
            _("the period starts ({first}) after it ends ({last})").format(
                first=first.isoformat(), last=last.isoformat()
            )
        )
    tz = shop.programme().tz
    since = clock.iso(clock.start_of_day(first, tz)) if first else ""
    until = clock.iso(clock.end_of_day(last, tz))
    # The store keeps answers in the order they were recorded, not given: one recorded with
    # --at, or a survey imported late, comes after answers given since. Stable: answers of
    # the same moment stay in the order they were recorded.
    found = [doc for doc in shop.answers.all() if since <= doc["at"] <= until]
    return sorted(found, key=lambda doc: doc["at"])


def comments(shop: Shop, first: date | None, last: date) -> list[dict]:
    """The answers of the period that came with a comment, oldest first (an erasure removes a
    member's comments, so theirs are not among them)."""
    return [doc for doc in given(shop, first, last) if doc.get("comment")]


def _keys(shop: Shop, by: str, last: date):
    """The function giving an answer's group."""
    if by == "month":
        tz = shop.programme().tz
        return lambda doc: clock.month_of(clock.from_iso(doc["at"]), tz)
    if by == "store":
        return lambda doc: doc.get("store") or NO_STORE
    if by == "segment":
        from loyalty_cli.reporting import segments

        segment = {row.card: row.segment for row in segments.score(shop, last)}
        moved = card_moves.moves(shop)  # an answer on a replaced card counts for its member
        return lambda doc: segment.get(card_moves.resolve(moved, doc["card"]), NO_SEGMENT)
    raise InvalidInput(_("--by must be one of: {choices}").format(choices=", ".join(GROUPINGS)))


def _months(first: date | None, last: date, groups: dict) -> list[str]:
    """Every month from the period's first (or the first answer's) to its last, empty ones too."""
    if not groups:
        return []
    start = f"{first.year:04d}-{first.month:02d}" if first else min(groups)
    end = f"{last.year:04d}-{last.month:02d}"
    months = []
    month = start
    while month <= end:
        months.append(month)
        month = clock.add_months(month, 1)
    return months
