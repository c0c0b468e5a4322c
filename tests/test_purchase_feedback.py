"""What the till sees after a purchase, and the guard against a mistyped amount."""

from __future__ import annotations


def test_purchase_names_the_member(loyalty):
    card = loyalty.enroll("Anna Bērziņa")
    assert loyalty.json("purchase", card, "12.30")["name"] == "Anna Bērziņa"
    assert loyalty("purchase", card, "5").stdout.startswith(f"Anna Bērziņa ({card}): +5 points")


def test_purchase_names_the_tier_it_reached(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:100:1.5")
    card = loyalty.enroll()
    first = loyalty.json("purchase", card, "60")
    assert (first["tier"], first["tier_change"]) == ("Bronze", None)
    second = loyalty.json("purchase", card, "50")
    assert second["tier_change"] == {"from": "Bronze", "to": "Silver"}
    assert second["tier"] == "Silver"


def test_purchase_text_names_the_new_tier(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:100:1.5")
    card = loyalty.enroll()
    assert "New tier: Silver (was Bronze)" in loyalty("purchase", card, "150").stdout


def test_purchase_names_the_referral_bonus_it_caused(loyalty):
    loyalty("program", "set", "bonus.referral", "50")
    referrer = loyalty.enroll("Jānis Kalniņš")
    card = loyalty.enroll("Anna Bērziņa", "--referred-by", referrer)
    first = loyalty.json("purchase", card, "10")
    assert first["bonuses"] == [{"card": referrer, "points": 50, "reason": f"referral of {card}"}]
    assert loyalty.json("purchase", card, "10")["bonuses"] == []


def test_purchase_text_names_the_referral_bonus(loyalty):
    loyalty("program", "set", "bonus.referral", "50")
    referrer = loyalty.enroll("Jānis Kalniņš")
    card = loyalty.enroll("Anna Bērziņa", "--referred-by", referrer)
    assert f"Bonus: +50 points to Jānis Kalniņš ({referrer})" in loyalty("purchase", card, "10").stdout


def test_purchase_above_max_amount_is_refused_and_writes_nothing(loyalty):
    loyalty("program", "set", "purchase.max_amount", "500")
    card = loyalty.enroll()
    before = loyalty.snapshot()
    result = loyalty("purchase", card, "1230", expect=1)
    assert "--confirm" in result.stderr and "500.00" in result.stderr
    assert result.stderr.count("\n") == 1
    assert loyalty.snapshot() == before


def test_purchase_above_max_amount_is_recorded_with_confirm(loyalty):
    loyalty("program", "set", "purchase.max_amount", "500")
    card = loyalty.enroll()
    assert loyalty.json("purchase", card, "1230", "--confirm")["points"] == 1230
    assert loyalty.json("purchase", card, "500")["points"] == 500


def test_an_empty_max_amount_means_no_limit(loyalty):
    loyalty("program", "set", "purchase.max_amount", "500")
    loyalty("program", "set", "purchase.max_amount", "")
    card = loyalty.enroll()
    assert loyalty.json("purchase", card, "99999")["points"] == 99999
    assert loyalty.json("program", "show")["purchase.max_amount"] == ""


def test_a_duplicate_receipt_names_when_it_was_recorded_in_shop_time(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "12.30", "--receipt", "R1", "--at", "2026-11-20T22:30:00+00:00")
    result = loyalty("purchase", card, "12.30", "--receipt", "R1", expect=1)
    assert "on 2026-11-21 00:30" in result.stderr
