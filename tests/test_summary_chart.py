"""`report summary --chart`: the last twelve months as bars, on a terminal and piped."""

from __future__ import annotations

import pytest
from loyalty_cli.commands import summary_chart

from loyalty_cli.cli import cli
from loyalty_cli.reporting.reports import MonthFlow


@pytest.fixture
def shop(loyalty):
    """Points issued in August, September and October, redeemed in October, expired on
    1 October (August's, with expiry.months 1), and four purchases."""
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna Bērziņa", "--at", "2025-01-01")
    loyalty("purchase", card, "40", "--at", "2026-08-10T12:00")
    loyalty("purchase", card, "100", "--at", "2026-09-10T12:00")
    loyalty("purchase", card, "30", "--at", "2026-10-05T12:00")
    loyalty("purchase", card, "20", "--at", "2026-10-06T12:00")
    loyalty("expire", "--as-of", "2026-10-01", now="2026-10-01T08:00:00+00:00")
    loyalty("redeem", card, "25", "--at", "2026-10-20T12:00")
    return loyalty


def chart(loyalty, columns: int, *args: str, **env) -> list[str]:
    result = loyalty.runner.invoke(
        cli,
        [*loyalty.where(), *args, "report", "summary", "--chart"],
        env={"LOYALTY_NOW": loyalty.now, "COLUMNS": str(columns), **env},
    )
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_the_summary_json_has_each_months_expired_points_and_purchases(shop):
    monthly = {m["month"]: m for m in shop.json("report", "summary")["monthly"]}
    assert monthly["2026-08"] == {
        "month": "2026-08",
        "issued": 40,
        "redeemed": 0,
        "expired": 0,
        "purchases": 1,
    }
    assert monthly["2026-10"] == {
        "month": "2026-10",
        "issued": 50,
        "redeemed": 25,
        "expired": 40,
        "purchases": 2,
    }


def test_a_piped_chart_is_plain_bars_of_hashes_scaled_to_the_largest_month(shop):
    lines = chart(shop, 60)
    assert lines[0] == "Points per month, and purchases"
    points = [line.split() for line in lines if line.startswith("2026-")][:11]  # the first table
    purchases = [line.split() for line in lines if line.startswith("2026-")][11:]
    september = next(words for words in points if words[0] == "2026-09")
    october = next(words for words in points if words[0] == "2026-10")
    full = len(september[2])  # 100 points, the largest value, fills the column
    assert september[1:] == ["100", "#" * full, "0", "0"]
    assert october[1:] == [
        "50",
        "#" * round(full / 2),
        "25",
        "#" * round(full / 4),
        "40",
        "#" * round(full * 0.4),
    ]
    assert next(words for words in purchases if words[0] == "2026-10")[1] == "2"
    assert "\x1b" not in "".join(lines) and "█" not in "".join(lines)


@pytest.mark.parametrize("columns", [60, 80, 160])
def test_the_chart_fits_the_width_it_is_given(shop, columns):
    lines = chart(shop, columns)
    assert max(len(line) for line in lines) <= columns
    assert max(len(line) for line in lines) >= columns - 12  # and uses it
    months = [line for line in lines if line[:4] in ("2025", "2026")]
    assert len(months) == (12 if columns >= 100 else 24)  # side by side, or one table below the other


def test_a_wide_chart_shows_the_four_series_side_by_side(shop):
    lines = chart(shop, 160)
    assert lines[2].split() == ["Issued", "Redeemed", "Expired", "Purchases"]
    october = next(line for line in lines if line.startswith("2026-10"))
    assert [word for word in october.split() if not word.startswith("#")] == [
        "2026-10",
        "50",
        "25",
        "40",
        "2",
    ]


def test_on_a_terminal_the_bars_are_coloured_blocks(shop):
    lines = chart(shop, 80, TTY_COMPATIBLE="1", FORCE_COLOR="1", COLUMNS="80")
    text = "\n".join(lines)
    assert "█" in text and "\x1b[" in text and "#" not in text


def test_no_color_leaves_the_blocks_without_colour(shop):
    lines = chart(shop, 80, TTY_COMPATIBLE="1", NO_COLOR="1")
    text = "\n".join(lines)
    assert "█" in text and "\x1b[3" not in text


def test_the_chart_speaks_the_operators_language(shop):
    lines = chart(shop, 160, "--lang", "lv")
    assert lines[0] == "Punkti pa mēnešiem un pirkumi"
    assert lines[2].split() == ["Piešķirti", "Izmantoti", "Zaudējuši", "derīgumu", "Pirkumi"]


def test_chart_and_json_together_are_a_usage_error(loyalty):
    result = loyalty("report", "summary", "--chart", "--json", expect=2)
    assert "--chart draws for people" in result.stderr


def test_an_empty_year_draws_no_bars():
    flows = [MonthFlow(f"2026-{m:02d}", 0, 0) for m in range(1, 13)]
    lines = summary_chart.lines(flows, 80)
    assert not any("#" in line for line in lines)
    months = [line.split() for line in lines if line.startswith("2026-")]
    assert len(months) == 24 and all(set(words[1:]) == {"0"} for words in months)


def test_a_small_value_still_gets_a_mark():
    flows = [MonthFlow("2026-10", 10_000, 0), MonthFlow("2026-11", 1, 0)]
    lines = summary_chart.lines(flows, 60)
    assert next(line for line in lines if line.startswith("2026-11")).split()[1:3] == ["1", "#"]


def test_in_cashback_mode_the_chart_shows_money(loyalty):
    loyalty("program", "set", "earn.mode", "cashback")
    loyalty("program", "set", "earn.cashback_percent", "3")
    anna = loyalty.enroll("Anna", "--at", "2026-09-01")
    loyalty("purchase", anna, "100", "--at", "2026-10-01T10:00")
    loyalty("purchase", anna, "50", "--pay-points", "100", "--receipt", "R2")
    lines = chart(loyalty, 160)
    assert lines[0] == "Cashback per month, and purchases"
    figures = {
        line[:7]: [word for word in line.split()[1:] if not word.startswith("#")]
        for line in lines
        if line.startswith("2026-1")
    }
    assert figures == {
        "2026-10": ["€3.00", "€0.00", "€0.00", "1"],
        "2026-11": ["€1.47", "€1.00", "€0.00", "1"],
    }
