"""The NPS arithmetic: categories, exact percentages and score, and the rounding for display."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty_cli import clock
from loyalty_cli.errors import InvalidInput
from loyalty_cli.reporting import nps
from loyalty_cli.surveys import parse_score

scores = st.lists(st.integers(min_value=0, max_value=10), max_size=300)


@given(scores)
def test_the_score_is_the_promoters_share_less_the_detractors_share_within_bounds(answers):
    tally = nps.tally("all", answers)
    assert tally.promoters + tally.passives + tally.detractors == tally.count == len(answers)
    if not answers:
        assert tally.score is None and tally.percent("promoters") is None
        return
    assert tally.score == tally.percent("promoters") - tally.percent("detractors")
    assert -100 <= tally.score <= 100
    assert sum(tally.percent(name) for name in nps.CATEGORIES) == 100
    assert tally.promoters == sum(1 for s in answers if s >= 9)
    assert tally.detractors == sum(1 for s in answers if s <= 6)


@given(scores)
def test_the_shown_score_is_within_half_a_place_of_the_exact_one(answers):
    tally = nps.tally("all", answers)
    if tally.score is None:
        return
    rounded = nps.shown(tally.score)
    assert abs(Fraction(rounded) - tally.score) <= Fraction(1, 20)
    assert Decimal("-100.0") <= rounded <= Decimal("100.0")
    assert rounded.as_tuple().exponent == -1


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0, "detractors"),
        (6, "detractors"),
        (7, "passives"),
        (8, "passives"),
        (9, "promoters"),
        (10, "promoters"),
    ],
)
def test_each_score_counts_in_its_category(score, category):
    assert nps.category(score) == category


def test_a_worked_example_gives_the_textbook_score():
    # 10 answers: 5 promoters, 3 passives, 2 detractors -> 50% - 20% = 30
    tally = nps.tally("all", [10, 9, 9, 10, 9, 7, 8, 7, 3, 6])
    assert (tally.promoters, tally.passives, tally.detractors) == (5, 3, 2)
    assert tally.score == 30
    assert tally.to_json() == {
        "count": 10,
        "promoters": 5,
        "passives": 3,
        "detractors": 2,
        "promoters_pct": "50.0",
        "passives_pct": "30.0",
        "detractors_pct": "20.0",
        "score": "30.0",
    }


def test_thirds_are_rounded_only_for_display():
    tally = nps.tally("all", [10, 8, 0])
    assert tally.score == 0
    assert tally.percent("promoters") == Fraction(100, 3)
    assert tally.to_json()["promoters_pct"] == "33.3"


def test_the_score_is_rounded_from_the_exact_figure_not_from_the_rounded_shares():
    tally = nps.tally("all", [10, 0, 0])  # 33.3% promoters, 66.7% detractors
    assert tally.to_json()["promoters_pct"] == "33.3" and tally.to_json()["detractors_pct"] == "66.7"
    assert tally.to_json()["score"] == "-33.3"


@pytest.mark.parametrize(
    ("exact", "text"),
    [
        (Fraction(1, 20), "0.1"),  # 0.05: a half goes away from zero
        (Fraction(-1, 20), "-0.1"),
        (Fraction(-1, 30), "0.0"),
        (Fraction(200, 3), "66.7"),
        (Fraction(-200, 3), "-66.7"),
        (Fraction(100), "100.0"),
        (Fraction(-100), "-100.0"),
    ],
)
def test_figures_are_rounded_to_one_place_halves_away_from_zero(exact, text):
    assert str(nps.shown(exact)) == text


def test_an_empty_period_has_zero_counts_and_no_score():
    assert nps.tally("all", []).to_json() == {
        "count": 0,
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
        "promoters_pct": None,
        "passives_pct": None,
        "detractors_pct": None,
        "score": None,
    }


@pytest.mark.parametrize("text", ["0", "7", "10", " 9 ", "09"])
def test_whole_scores_from_0_to_10_are_read(text):
    assert parse_score(text) == int(text)


@pytest.mark.parametrize("text", ["11", "-1", "7.5", "7,0", "x", "", "1e1", "100", "+9", "٩"])
def test_other_scores_are_refused(text):
    with pytest.raises(InvalidInput, match="whole number from 0 to 10"):
        parse_score(text)


class AnswersOnly:
    """A shop holding survey answers and nothing else: what `report` reads for --by month and store."""

    def __init__(self, docs: list[dict]):
        self.answers = SimpleNamespace(all=lambda: iter(docs))

    def programme(self):
        return SimpleNamespace(tz=ZoneInfo("Europe/Riga"))


answer_docs = st.lists(
    st.builds(
        lambda minutes, score, store: {
            "at": clock.iso(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)),
            "card": "100000000009",
            "score": score,
            **({"store": store} if store else {}),
        },
        st.integers(min_value=0, max_value=60 * 24 * 330),
        st.integers(min_value=0, max_value=10),
        st.sampled_from([None, "Centrs", "Agenskalns"]),
    ),
    max_size=200,
)


@given(answer_docs, st.sampled_from(["month", "store"]), st.dates(date(2026, 1, 1), date(2026, 11, 30)))
def test_the_groups_add_up_to_the_total_and_the_total_to_the_answers_of_the_period(docs, by, first):
    shop = AnswersOnly(sorted(docs, key=lambda doc: doc["at"]))
    last = date(2026, 11, 30)
    result = nps.report(shop, first, last, by)
    since = clock.iso(clock.start_of_day(first, ZoneInfo("Europe/Riga")))
    assert result.total == nps.tally("total", [doc["score"] for doc in docs if doc["at"] >= since])
    for name in nps.CATEGORIES:
        assert sum(getattr(row, name) for row in result.rows) == getattr(result.total, name)
    assert len({row.key for row in result.rows}) == len(result.rows)
    if by == "month" and result.total.count:
        assert result.rows[0].key == f"{first:%Y-%m}" and result.rows[-1].key == "2026-11"
