"""Tiers: the one 12-month window, upgrades (also back-dated), refunds, the review, the record."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Loyalty
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty_cli import clock, members, points, program, projection, refunds, tiers, verification
from loyalty_cli.errors import Refused
from loyalty_cli.storage.folder.shop import SCHEMA_VERSION, Shop, new_data

TIERS = "Bronze:0:1,Silver:500:1.25,Gold:1500:1.5"


def member(loyalty, card, *args):
    return loyalty.json("member", "show", card, *args)


def statement(loyalty, card, start, end):
    args = ("statement", card, "--from", start, "--to", end, "--format", "json")
    return json.loads(loyalty(*args).stdout)


def tiers_report(loyalty, day):
    rows = loyalty.json("report", "tiers", "--as-of", day)["tiers"]
    return {row["tier"]: (row["members"], row["spend_12m"]) for row in rows}


def stored_member(loyalty, card):
    return loyalty.store().read().members.get(card)


@pytest.fixture
def silver(loyalty):
    """A member who spent 600 on 20 July 2025 (Silver from 500)."""
    loyalty("program", "set", "tiers", TIERS)
    card = loyalty.enroll("Anna", "--at", "2025-07-01")
    assert loyalty.json("purchase", card, "600", "--at", "2025-07-20T15:00")["tier"] == "Silver"
    return card


def test_the_review_on_1_july_keeps_a_member_who_bought_on_20_july_the_year_before(loyalty, silver):
    assert loyalty.json("tiers", "review", "--as-of", "2026-07-01")["changes"] == []
    assert member(loyalty, silver)["tier"] == "Silver"


def test_maintain_through_1_july_keeps_a_member_who_bought_on_20_july_the_year_before(loyalty, silver):
    loyalty("maintain", "--as-of", "2026-07-01")
    assert member(loyalty, silver)["tier"] == "Silver"


def test_the_review_after_the_purchase_aged_out_moves_the_member_down(loyalty, silver):
    loyalty("maintain", "--as-of", "2026-07-31")
    assert member(loyalty, silver)["tier"] == "Silver"
    result = loyalty.json("tiers", "review", "--as-of", "2026-08-01")
    assert result["changes"] == [{"card": silver, "from": "Silver", "to": "Bronze"}]
    loyalty("verify")


def test_member_show_statement_and_report_count_the_purchase_on_1_july_the_year_after(loyalty, silver):
    assert member(loyalty, silver, "--as-of", "2026-07-01")["spend_12m"] == "600.00"
    assert statement(loyalty, silver, "2026-06-01", "2026-07-01")["spend_12m"] == "600.00"
    assert tiers_report(loyalty, "2026-07-01")["Silver"] == (1, "600.00")


def test_a_purchase_counts_through_the_same_date_a_year_later_and_not_a_day_longer(loyalty, silver):
    assert member(loyalty, silver, "--as-of", "2026-07-20")["spend_12m"] == "600.00"
    assert member(loyalty, silver, "--as-of", "2026-07-21")["spend_12m"] == "0.00"


def test_a_purchase_on_29_february_counts_through_28_february_a_year_later(loyalty):
    loyalty("program", "set", "tiers", TIERS)
    card = loyalty.enroll("Anna", "--at", "2024-02-01")
    loyalty("purchase", card, "100", "--at", "2024-02-29")
    assert member(loyalty, card, "--as-of", "2025-02-28")["spend_12m"] == "100.00"
    assert member(loyalty, card, "--as-of", "2025-03-01")["spend_12m"] == "0.00"


@pytest.mark.parametrize(("day", "inside"), [("2026-07-20", True), ("2026-07-21", False)])
def test_upgrade_review_member_show_statement_and_report_use_the_same_window(tmp_path, day, inside):
    """On the last day a purchase counts and the day after, every view agrees."""
    loyalty = Loyalty(tmp_path / "shop")
    loyalty("init")
    loyalty("program", "set", "tiers", TIERS)
    buyer = loyalty.enroll("Anna", "--at", "2025-07-01")  # 400 a year ago, 100 on `day`
    holder = loyalty.enroll("Berta", "--at", "2025-07-01")  # 500 a year ago: Silver then
    loyalty("purchase", buyer, "400", "--at", "2025-07-20T09:00")
    loyalty("purchase", holder, "500", "--at", "2025-07-20T09:00")
    upgraded = loyalty.json("purchase", buyer, "100", "--at", f"{day}T18:00")["tier"] == "Silver"
    reviewed = loyalty.json("tiers", "review", "--as-of", day)["changes"]
    buyer_spend, holder_spend = ("500.00", "500.00") if inside else ("100.00", "0.00")
    assert upgraded is inside
    assert reviewed == ([] if inside else [{"card": holder, "from": "Silver", "to": "Bronze"}])
    assert member(loyalty, buyer, "--as-of", day)["spend_12m"] == buyer_spend
    assert member(loyalty, holder, "--as-of", day)["spend_12m"] == holder_spend
    assert statement(loyalty, buyer, day, day)["spend_12m"] == buyer_spend
    assert statement(loyalty, holder, day, day)["spend_12m"] == holder_spend
    expected = {"Bronze": (0, "0.00"), "Silver": (2, "1000.00")}
    if not inside:
        expected = {"Bronze": (2, "100.00"), "Silver": (0, "0.00")}
    assert tiers_report(loyalty, day) == {**expected, "Gold": (0, "0.00")}
    loyalty("verify")


def test_a_back_dated_purchase_that_crosses_a_threshold_moves_the_member_up(loyalty):
    loyalty("program", "set", "tiers", TIERS)
    card = loyalty.enroll("Anna", "--at", "2026-09-01")
    loyalty("purchase", card, "400", "--at", "2026-11-10")
    result = loyalty.json("purchase", card, "200", "--at", "2026-10-05")
    assert (result["points"], result["tier"]) == (200, "Silver")
    assert member(loyalty, card)["tier"] == "Silver"
    loyalty("verify")


def test_a_purchase_older_than_the_window_moves_nobody_up(loyalty):
    loyalty("program", "set", "tiers", TIERS)
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "400", "--at", "2026-11-10")
    assert loyalty.json("purchase", card, "200", "--at", "2025-10-05")["tier"] == "Bronze"


def test_member_show_as_of_a_past_day_shows_the_tier_held_then(loyalty, silver):
    loyalty("tiers", "review", "--as-of", "2026-08-01")
    assert member(loyalty, silver, "--as-of", "2025-07-19")["tier"] == "Bronze"
    shown = member(loyalty, silver, "--as-of", "2026-07-20")
    assert (shown["tier"], shown["next_tier"], shown["spend_to_next_tier"]) == ("Silver", "Gold", "900.00")
    assert member(loyalty, silver, "--as-of", "2026-07-31")["tier"] == "Silver"
    assert member(loyalty, silver, "--as-of", "2026-08-01")["tier"] == "Bronze"
    assert member(loyalty, silver)["tier"] == "Bronze"


def test_a_statement_of_a_past_period_shows_the_tier_held_at_its_end(loyalty, silver):
    loyalty("tiers", "review", "--as-of", "2026-08-01")
    june = statement(loyalty, silver, "2026-06-01", "2026-06-30")
    assert (june["tier"], june["next_tier"], june["spend_to_next_tier"]) == ("Silver", "Gold", "900.00")
    assert statement(loyalty, silver, "2026-07-01", "2026-07-31")["tier"] == "Silver"
    assert statement(loyalty, silver, "2026-08-01", "2026-08-31")["tier"] == "Bronze"


def test_the_tiers_report_of_a_past_day_counts_members_in_the_tier_held_then(loyalty, silver):
    loyalty("tiers", "review", "--as-of", "2026-08-01")
    assert tiers_report(loyalty, "2026-07-31")["Silver"] == (1, "0.00")
    assert tiers_report(loyalty, "2026-08-01")["Bronze"] == (1, "0.00")


def test_every_tier_change_is_recorded_with_its_moment(loyalty, silver):
    loyalty("purchase", silver, "100", "--receipt", "R2", "--at", "2026-06-01")
    loyalty("refund", "R2", "--at", "2026-06-02")
    loyalty("tiers", "review", "--as-of", "2026-08-01")
    assert stored_member(loyalty, silver)["tier_changes"] == [
        ["2025-07-20T12:00:00+00:00", "Bronze", "Silver"],
        ["2026-07-31T21:00:00+00:00", "Silver", "Bronze"],
    ]
    loyalty("verify")


def test_a_refund_that_takes_spend_below_the_threshold_moves_the_member_down_at_once(loyalty, silver):
    loyalty("purchase", silver, "300", "--receipt", "R2", "--at", "2026-06-01")
    loyalty("refund", "R2", "--at", "2026-06-02")
    assert member(loyalty, silver)["tier"] == "Silver"  # 600 of 20 July 2025 still counts
    loyalty("purchase", silver, "1000", "--receipt", "R3", "--at", "2026-06-03")
    assert member(loyalty, silver)["tier"] == "Gold"
    loyalty("refund", "R3", "--amount", "600", "--at", "2026-06-04T10:00")
    assert member(loyalty, silver)["tier"] == "Silver"
    assert member(loyalty, silver, "--as-of", "2026-06-03")["tier"] == "Gold"
    loyalty("verify")


def test_a_refund_can_move_a_member_down_more_than_one_tier(loyalty):
    loyalty("program", "set", "tiers", TIERS)
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "1600", "--receipt", "R1", "--at", "2026-02-01")
    loyalty("purchase", card, "1", "--at", "2026-02-02")
    assert member(loyalty, card)["tier"] == "Gold"
    loyalty("refund", "R1", "--at", "2026-02-03")
    assert member(loyalty, card)["tier"] == "Bronze"


def test_a_refund_leaves_spend_that_already_aged_out_to_the_review(loyalty, silver):
    loyalty("purchase", silver, "50", "--receipt", "R2", "--at", "2026-07-25")
    loyalty("refund", "R2", "--amount", "10", "--at", "2026-07-26")
    assert member(loyalty, silver)["tier"] == "Silver"


def test_spend_older_than_thirteen_months_is_not_kept_on_the_member(loyalty):
    card = loyalty.enroll("Anna", "--at", "2024-01-01")
    loyalty("purchase", card, "10", "--at", "2024-01-05")
    loyalty("purchase", card, "20", "--at", "2025-02-04")
    loyalty("purchase", card, "30", "--at", "2025-02-06")
    assert stored_member(loyalty, card)["points"]["spend"] == {"2025-02-04": "20.00", "2025-02-06": "30.00"}
    loyalty("verify")


def test_a_data_folder_with_spend_by_month_is_migrated_to_spend_by_day(loyalty):
    loyalty("program", "set", "tiers", TIERS)
    card = loyalty.enroll("Anna", "--at", "2025-07-01")
    _write_schema_2_purchase(loyalty, card)
    loyalty("verify")
    stored = stored_member(loyalty, card)
    assert stored["points"]["spend"] == {"2025-07-20": "450.00"}
    assert loyalty.store().read().meta["schema"] == SCHEMA_VERSION
    assert member(loyalty, card, "--as-of", "2026-07-20")["spend_12m"] == "450.00"


def test_a_migrated_purchase_keeps_its_tier_at_the_review_on_1_july(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:400:1.25")
    card = loyalty.enroll("Anna", "--at", "2025-07-01")
    _write_schema_2_purchase(loyalty, card)
    assert loyalty.json("tiers", "review", "--as-of", "2026-07-01")["changes"] == []
    before = loyalty.snapshot()
    assert loyalty.json("tiers", "review", "--as-of", "2026-07-01")["changes"] == []
    assert loyalty.snapshot() == before


def _write_schema_2_purchase(loyalty, card):
    """A purchase of 600 on 20 July 2025 and a refund of 150, as schema 2 wrote them."""
    at = datetime(2025, 7, 20, 12, tzinfo=timezone.utc).isoformat()
    with loyalty.store().transaction() as shop:
        doc = shop.members.get(card)
        earn = shop.ledger.append(card=card, at=at, operator="t", kind="earn", points=600,
                                  lots={"2026-07": 600}, amount="600.00", month="2025-07",
                                  receipt="R1", rate="1", multiplier="1")  # fmt: skip
        shop.ledger.append(card=card, at=at, operator="t", kind="refund", points=-150,
                           lots={"2026-07": -150}, amount="150.00", month="2025-07",
                           receipt="R1", ref=earn.id)  # fmt: skip
        doc["points"].update(balance=450, lots={"2026-07": 450}, spend={"2025-07": "450.00"})
        doc["points"].update(purchases=1, last_purchase=at)
        doc["tier"] = "Silver"
        shop.members.put(doc)
        shop.meta["schema"] = 2
        shop.touch_meta()


steps = st.lists(
    st.one_of(
        st.tuples(st.just("purchase"), st.integers(0, 400), st.sampled_from(["50", "120.50", "480"])),
        st.tuples(st.just("refund"), st.integers(0, 30), st.sampled_from(["10", "100", "480"])),
        st.tuples(st.just("review"), st.integers(0, 0), st.just("")),
        st.tuples(st.just("wait"), st.integers(1, 90), st.just("")),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_spend_and_the_record_of_tier_changes_stay_consistent(sequence):
    """Purchases (some recorded late), refunds, reviews: the stored spend is the ledger's,
    the projection and the ledger give the same window spend, and the record of tier
    changes is a chain in time order that ends in the tier held."""
    shop = Shop(new_data(), writable=True, root=Path("."))
    shop.save_settings(program.new_settings(tiers=TIERS))
    tz = shop.programme().tz
    start = now = datetime(2024, 1, 1, 9, tzinfo=timezone.utc)
    card = members.enroll(shop, name="Anna", at=start, operator="t")["card"]
    receipts: list[str] = []
    for kind, number, amount in sequence:
        try:
            if kind == "purchase":
                at = max(now - timedelta(days=number), start)
                receipts.append(f"R{len(receipts)}")
                points.purchase(shop, card, Decimal(amount), at=at, operator="t", receipt=receipts[-1])
            elif kind == "refund" and receipts:
                refunds.refund(shop, receipts[number % len(receipts)], Decimal(amount), at=now, operator="t")
            elif kind == "review":
                tiers.review(shop, now.astimezone(tz).date())
            elif kind == "wait":
                now += timedelta(days=number)
        except Refused:
            pass
    assert verification.verify(shop).ok
    member = shop.members.get(card)
    today = now.astimezone(tz).date()
    ledger_spend = projection.spend_by_card(shop.ledger.entries(), tz, today, clock.iso(now))
    assert projection.spend_in_window(member["points"], today) == ledger_spend.get(card, Decimal(0))
    changes = member.get("tier_changes", [])
    assert [c[0] for c in changes] == sorted(c[0] for c in changes)
    assert all(a[2] == b[1] for a, b in itertools.pairwise(changes))
    assert not changes or changes[-1][2] == member["tier"]


def test_an_import_of_purchases_out_of_order_moves_the_member_up(loyalty, tmp_path):
    loyalty("program", "set", "tiers", TIERS)
    card = loyalty.enroll("Anna", "--at", "2026-09-01")
    rows = f"card,amount,receipt,at\n{card},400,R1,2026-11-10\n{card},200,R2,2026-10-05\n"
    (tmp_path / "purchases.csv").write_text(rows)
    assert loyalty.json("import", "purchases", str(tmp_path / "purchases.csv"))["imported"] == 2
    assert member(loyalty, card)["tier"] == "Silver"
    loyalty("verify")


def test_the_record_keeps_the_latest_changes_only():
    programme = program.Programme(program.new_settings(tiers=TIERS))
    anna = {"tier": "Bronze"}
    for number in range(tiers.CHANGES_KEPT + 4):
        tiers.move(anna, "Silver" if number % 2 == 0 else "Bronze", f"2026-01-01T00:00:{number:02d}+00:00")
    kept = anna["tier_changes"]
    assert len(kept) == tiers.CHANGES_KEPT
    assert kept[0][0] == "2026-01-01T00:00:04+00:00"
    assert tiers.held_at(programme, anna, "2026-01-01T00:00:04+00:00").name == "Silver"
    assert tiers.held_at(programme, anna, "2026-01-01T00:00:05+00:00").name == "Bronze"
