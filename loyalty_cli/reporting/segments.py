"""RFM segmentation: who buys recently, often and for much, and who is slipping away.

Each member with a purchase gets three scores from 1 to 5, by quintile among those
members: R (recency: days since the last purchase, fewer is better), F (frequency:
number of purchases) and M (monetary: money spent, net of refunds). F and M are averaged
into FM (rounded up), and the pair (R, FM) names the segment; the first rule that matches
wins:

    champions        R 4-5  FM 4-5   bought lately, often and much
    loyal            R 3-5  FM 3-5   good customers (not champions)
    promising        R 4-5  FM 1-2   recent, but little so far (new customers too)
    needs attention  R 3    FM 1-2   average recency, little spend
    at risk          R 1-2  FM 3-5   were good customers, not seen for a while
    hibernating      R 2    FM 1-2   long ago, little
    lost             R 1    FM 1-2   the longest ago, little

Members without a purchase are "no purchases"; closed members are left out. Ties get the
same score (percentile rank at the middle of the tie), so when everybody bought exactly
once, everybody's F is 3.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loyalty_cli import card_moves, clock
from loyalty_cli.language import N_
from loyalty_cli.money import CENT
from loyalty_cli.storage.unit_of_work import Shop

SEGMENTS = (
    "champions",
    "loyal",
    "promising",
    "needs attention",
    "at risk",
    "hibernating",
    "lost",
    "no purchases",
)
NO_PURCHASES = "no purchases"
# The segments' names as a table for people shows them; JSON and CSV keep the keys above.
LABELS = {
    "champions": N_("champions"),
    "loyal": N_("loyal"),
    "promising": N_("promising"),
    "needs attention": N_("needs attention"),
    "at risk": N_("at risk"),
    "hibernating": N_("hibernating"),
    "lost": N_("lost"),
    "no purchases": N_("no purchases"),
}


@dataclass(frozen=True)
class MemberScore:
    """One member's RFM values, scores and segment (scores are None without purchases)."""

    card: str
    name: str | None
    phone: str | None
    email: str | None
    consent: bool
    last_purchase: date | None
    recency_days: int | None
    frequency: int
    monetary: Decimal
    r: int | None
    f: int | None
    m: int | None
    segment: str


def segment_of(r: int, f: int, m: int) -> str:
    """The named segment of the scores R, F and M (each 1-5)."""
    fm = (f + m + 1) // 2
    if r >= 4 and fm >= 4:
        return "champions"
    if r >= 3 and fm >= 3:
        return "loyal"
    if r >= 4:
        return "promising"
    if r == 3:
        return "needs attention"
    if fm >= 3:
        return "at risk"
    return "hibernating" if r == 2 else "lost"


def score(shop: Shop, as_of: date) -> list[MemberScore]:
    """Every member who is not closed, scored on their purchases up to the end of `as_of`."""
    tz = shop.programme().tz
    until = clock.iso(clock.end_of_day(as_of, tz))
    frequency: Counter[str] = Counter()
    monetary: dict[str, Decimal] = defaultdict(Decimal)
    last: dict[str, str] = {}
    moved = card_moves.moves(shop)  # a replaced or merged card's purchases count for its member
    for entry in shop.ledger.entries(until=until):
        card = card_moves.resolve(moved, entry.card)
        if entry.kind == "earn":
            frequency[card] += 1
            monetary[card] += Decimal(entry.amount or 0)
            if entry.at > last.get(card, ""):
                last[card] = entry.at
        elif entry.kind == "refund" and entry.amount is not None:
            monetary[card] -= Decimal(entry.amount)
    people = [m for m in shop.members.all() if m["status"] != "closed" and m["enrolled_at"] <= until]
    buyers = [m["card"] for m in people if frequency[m["card"]]]
    last_day = {card: clock.from_iso(last[card]).astimezone(tz).date() for card in buyers}
    recency = {card: (as_of - last_day[card]).days for card in buyers}
    r_scores = quintiles({card: -days for card, days in recency.items()})
    f_scores = quintiles({card: frequency[card] for card in buyers})
    m_scores = quintiles({card: monetary[card] for card in buyers})
    rows = []
    for member in people:
        card = member["card"]
        bought = card in r_scores
        rows.append(
            MemberScore(
                card=card,
                name=member.get("name"),
                phone=member.get("phone"),
                email=member.get("email"),
                consent=bool(member.get("consent")),
                last_purchase=last_day.get(card),
                recency_days=recency.get(card),
                frequency=frequency[card],
                monetary=monetary[card].quantize(CENT),
                r=r_scores.get(card),
                f=f_scores.get(card),
                m=m_scores.get(card),
                segment=segment_of(r_scores[card], f_scores[card], m_scores[card])
                if bought
                else NO_PURCHASES,
            )
        )
    return rows


def counts(rows: list[MemberScore]) -> dict[str, int]:
    """Members per segment, every segment named (zeros included), in SEGMENTS order."""
    found = Counter(row.segment for row in rows)
    return {name: found[name] for name in SEGMENTS}


def quintiles(values: dict[str, object]) -> dict[str, int]:
    """Scores 1-5 by quintile of each value among all values (higher value, higher score).

    The percentile rank of a value is (values below + half the values equal) / count, so
    equal values share a score.
    """
    ordered = sorted(values.values())
    n = len(ordered)
    below: dict[object, int] = {}
    equal: Counter = Counter(ordered)
    for index, value in enumerate(ordered):
        below.setdefault(value, index)
    return {key: min(5, 1 + (5 * (2 * below[v] + equal[v])) // (2 * n)) for key, v in values.items()}
