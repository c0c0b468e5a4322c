"""Reports of a programme with discounts, payments with points, pending points and cashback."""

from __future__ import annotations

import pytest
from conftest import Loyalty


@pytest.fixture
def discounts(loyalty) -> Loyalty:
    """A 5 % discount from 50.00; Anna buys for 60.00 and 40.00, then 600.00 (half refunded)."""
    loyalty("program", "set", "discount.threshold", "50")
    loyalty("program", "set", "discount.percent", "5")
    anna = loyalty.enroll("Anna", "--card", "1001", "--at", "2026-09-01")
    loyalty("purchase", anna, "60", "--at", "2026-10-01T10:00")  # 3.00 off, pays 57.00
    loyalty("purchase", anna, "40", "--at", "2026-10-02T10:00")  # below the threshold
    loyalty("purchase", anna, "600", "--receipt", "BIG", "--at", "2026-10-03T10:00")  # 30.00 off
    loyalty("refund", "BIG", "--amount", "285")
    return loyalty


def test_summary_adds_up_the_discounts_given_and_a_refund_gives_none_back(discounts):
    summary = discounts.json("report", "summary")
    assert summary["discounts_given"] == "33.00"
    # 57 + 40 + 570 earned, 285 taken back by the refund of half of what BIG paid
    assert (summary["points_issued"], summary["points_refunded"], summary["points_outstanding"]) == (
        667,
        285,
        382,
    )


def test_summary_discounts_given_as_of_a_day_count_the_purchases_until_then(discounts):
    assert discounts.json("report", "summary", "--as-of", "2026-10-02")["discounts_given"] == "3.00"


def test_summary_for_people_and_spreadsheets_shows_the_discounts_given(discounts):
    text = discounts("report", "summary").stdout
    assert "Discounts given:" in text and "€33.00" in text
    assert "discounts_given,33.00" in discounts("report", "summary", "--csv").stdout


@pytest.fixture
def waiting(loyalty) -> Loyalty:
    """Points pending for 14 days: 10 earned on 1 November (spendable from the 16th), 30 on
    20 November (spendable from 5 December); today is 22 November."""
    loyalty("program", "set", "earn.pending_days", "14")
    anna = loyalty.enroll("Anna", "--card", "1001", "--at", "2026-09-01")
    loyalty("purchase", anna, "10", "--at", "2026-11-01T10:00")
    loyalty("purchase", anna, "30", "--at", "2026-11-20T10:00")
    return loyalty


def test_summary_pending_points_count_due_points_as_confirmed(waiting):
    summary = waiting.json("report", "summary")
    assert (summary["pending_points"], summary["points_outstanding"]) == (30, 40)


def test_summary_pending_points_as_of_a_day_are_those_pending_then(waiting):
    assert waiting.json("report", "summary", "--as-of", "2026-11-05")["pending_points"] == 10
    assert waiting.json("report", "summary", "--as-of", "2026-11-16")["pending_points"] == 0


def test_summary_pending_points_as_of_a_day_stay_after_maintain_confirms_them(waiting):
    waiting("maintain")
    assert waiting.json("report", "summary")["pending_points"] == 30
    assert waiting.json("report", "summary", "--as-of", "2026-11-05")["pending_points"] == 10


def test_summary_for_people_shows_the_pending_points(waiting):
    assert "Pending points:" in waiting("report", "summary").stdout


@pytest.fixture
def cashback(loyalty) -> Loyalty:
    """3 % cashback: 100.00 earns €3.00; 50.00 paid €1.00 with cashback, 49.00 earns €1.47."""
    loyalty("program", "set", "earn.mode", "cashback")
    loyalty("program", "set", "earn.cashback_percent", "3")
    anna = loyalty.enroll("Anna", "--card", "1001", "--at", "2026-09-01")
    loyalty("purchase", anna, "100", "--at", "2026-10-01T10:00")
    loyalty("purchase", anna, "50", "--pay-points", "100", "--receipt", "R2")
    return loyalty


def test_summary_in_cashback_mode_gives_every_figure_as_money(cashback):
    summary = cashback.json("report", "summary")
    assert {
        key: summary[key]
        for key in (
            "points_issued",
            "points_redeemed",
            "points_outstanding",
            "pending_points",
            "liability",
            "cashback_outstanding",
        )
    } == {
        "points_issued": "4.47",
        "points_redeemed": "1.00",
        "points_outstanding": "3.47",
        "pending_points": "0.00",
        "liability": "3.47",
        "cashback_outstanding": "3.47",
    }
    assert summary["monthly"][-2:] == [
        {"month": "2026-10", "issued": "3.00", "redeemed": "0.00", "expired": "0.00", "purchases": 1},
        {"month": "2026-11", "issued": "1.47", "redeemed": "1.00", "expired": "0.00", "purchases": 1},
    ]


def test_summary_of_a_points_programme_has_no_cashback_outstanding(discounts):
    assert "cashback_outstanding" not in discounts.json("report", "summary")


def test_summary_in_cashback_mode_for_people_names_cashback_and_shows_money(cashback):
    text = cashback("report", "summary").stdout
    assert "Cashback outstanding:" in text and "€3.47" in text
    assert "Points outstanding" not in text


def test_summary_chart_in_cashback_mode_shows_money(cashback):
    from loyalty_cli.commands.reports import chart_lines

    from loyalty_cli import balances
    from loyalty_cli.program import Programme
    from loyalty_cli.reporting.reports import MonthFlow

    programme = Programme({"earn.mode": "cashback", "currency": "EUR"})
    lines = chart_lines(
        [MonthFlow("2026-11", 147, 100)],
        width=10,
        show=lambda n: balances.figure(programme, n),
        cashback=True,
    )
    assert lines[0] == "Cashback per month (# issued, = redeemed)"
    assert lines[1] == "2026-11  ########## €1.47"
    assert lines[2] == " " * 9 + "=======" + " " * 3 + " €1.00"


@pytest.fixture
def stores(loyalty) -> Loyalty:
    """Anna pays 60.00 at Centrs with 200 points after 3.00 off; Bob buys for 20.00 at Tirgus."""
    loyalty("program", "set", "discount.threshold", "50")
    loyalty("program", "set", "discount.percent", "5")
    anna = loyalty.enroll("Anna", "--card", "1001", "--at", "2026-09-01")
    bob = loyalty.enroll("Bob", "--card", "1002", "--at", "2026-09-01")
    loyalty("purchase", anna, "600", "--at", "2026-11-01T10:00", "--store", "Centrs")
    loyalty("purchase", anna, "60", "--pay-points", "200", "--store", "Centrs")  # pays 55.00
    loyalty("purchase", bob, "20", "--store", "Tirgus")
    return loyalty


def test_activity_gives_the_discounts_and_the_points_paid_with_per_store(stores):
    report = stores.json("report", "activity", "--by", "store")
    by_store = {row["store"]: row for row in report["rows"]}
    centrs, tirgus = by_store["Centrs"], by_store["Tirgus"]
    assert (centrs["sales"], centrs["discounts_given"], centrs["points_paid"], centrs["points_redeemed"]) == (
        "55.00",
        "3.00",
        200,
        200,
    )
    assert (tirgus["discounts_given"], tirgus["points_paid"]) == ("0.00", 0)
    assert (report["total"]["discounts_given"], report["total"]["points_paid"]) == ("3.00", 200)


def test_activity_for_people_and_spreadsheets_has_discount_and_paid_with_points_columns(stores):
    table = stores("report", "activity").stdout
    assert "Discounts" in table and "Paid with points" in table and "€3.00" in table
    header = stores("report", "activity", "--csv").stdout.splitlines()[0]
    assert header.startswith("day,purchases,sales,refunds,refunded,net_sales,discounts_given,points_earned,")
    assert ",points_paid," in header


def test_activity_without_discounts_or_payments_keeps_its_table(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "10")
    table = loyalty("report", "activity").stdout
    assert "Discounts" not in table and "Paid with points" not in table


def test_activity_in_cashback_mode_gives_points_columns_as_money(cashback):
    total = cashback.json("report", "activity")["total"]
    assert (total["sales"], total["points_earned"], total["points_redeemed"], total["points_paid"]) == (
        "49.00",
        "1.47",
        "1.00",
        "1.00",
    )
    assert (total["purchases"], total["new_members"]) == (1, 0)
    assert "€1.47" in cashback("report", "activity").stdout


def test_expiring_in_cashback_mode_gives_money(cashback):
    member = cashback.json("report", "expiring", "--within", "400")["members"][0]
    assert (member["points"], member["balance"]) == ("3.47", "3.47")
    table = cashback("report", "expiring", "--within", "400").stdout
    assert "Cashback expiring by" in table and "€3.47" in table


def test_summary_in_latvian_names_discounts_and_pending_points(waiting):
    text = waiting("--lang", "lv", "report", "summary").stdout
    assert "Piešķirtās atlaides:" in text and "Gaidošie punkti:" in text


def test_summary_in_russian_names_discounts_and_pending_points(waiting):
    text = waiting("--lang", "ru", "report", "summary").stdout
    assert "Предоставлено скидок:" in text and "Ожидающие баллы:" in text


def test_summary_in_cashback_mode_in_latvian_and_russian_names_cashback(cashback):
    assert "Naudas atmaksas atlikums:" in cashback("--lang", "lv", "report", "summary").stdout
    assert "Остаток кэшбэка:" in cashback("--lang", "ru", "report", "summary").stdout
    assert "3,47\u00a0€" in cashback("--lang", "lv", "report", "summary").stdout


def test_activity_in_latvian_and_russian_names_the_new_columns(stores):
    lv = stores("--lang", "lv", "report", "activity").stdout
    assert "Atlaides" in lv and "Samaksāts ar punktiem" in lv
    ru = stores("--lang", "ru", "report", "activity").stdout
    assert "Скидки" in ru and "Оплачено баллами" in ru
