"""`report activity`: the day's purchases, sales, refunds, points and new members."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import Loyalty


@pytest.fixture
def day(loyalty) -> Loyalty:
    """A day at two tills: Anna's purchases at Centrs, Bob's at Tirgus, one refund, one redemption."""
    anna = loyalty.enroll("Anna", "--card", "1001", "--at", "2026-09-01")
    bob = loyalty("--operator", "ilze", "enroll", "Bob", "--card", "1002").stdout.strip()
    loyalty("purchase", anna, "12.30", "--receipt", "R1", "--store", "Centrs", "--at", "2026-11-22T09:00")
    loyalty("--operator", "ilze", "purchase", bob, "40", "--receipt", "R2", "--store", "Tirgus")
    loyalty("refund", "R1", "--amount", "2.30")
    loyalty("--operator", "ilze", "redeem", bob, "10")
    loyalty("adjust", anna, "-1", "--reason", "typo")
    loyalty("purchase", anna, "5", "--receipt", "OLD", "--at", "2026-11-20T10:00")
    return loyalty


def test_activity_defaults_to_today_with_every_count(day):
    report = day.json("report", "activity")
    assert (report["from"], report["to"], report["by"]) == ("2026-11-22", "2026-11-22", "day")
    assert report["total"] == {
        "purchases": 2,
        "sales": "52.30",
        "refunds": 1,
        "refunded": "2.30",
        "net_sales": "50.00",
        "discounts_given": "0.00",
        "points_earned": 52,
        "points_refunded": 2,
        "points_redeemed": 10,
        "points_paid": 0,
        "points_expired": 0,
        "points_adjusted": -1,
        "points_bonus": 0,
        "points_other": 0,
        "new_members": 1,
    }


def test_activity_today_is_the_shop_local_day(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-09-01")
    loyalty("purchase", card, "7", "--at", "2026-11-21T22:30:00+00:00")  # 00:30 on 22 November in Riga
    loyalty("purchase", card, "3", "--at", "2026-11-21T21:30:00+00:00")  # 23:30 on 21 November
    assert loyalty.json("report", "activity")["total"]["sales"] == "7.00"


def test_activity_by_operator_counts_each_operators_sales(day):
    rows = {r["operator"]: r for r in day.json("report", "activity", "--by", "operator")["rows"]}
    assert (rows["ilze"]["sales"], rows["ilze"]["points_redeemed"]) == ("40.00", 10)
    assert (rows["tester"]["sales"], rows["tester"]["refunds"], rows["tester"]["points_adjusted"]) == (
        "12.30",
        1,
        -1,
    )
    assert rows["(not recorded)"]["new_members"] == 1


def test_activity_by_store_counts_a_refund_at_the_store_of_its_purchase(day):
    rows = {r["store"]: r for r in day.json("report", "activity", "--by", "store")["rows"]}
    assert (rows["Centrs"]["sales"], rows["Centrs"]["refunded"], rows["Centrs"]["net_sales"]) == (
        "12.30",
        "2.30",
        "10.00",
    )
    assert rows["Tirgus"]["sales"] == "40.00"
    assert rows["(no store)"]["points_redeemed"] == 10


def test_activity_by_day_lists_every_day_of_the_period(day):
    report = day.json("report", "activity", "--from", "2026-11-19", "--to", "2026-11-22")
    assert [(r["day"], r["purchases"]) for r in report["rows"]] == [
        ("2026-11-19", 0),
        ("2026-11-20", 1),
        ("2026-11-21", 0),
        ("2026-11-22", 2),
    ]


def test_activity_counts_expired_points_on_the_day_they_expired(loyalty):
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna", "--at", "2026-09-01")
    loyalty("purchase", card, "25", "--at", "2026-09-10")
    loyalty("expire", "--as-of", "2026-11-01")
    report = loyalty.json("report", "activity", "--to", "2026-11-01")
    assert (report["from"], report["total"]["points_expired"]) == ("2026-11-01", 25)


def test_activity_csv_has_one_row_per_group_and_a_total(day):
    text = day("report", "activity", "--from", "2026-11-20", "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["day"] for r in rows] == ["2026-11-20", "2026-11-21", "2026-11-22", "total"]
    assert rows[-1]["sales"] == "57.30"


def test_activity_text_is_a_table_with_a_total(day):
    text = day("report", "activity", "--by", "operator").stdout
    assert "Activity 2026-11-22 (EUR)" in text
    assert any(line.split()[:3] == ["Total", "2", "€52.30"] for line in text.splitlines())


def test_activity_period_ending_before_it_starts_is_a_usage_error(day):
    result = day("report", "activity", "--from", "2026-11-22", "--to", "2026-11-01", expect=2)
    assert "after it ends" in result.stderr


def test_activity_reads_only_the_partitions_of_its_window(tmp_path):
    loyalty = Loyalty(tmp_path / "shop")
    loyalty("init", now="2026-09-01T09:00:00+00:00")
    card = loyalty.enroll("Anna", now="2026-09-01T09:00:00+00:00")
    for day in ("2026-09-10", "2026-10-10", "2026-11-10"):
        loyalty("purchase", card, "10", "--receipt", f"R{day}", now=f"{day}T10:00:00+00:00")
    loyalty("purchase", card, "4", now="2026-11-22T10:00:00+00:00")
    older = [p for p in (loyalty.data_dir / "ledger").glob("2026-0*.json")] + list(
        (loyalty.data_dir / "ledger").glob("2026-10-*.json")
    )
    assert older
    for path in older:
        path.write_text("not json", encoding="utf-8")
    assert loyalty.json("report", "activity")["total"]["sales"] == "4.00"
    assert (
        loyalty.json("report", "activity", "--from", "2026-11-10", "--to", "2026-11-10")["total"]["purchases"]
        == 1
    )
    loyalty("report", "activity", "--from", "2026-10-01", "--to", "2026-10-31", expect=3)


def test_activity_counts_new_members_on_their_shop_local_enrolment_day(loyalty):
    loyalty.enroll("Early", "--at", "2026-11-01T21:59:00+00:00")  # 23:59 on 1 November in Riga
    loyalty.enroll("Late", "--at", "2026-11-01T22:01:00+00:00")  # 00:01 on 2 November
    loyalty.enroll("Other", "--at", "2026-10-20T10:00")
    one_day = loyalty.json("report", "activity", "--to", "2026-11-02")
    assert one_day["total"]["new_members"] == 1
    month = loyalty.json("report", "activity", "--from", "2026-10-01", "--to", "2026-11-22")
    counted = {r["day"]: r["new_members"] for r in month["rows"] if r["new_members"]}
    assert counted == {"2026-10-20": 1, "2026-11-01": 1, "2026-11-02": 1}


def test_activity_in_latvian_translates_headers_total_and_writes_money_the_latvian_way(day):
    text = day("--lang", "lv", "report", "activity", "--by", "operator").stdout
    assert text.startswith("Aktivitāte 22.11.2026. (EUR)\n")
    assert "Operators" in text and "Apgrozījums" in text and "Jauni dalībnieki" in text
    total = next(line for line in text.splitlines() if line.startswith("Kopā"))
    assert total.split("  ")[0] == "Kopā"
    assert "52,30\u00a0€" in total


def test_activity_in_russian_names_a_period_and_rows_without_an_operator(day):
    text = day("--lang", "ru", "report", "activity", "--from", "2026-11-20", "--by", "operator").stdout
    assert text.startswith("Активность с 20.11.2026 по 22.11.2026 (EUR)\n")
    assert "Итого" in text and "Оператор" in text
    assert "(не указан)" in text  # the new member: a member's row records no operator
    assert (
        "(not recorded)"
        in day.json("--lang", "ru", "report", "activity", "--by", "operator")["rows"][0]["operator"]
    )


def test_activity_csv_and_json_are_the_same_in_latvian(day):
    for output in ("--csv", "--json"):
        english = day("report", "activity", "--from", "2026-11-20", output).stdout
        assert day("--lang", "lv", "report", "activity", "--from", "2026-11-20", output).stdout == english
    csv_text = day("--lang", "lv", "report", "activity", "--csv").stdout
    assert csv_text.startswith("day,purchases,sales,refunds,refunded,net_sales,")
    assert csv_text.splitlines()[-1].startswith("total,2,52.30,1,2.30,50.00,")


def test_activity_period_refusal_in_latvian_writes_the_days_the_latvian_way(day):
    result = day("--lang", "lv", "report", "activity", "--from", "2026-11-22", "--to", "2026-11-01", expect=2)
    assert "perioda sākums (22.11.2026.) ir vēlāks par tā beigām (1.11.2026.)" in result.stderr
