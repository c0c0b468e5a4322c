"""Member statements and monthly batch statements."""

from __future__ import annotations

import json
from datetime import date

from conftest import write_entry

from loyalty_cli import lots
from loyalty_cli.reporting import statements as core

SPEC_KEYS = {"card", "from", "to", "opening_balance", "closing_balance", "entries", "expiring"}
ENTRY_KEYS = {"at", "kind", "points", "amount", "receipt", "balance"}


def test_every_sample_statement_adds_up_and_closes_at_the_member_balance(sample):
    cards = [m["card"] for m in sample.json("member", "list")]
    assert cards
    periods = [(), ("--from", "2025-01-01"), ("--from", "2026-03-01", "--to", "2026-05-31")]
    for card in cards:
        for period in periods:
            st = sample.json("statement", card, *period, "--format", "json")
            assert st["opening_balance"] + sum(e["points"] for e in st["entries"]) == st["closing_balance"]
            running = st["opening_balance"]
            for entry in st["entries"]:
                running += entry["points"]
                assert entry["balance"] == running
        today = sample.json("statement", card, "--format", "json")
        assert today["closing_balance"] == sample.json("member", "show", card)["balance"]


def test_opening_balance_is_the_sum_of_the_ledger_before_the_period(sample):
    shop = sample.store().read()
    start, end = date(2026, 2, 1), date(2026, 7, 31)
    since = "2026-01-31T22:00:00+00:00"  # 2026-02-01 00:00 in Riga
    for member in shop.members.all():
        history = list(shop.ledger.entries(member["card"]))
        statement = core.for_member(shop, member, start, end)
        assert statement.opening_balance == sum(e.points for e in history if e.at < since)


def test_statement_json_has_the_spec_keys(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "12,30", "--receipt", "R1")
    st = json.loads(loyalty("statement", card, "--format", "json").stdout)
    assert set(st) >= SPEC_KEYS
    assert set(st["entries"][0]) >= ENTRY_KEYS
    entry = st["entries"][0]
    assert {k: entry[k] for k in ENTRY_KEYS - {"at"}} == {
        "kind": "earn",
        "points": 12,
        "amount": "12.30",
        "receipt": "R1",
        "balance": 12,
    }
    assert (st["from"], st["to"]) == ("2026-11-01", "2026-11-22")


def test_default_period_is_the_current_month_to_date(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-09-01")
    loyalty("purchase", card, "20", "--at", "2026-10-31T12:00")
    loyalty("purchase", card, "5", "--at", "2026-11-01T09:00")
    st = json.loads(loyalty("statement", card, "--format", "json").stdout)
    assert (st["opening_balance"], [e["points"] for e in st["entries"]]) == (20, [5])


def test_statement_days_are_shop_local(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-09-01")
    loyalty("purchase", card, "10", "--at", "2026-10-31T23:30:00+02:00")
    october = json.loads(
        loyalty("statement", card, "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json").stdout
    )
    assert [e["date"] for e in october["entries"]] == ["2026-10-31"]
    assert october["entries"][0]["at"] == "2026-10-31T21:30:00+00:00"


def test_period_starting_after_it_ends_is_a_usage_error(loyalty):
    card = loyalty.enroll()
    result = loyalty("statement", card, "--from", "2026-11-10", "--to", "2026-11-01", expect=2)
    assert "after it ends" in result.stderr


def test_unknown_member_is_refused(loyalty):
    loyalty("statement", "999999999999", expect=1)


def test_entries_are_described_in_words(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-09-01")
    loyalty("purchase", card, "40", "--receipt", "R123", "--at", "2026-11-02")
    write_entry(
        loyalty,
        card,
        "2026-11-03T10:00:00",
        kind="refund",
        points=-10,
        amount="10.00",
        month="2026-11",
        receipt="R123",
        ref=1,
        lots={"2027-11": -10},
        reason="broken",
    )
    for day, reason in ((4, "welcome"), (5, "birthday 2026"), (6, "referral of 123456789015")):
        write_entry(
            loyalty,
            card,
            f"2026-11-0{day}T10:00:00",
            kind="bonus",
            points=5,
            lots={"2027-11": 5},
            reason=reason,
        )
    write_entry(
        loyalty,
        card,
        "2026-11-07T10:00:00",
        kind="prize",
        points=7,
        lots={"2027-11": 7},
        reason="November draw",
    )
    loyalty("adjust", card, "3", "--reason", "sorry for the wait", "--at", "2026-11-08")
    loyalty("redeem", card, "2", "--reason", "coffee", "--at", "2026-11-09")
    write_entry(
        loyalty,
        card,
        "2026-11-10T10:00:00",
        kind="expire",
        points=-1,
        lots={"2027-11": -1},
        reason="points of 2025-10 expired",
    )
    st = json.loads(loyalty("statement", card, "--format", "json").stdout)
    assert [e["description"] for e in st["entries"]] == [
        "Purchase",
        "Refund of R123",
        "Welcome bonus",
        "Birthday bonus",
        "Referral bonus",
        "Prize: November draw",
        "Adjustment: sorry for the wait",
        "Points redeemed: coffee",
        "Points expired",
    ]
    assert st["entries"][1]["amount"] == "-10.00"


def test_text_statement_fits_in_100_columns(loyalty):
    card = loyalty.enroll("Anna " + "Bērziņa-Kalniņa " * 12, "--phone", "29123456", "--at", "2026-01-01")
    loyalty("program", "set", "name", "Maiznīca " * 20)
    loyalty("purchase", card, "1234567,89", "--receipt", "K" + "7" * 60, "--at", "2026-11-02")
    loyalty("adjust", card, "-1000000", "--reason", "a long explanation " * 10, "--at", "2026-11-03")
    text = loyalty("statement", card).stdout
    assert "Closing balance: 234,567 points" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_html_statement_is_one_page_without_external_references(loyalty, tmp_path):
    card = loyalty.enroll("Anna <b>Bērziņa</b>", "--phone", "29123456")
    loyalty("purchase", card, "12,30", "--receipt", "R1")
    out = tmp_path / "anna.html"
    assert loyalty("statement", card, "--format", "html", "--output", str(out)).stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page and "Anna &lt;b&gt;Bērziņa&lt;/b&gt;" in page
    for reference in ("http", "src=", "href=", "url(", "@import", "<script", "<link"):
        assert reference not in page


def test_csv_statement_is_the_entry_table_with_numbers_as_numbers(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "12,30", "--receipt", "=R1")
    loyalty("redeem", card, "5")
    rows = loyalty("statement", card, "--format", "csv").stdout.splitlines()
    assert rows[0] == (
        "date,time,at,kind,description,receipt,amount,points,balance,"
        "total,discount_percent,discount,paid_points,paid_value,to_pay"
    )
    assert rows[1].endswith(",earn,Purchase,'=R1,12.30,12,12,12.30,0,0.00,0,0.00,12.30")
    assert rows[2].endswith(",redeem,Points redeemed,,,-5,7,,,,,,")


def test_expiring_points_are_shown_for_the_next_three_months(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "10", "--at", "2025-11-15")  # expires at the end of 2026-11
    loyalty("purchase", card, "20", "--at", "2026-01-15")  # 2027-01
    loyalty("purchase", card, "40", "--at", "2026-02-15")  # 2027-02: not in the next three
    st = json.loads(loyalty("statement", card, "--format", "json").stdout)
    assert st["expiring"] == {"2026-11": 10, "2026-12": 0, "2027-01": 20}


def test_expiring_points_are_as_of_the_period_end(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "10", "--at", "2025-11-15")
    loyalty("redeem", card, "10", "--at", "2026-11-02")
    st = json.loads(
        loyalty("statement", card, "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json").stdout
    )
    assert st["expiring"] == {"2026-10": 0, "2026-11": 10, "2026-12": 0}


def test_tier_progress_names_the_next_tier_and_the_spend_needed(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:300:1.25,Gold:800:1.5")
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "250", "--at", "2025-01-15")  # outside the 12 months to 2026-11
    loyalty("purchase", card, "120.50", "--at", "2026-06-15")
    st = json.loads(loyalty("statement", card, "--format", "json").stdout)
    assert (st["tier"], st["next_tier"], st["spend_12m"], st["spend_to_next_tier"]) == (
        "Bronze",
        "Silver",
        "120.50",
        "179.50",
    )
    assert "€179.50 more to reach Silver" in loyalty("statement", card).stdout


def test_member_without_a_tier_is_shown_in_the_lowest(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:300:1.25")
    st = loyalty.json("statement", card)
    assert (st["tier"], st["next_tier"], st["spend_to_next_tier"]) == ("Bronze", "Silver", "300.00")


def test_statements_for_a_sample_month_write_one_file_per_member_with_activity(sample, tmp_path):
    shop = sample.store().read()
    expected = {s.card for s in core.for_month(shop, "2026-10")}
    active = {
        e.card
        for e in shop.ledger.entries(since="2026-09-30T21:00:00+00:00", until="2026-10-31T21:59:59+00:00")
    }
    assert active and active <= expected
    result = sample("statements", "--month", "2026-10", "--output-dir", str(tmp_path / "out"))
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == sorted(f"statement-2026-10-{card}.txt" for card in expected)
    assert result.stdout.startswith(f"Wrote {len(expected)} statements for 2026-10")


def test_statements_skip_members_without_entries_or_points(loyalty, tmp_path):
    busy = loyalty.enroll("Anna", "--at", "2026-01-01")
    holder = loyalty.enroll("Berta", "--at", "2026-01-01")
    loyalty.enroll("Cilda", "--at", "2026-01-01")
    loyalty("purchase", busy, "10", "--at", "2026-10-05")
    loyalty("purchase", holder, "10", "--at", "2026-08-05")
    done = loyalty.json("statements", "--month", "2026-10", "--output-dir", str(tmp_path), "--format", "json")
    assert done["files"] == [f"statement-2026-10-{busy}.json", f"statement-2026-10-{holder}.json"]
    written = json.loads((tmp_path / done["files"][1]).read_text(encoding="utf-8"))
    assert (written["opening_balance"], written["entries"], written["closing_balance"]) == (10, [], 10)


def test_statements_refuse_a_malformed_month(loyalty, tmp_path):
    loyalty("statements", "--month", "2026-13", "--output-dir", str(tmp_path / "out"), expect=2)
    assert not (tmp_path / "out").exists()


def test_lots_already_due_count_in_the_first_month_shown():
    held = {"2026-09": 3, "2026-11": 5, "2027-06": 9, lots.NEVER: 4, lots.DEBT: -2}
    assert core._expiring(held, "2026-11") == {"2026-11": 8, "2026-12": 0, "2027-01": 0}


def test_a_back_dated_entry_takes_its_place_with_the_running_balance_in_that_order(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "10", "--receipt", "LATE", "--at", "2026-11-20T10:00")
    loyalty("purchase", card, "30", "--receipt", "EARLY", "--at", "2026-11-05T10:00")
    st = loyalty.json("statement", card, "--from", "2026-11-01")
    assert [(e["receipt"], e["balance"]) for e in st["entries"]] == [("EARLY", 30), ("LATE", 40)]
    assert st["closing_balance"] == 40


def test_statement_text_shows_entries_in_shop_time(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "10", "--at", "2026-11-05T22:39:00+00:00")
    text = loyalty("statement", card).stdout
    assert "2026-11-06 00:39" in text
    entry = loyalty.json("statement", card)["entries"][0]
    assert (entry["date"], entry["time"], entry["at"]) == ("2026-11-06", "00:39", "2026-11-05T22:39:00+00:00")
