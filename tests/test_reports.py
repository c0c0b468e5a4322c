"""`report summary|tiers|segments|expiring`."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from conftest import write_entry

from loyalty_cli.reporting import segments
from loyalty_cli.reporting.reports import MonthFlow

SUMMARY_KEYS = {
    "members",
    "active_members",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_outstanding",
    "liability",
}


def test_summary_outstanding_is_the_sum_of_balances_and_liability_its_value(sample):
    sample("program", "set", "redeem.value", "0.0137")
    summary = sample.json("report", "summary")
    assert set(summary) >= SUMMARY_KEYS
    balances = sum(m["balance"] for m in sample.json("member", "list"))
    assert balances > 0
    assert summary["points_outstanding"] == balances
    assert summary["liability"] == str((balances * Decimal("0.0137")).quantize(Decimal("0.01")))


def test_summary_totals_reconcile_with_the_outstanding_points(sample):
    s = sample.json("report", "summary")
    taken = s["points_redeemed"] + s["points_expired"] + s["points_refunded"] + s["points_removed"]
    assert s["points_issued"] - taken == s["points_outstanding"]


def test_summary_counts_points_by_kind(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "100", "--at", "2025-01-10")
    write_entry(
        loyalty,
        card,
        "2025-02-01T10:00:00",
        kind="bonus",
        points=20,
        lots={"2026-02": 20},
        reason="birthday 2025",
    )
    loyalty("adjust", card, "-5", "--reason", "duplicate", "--at", "2025-03-01")
    loyalty("redeem", card, "30", "--at", "2025-04-01")
    write_entry(
        loyalty,
        card,
        "2026-02-01T10:00:00",
        kind="expire",
        points=-65,
        lots={"2026-01": -65},
        reason="points of 2026-01 expired",
    )
    s = loyalty.json("report", "summary")
    assert {k: s[k] for k in SUMMARY_KEYS} == {
        "members": 1,
        "active_members": 0,
        "points_issued": 120,
        "points_redeemed": 30,
        "points_expired": 65,
        "points_outstanding": 20,
        "liability": "0.20",
    }
    assert (s["points_removed"], s["redemption_rate"]) == (5, 0.25)


def test_summary_active_members_bought_in_the_last_90_days(loyalty):
    recent, lapsed = (
        loyalty.enroll("Anna", "--at", "2026-01-01"),
        loyalty.enroll("Berta", "--at", "2026-01-01"),
    )
    loyalty.enroll("Cilda")
    loyalty("purchase", recent, "10", "--at", "2026-08-25T10:00")  # day 90 counting today
    loyalty("purchase", lapsed, "10", "--at", "2026-08-23T10:00")
    loyalty("adjust", lapsed, "10", "--reason", "gift")
    assert loyalty.json("report", "summary")["active_members"] == 1


def test_summary_repeat_purchase_rate_is_repeat_buyers_among_buyers(loyalty):
    cards = [loyalty.enroll(name) for name in ("Anna", "Berta", "Cilda", "Dace")]
    loyalty("purchase", cards[0], "10")
    loyalty("purchase", cards[0], "10")
    loyalty("purchase", cards[1], "10")
    assert loyalty.json("report", "summary")["repeat_purchase_rate"] == 0.5


def test_summary_as_of_an_earlier_day_counts_what_was_held_then(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "10", "--at", "2026-03-10")
    loyalty("purchase", card, "20", "--at", "2026-05-10")
    loyalty.enroll("Berta")
    s = loyalty.json("report", "summary", "--as-of", "2026-04-30")
    assert (s["members"], s["points_issued"], s["points_outstanding"]) == (1, 10, 10)


def test_summary_chart_covers_twelve_months_on_a_terminal(loyalty):
    from loyalty_cli.commands.reports import chart_lines

    flows = [MonthFlow(f"2026-{m:02d}", 10 * m, m) for m in range(1, 13)]
    lines = chart_lines(flows, width=30)
    assert len(lines) == 1 + 2 * 12
    assert lines[-2] == "2026-12  " + "#" * 30 + " 120"
    assert lines[-1] == " " * 9 + "=" * 3 + " " * 27 + "  12"


def test_summary_for_scripts_has_monthly_flows_for_twelve_months(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "10", "--at", "2025-11-30T12:00")
    loyalty("purchase", card, "20", "--at", "2025-12-01T12:00")
    loyalty("redeem", card, "5", "--at", "2026-11-02")
    monthly = loyalty.json("report", "summary")["monthly"]
    assert [m["month"] for m in monthly][::11] == ["2025-12", "2026-11"]
    assert (monthly[0], monthly[-1]) == (
        {"month": "2025-12", "issued": 20, "redeemed": 0, "expired": 0, "purchases": 1},
        {"month": "2026-11", "issued": 0, "redeemed": 5, "expired": 0, "purchases": 0},
    )


def test_tiers_report_counts_members_and_spend_per_tier(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:300:1.25")
    a, b = loyalty.enroll("Anna", "--at", "2025-01-01"), loyalty.enroll("Berta", "--at", "2025-01-01")
    loyalty("purchase", a, "100", "--at", "2026-01-10")
    loyalty("purchase", b, "50.50", "--at", "2026-02-10")
    loyalty("purchase", b, "250", "--at", "2025-01-10")  # before the 12-month window
    rows = loyalty.json("report", "tiers")["tiers"]
    assert [(r["tier"], r["members"], r["spend_12m"], r["average_spend"]) for r in rows] == [
        ("Bronze", 2, "150.50", "75.25"),
        ("Silver", 0, "0.00", "0.00"),
    ]


def test_tiers_report_counts_members_without_a_tier_in_the_lowest(loyalty):
    loyalty.enroll("Anna")
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:300:1.25")
    rows = loyalty.json("report", "tiers")["tiers"]
    assert [(r["tier"], r["members"]) for r in rows] == [("Bronze", 1), ("Silver", 0)]


def test_tiers_report_without_tiers_has_one_row_for_everybody(loyalty):
    loyalty.enroll("Anna")
    rows = loyalty.json("report", "tiers")["tiers"]
    assert [(r["tier"], r["members"], r["threshold"]) for r in rows] == [(None, 1, None)]


def test_segment_of_maps_recency_and_frequency_monetary_to_names():
    assert segments.segment_of(5, 5, 4) == "champions"
    assert segments.segment_of(3, 4, 4) == "loyal"
    assert segments.segment_of(5, 1, 2) == "promising"
    assert segments.segment_of(3, 1, 1) == "needs attention"
    assert segments.segment_of(1, 5, 5) == "at risk"
    assert segments.segment_of(2, 2, 1) == "hibernating"
    assert segments.segment_of(1, 1, 1) == "lost"


def test_every_score_combination_has_a_segment():
    names = {segments.segment_of(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert names == set(segments.SEGMENTS) - {segments.NO_PURCHASES}


def test_quintiles_spread_distinct_values_and_share_ties():
    assert segments.quintiles({c: v for c, v in zip("abcde", [1, 2, 3, 4, 5], strict=True)}) == dict(
        a=1, b=2, c=3, d=4, e=5
    )
    assert set(segments.quintiles({c: 7 for c in "abcdefgh"}).values()) == {3}


def test_segments_report_finds_champions_and_lost_members(loyalty):
    cards = [loyalty.enroll(f"Member {i}", "--at", "2024-01-01") for i in range(5)]
    for i, card in enumerate(cards):
        for visit in range(1 + 2 * i):
            loyalty("purchase", card, str(10 * (i + 1)), "--at", f"2026-0{1 + i}-{10 + visit}")
    loyalty.enroll("Never bought")
    report = loyalty.json("report", "segments")
    by_card = {m["card"]: m for m in report["members"]}
    assert by_card[cards[4]]["segment"] == "champions"
    assert by_card[cards[0]]["segment"] == "lost"
    assert report["segments"]["no purchases"] == 1
    assert sum(report["segments"].values()) == 6


def test_expiring_lists_members_with_points_due_within_the_days(loyalty):
    soon = loyalty.enroll(
        "Anna", "--phone", "29123456", "--email", "anna@example.com", "--consent", "--at", "2025-01-01"
    )
    later = loyalty.enroll("Berta", "--at", "2025-01-01")
    loyalty("purchase", soon, "30", "--at", "2025-11-05")  # lot 2026-11: ends in 8 days
    loyalty("purchase", later, "40", "--at", "2025-12-05")  # lot 2026-12
    report = loyalty.json("report", "expiring", "--within", "30")
    assert report["members"] == [
        {
            "card": soon,
            "name": "Anna",
            "phone": "+37129123456",
            "email": "anna@example.com",
            "consent": True,
            "status": "active",
            "points": 30,
            "expires_on": "2026-11-30",
            "balance": 30,
        }
    ]
    assert len(loyalty.json("report", "expiring", "--within", "39")["members"]) == 2


def test_expiring_csv_is_a_mail_merge_file(loyalty):
    card = loyalty.enroll("Anna", "--email", "anna@example.com", "--consent", "--at", "2025-01-01")
    loyalty("purchase", card, "30", "--at", "2025-11-05")
    lines = loyalty("report", "expiring", "--csv").stdout.splitlines()
    assert lines == [
        "card,name,phone,email,consent,status,points,expires_on,balance",
        f"{card},Anna,,anna@example.com,yes,active,30,2026-11-30,30",
    ]


NBSP = "\u00a0"


def cells(line: str) -> list[str]:
    """The cells of a plain table's line (columns are two or more spaces apart; NBSP is not one)."""
    return re.split(" {2,}", line.strip())


@pytest.fixture
def owed(loyalty):
    """A shop whose members hold 2,469 points worth 1,234.50 EUR."""
    loyalty("program", "set", "redeem.value", "0.5")
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "2469", "--at", "2026-11-02")
    return loyalty


def pairs(text: str) -> dict[str, str]:
    """The "Label: value" lines of a record for people."""
    return {
        label: value.strip() for label, _colon, value in (line.partition(":") for line in text.splitlines())
    }


def test_summary_in_english_shows_money_with_the_euro_sign_first(owed):
    shown = pairs(owed("report", "summary").stdout)
    assert (shown["Liability"], shown["Points outstanding"], shown["As of"]) == (
        "€1,234.50",
        "2,469",
        "2026-11-22",
    )


def test_summary_in_latvian_has_latvian_labels_money_and_dates(owed):
    shown = pairs(owed("--lang", "lv", "report", "summary").stdout)
    assert shown["Saistības"] == f"1{NBSP}234,50{NBSP}€"
    assert shown["Atlikušie punkti"] == f"2{NBSP}469"
    assert shown["Piešķirtie punkti"] == f"2{NBSP}469"
    assert shown["Uz datumu"] == "22.11.2026."
    assert shown["Atkārtotu pirkumu daļa"] == "0,0%"
    assert "Liability" not in shown


def test_summary_in_russian_has_russian_labels_money_and_shares(owed):
    shown = pairs(owed("--lang", "ru", "report", "summary").stdout)
    assert shown["Обязательства"] == f"1{NBSP}234,50{NBSP}€"
    assert shown["Остаток баллов"] == f"2{NBSP}469"
    assert shown["На дату"] == "22.11.2026"
    assert shown["Доля списания баллов"] == f"0,0{NBSP}%"


@pytest.mark.parametrize("lang", ["lv", "ru"])
def test_summary_json_and_csv_are_the_same_in_every_language(owed, lang):
    for output in ("--json", "--csv"):
        english = owed("report", "summary", output).stdout
        assert owed("--lang", lang, "report", "summary", output).stdout == english
    assert '"liability": "1234.50"' in owed("--lang", lang, "report", "summary", "--json").stdout


@pytest.mark.parametrize(
    "command",
    [
        ("report", "tiers", "--csv"),
        ("report", "segments", "--csv"),
        ("report", "expiring", "--within", "400", "--csv"),
        ("report", "expiring", "--within", "400", "--json"),
    ],
    ids=" ".join,
)
def test_report_csv_and_json_keep_their_columns_and_values_in_latvian_and_russian(owed, command):
    owed("program", "set", "tiers", "Bronze:0:1,Silver:300:1.25")
    english = owed(*command).stdout
    assert "active" in english or "tier" in english or "segment" in english
    for lang in ("lv", "ru"):
        assert owed("--lang", lang, *command).stdout == english


def test_chart_title_is_translated(owed):
    from loyalty_cli.commands.reports import chart_lines

    from loyalty_cli import language

    language.use("ru")
    try:
        assert chart_lines([MonthFlow("2026-11", 10, 5)])[0] == "Баллы по месяцам (# начислено, = списано)"
    finally:
        language.use("en")


def test_tiers_table_in_latvian_shows_money_multipliers_and_the_day(owed):
    owed("program", "set", "tiers", "Bronze:0:1,Silver:300:1.25")
    text = owed("--lang", "lv", "report", "tiers").stdout
    assert text.startswith("Līmeņi uz 22.11.2026.\n")
    assert "Reizinātājs" in text and "Pirkumu summa 12 mēnešos" in text
    silver = next(line for line in text.splitlines() if line.startswith("Silver"))
    assert cells(silver)[:3] == ["Silver", f"300,00{NBSP}€", "1,25"]


def test_segments_table_names_segments_in_the_language_and_json_keeps_the_keys(owed):
    text = owed("--lang", "ru", "report", "segments").stdout
    assert "RFM-сегменты на 22.11.2026" in text
    assert "чемпионы" in text and "без покупок" in text
    assert "champions" not in text
    assert "champions" in owed.json("--lang", "ru", "report", "segments")["segments"]


def test_expiring_table_in_latvian_translates_headers_consent_and_status(loyalty):
    card = loyalty.enroll("Anna", "--consent", "--at", "2025-01-01")
    loyalty("purchase", card, "30", "--at", "2025-11-05")
    text = loyalty("--lang", "lv", "report", "expiring", "--within", "21").stdout
    assert text.startswith("Punkti, kas zaudē derīgumu 21 dienas laikā no 22.11.2026.\n")
    assert "Derīguma beigas" in text and "Atlikums" in text
    row = next(line for line in text.splitlines() if line.startswith(card))
    assert cells(row)[-5:] == ["jā", "aktīvs", "30", "30.11.2026.", "30"]
    assert "Punkti, kas zaudē derīgumu 30 dienu laikā" in loyalty("--lang", "lv", "report", "expiring").stdout
