"""Purchases, redemptions and adjustments through the command line."""

from __future__ import annotations

from loyalty_cli.cards import is_luhn_valid


def test_enroll_prints_a_luhn_valid_card(loyalty):
    card = loyalty.enroll("Anna Berzina", "--phone", "29123456")
    assert len(card) == 12 and is_luhn_valid(card)


def test_purchase_earns_floor_of_amount_times_rate(loyalty):
    card = loyalty.enroll("Anna Berzina", "--phone", "29123456")
    result = loyalty.json("purchase", card, "12,30", "--receipt", "R1")
    assert {k: result[k] for k in ("card", "receipt", "amount", "points", "balance", "tier")} == {
        "card": card,
        "receipt": "R1",
        "amount": "12.30",
        "points": 12,
        "balance": 12,
        "tier": None,
    }


def test_purchase_finds_the_member_by_phone(loyalty):
    card = loyalty.enroll("Anna Berzina", "--phone", "29123456")
    assert loyalty.json("purchase", "+371 2912 3456", "5")["card"] == card


def test_same_receipt_twice_is_refused_and_writes_nothing(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "12.30", "--receipt", "R1")
    before = loyalty.snapshot()
    result = loyalty("purchase", card, "12.30", "--receipt", "R1", expect=1)
    assert "receipt R1 is already recorded" in result.stderr
    assert result.stderr.count("\n") == 1
    assert loyalty.snapshot() == before


def test_redeem_more_than_balance_is_refused_and_writes_nothing(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "12,30", "--receipt", "R1")
    before = loyalty.snapshot()
    result = loyalty("redeem", card, "13", expect=1)
    assert "holds 12 points" in result.stderr
    assert loyalty.snapshot() == before


def test_redeem_leaves_the_rest(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "12,30", "--receipt", "R1")
    assert loyalty.json("redeem", card, "5")["balance"] == 7
    assert loyalty.json("member", "show", card)["balance"] == 7


def test_redeem_spends_oldest_lot_first(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "10", "--at", "2025-01-15")
    loyalty("purchase", card, "20", "--at", "2025-03-15")
    loyalty("redeem", card, "15")
    assert loyalty.json("member", "show", card)["lots"] == {"2026-03": 15}


def test_unknown_member_is_refused(loyalty):
    result = loyalty("purchase", "999999999999", "10", expect=1)
    assert "no member with card or phone" in result.stderr


def test_malformed_amount_is_a_usage_error(loyalty):
    card = loyalty.enroll()
    before = loyalty.snapshot()
    for amount in ("abc", "-5", "0", "1.234", "NaN", "1e9999"):
        loyalty("purchase", card, amount, expect=2)
    assert loyalty.snapshot() == before


def test_adjust_needs_a_reason(loyalty):
    card = loyalty.enroll()
    loyalty("adjust", card, "10", expect=2)
    assert loyalty.json("adjust", card, "10", "--reason", "welcome gift")["balance"] == 10
    assert loyalty.json("adjust", card, "-4", "--reason", "correction")["balance"] == 6
    loyalty("adjust", card, "-7", "--reason", "too much", expect=1)


def test_blocked_member_cannot_earn_or_redeem(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "50")
    loyalty("member", "block", card, "--reason", "card reported stolen")
    assert "blocked" in loyalty("purchase", card, "10", expect=1).stderr
    loyalty("redeem", card, "10", expect=1)
    loyalty("member", "unblock", card)
    loyalty("redeem", card, "10")


def test_at_in_the_future_is_refused(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "10", "--at", "2030-01-01", expect=2)


def test_every_entry_records_the_operator(loyalty):

    card = loyalty.enroll()
    loyalty("purchase", card, "10")
    entries = list(loyalty.store().read().ledger.entries())
    assert [e.operator for e in entries] == ["tester"]


def test_init_sample_loads_the_demo_shop_through_the_import(empty_loyalty):
    result = empty_loyalty.json("init", "--sample")
    assert result["imported"] == {"members": 50, "purchases": 499}
    members = empty_loyalty.json("member", "list")
    assert len(members) == 50
    assert sum(m["balance"] for m in members) > 0
    empty_loyalty("verify")


def test_member_show_gives_times_in_shop_time_for_people_and_iso_in_json(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-11-01T22:39:00+00:00")
    loyalty("purchase", card, "5", "--at", "2026-11-20T08:15:00+00:00")
    text = loyalty("member", "show", card).stdout
    assert "Enrolled:" in text and "2026-11-02 00:39" in text
    assert "2026-11-20 10:15" in text
    shown = loyalty.json("member", "show", card)
    assert shown["enrolled_at"] == "2026-11-01T22:39:00+00:00"
