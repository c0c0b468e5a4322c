"""The rewards catalogue: reward add/list/edit/restock/remove, redeem --reward, the member's
rewards within reach, report rewards and the stock check of verify."""

from __future__ import annotations

import pytest


@pytest.fixture
def shop(loyalty):
    """Bronze and Silver tiers; Coffee (150 points, no limit) and Cake (400 points, 2 in stock)."""
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:500:1.25")
    loyalty("reward", "add", "Coffee", "--points", "150")
    loyalty("reward", "add", "Cake", "--points", "400", "--stock", "2")
    return loyalty


def member_with(loyalty, amount: str) -> str:
    """A new member who bought for `amount` (one point a euro below Silver)."""
    card = loyalty.enroll("Anna", "--at", "2026-11-01")
    loyalty("purchase", card, amount, "--confirm", "--at", "2026-11-02")
    return card


def ledger(loyalty) -> list:
    return list(loyalty.store().read().ledger.entries())


def test_reward_list_shows_the_catalogue_cheapest_first(shop):
    listed = shop.json("reward", "list")["rewards"]
    assert [(r["name"], r["points"], r["stock"]) for r in listed] == [("Coffee", 150, None), ("Cake", 400, 2)]


def test_redeem_reward_spends_its_points_and_names_it_on_the_entry(shop):
    card = member_with(shop, "300")
    answer = shop.json("redeem", card, "--reward", "coffee")
    assert answer["reward"] == "Coffee" and answer["points"] == 150 and answer["balance"] == 150
    entry = ledger(shop)[-1]
    assert (entry.kind, entry.points, entry.reward) == ("redeem", -150, "Coffee")


def test_reward_redeemed_to_zero_stock_then_the_next_is_refused_with_nothing_written(shop):
    card = member_with(shop, "1300")
    assert shop.json("redeem", card, "--reward", "Cake")["stock"] == 1
    assert shop.json("redeem", card, "--reward", "Cake")["stock"] == 0
    before = shop.snapshot()
    result = shop("redeem", card, "--reward", "Cake", expect=1)
    assert result.stderr.strip() == "Error: reward Cake is out of stock"
    assert shop.snapshot() == before


def test_reward_with_too_few_points_is_refused_with_nothing_written(shop):
    card = member_with(shop, "100")
    before = shop.snapshot()
    result = shop("redeem", card, "--reward", "Coffee", expect=1)
    assert "holds 100 points; cannot redeem 150" in result.stderr
    assert shop.snapshot() == before
    assert shop.json("reward", "list")["rewards"][0]["stock"] is None


def test_reward_before_its_first_day_is_refused(shop):
    shop("reward", "add", "Hamper", "--points", "100", "--from", "2026-12-01", "--to", "2026-12-24")
    card = member_with(shop, "300")
    before = shop.snapshot()
    result = shop("redeem", card, "--reward", "Hamper", expect=1)
    assert "reward Hamper can be taken from 2026-12-01" in result.stderr
    assert shop.snapshot() == before


def test_reward_validity_is_the_shop_local_day_of_at(shop):
    shop("reward", "add", "Hamper", "--points", "100", "--from", "2026-12-01")
    card = member_with(shop, "300")
    # 22:30 UTC on 30 November is already 1 December in Riga.
    now = "2026-12-02T12:00:00+00:00"
    shop("redeem", card, "--reward", "Hamper", "--at", "2026-11-30T21:30:00Z", now=now, expect=1)
    shop("redeem", card, "--reward", "Hamper", "--at", "2026-11-30T22:30:00Z", now=now)


def test_reward_after_its_last_day_is_refused(shop):
    shop("reward", "add", "Pumpkin pie", "--points", "100", "--to", "2026-11-21")
    card = member_with(shop, "300")
    result = shop("redeem", card, "--reward", "pumpkin pie", expect=1)
    assert "reward Pumpkin pie could be taken until 2026-11-21" in result.stderr


def test_reward_for_a_higher_tier_is_refused_to_a_lower_one(shop):
    shop("reward", "add", "Gift box", "--points", "200", "--min-tier", "silver")
    bronze = member_with(shop, "300")
    before = shop.snapshot()
    result = shop("redeem", bronze, "--reward", "Gift box", expect=1)
    assert "reward Gift box is for tier Silver and higher; member" in result.stderr
    assert shop.snapshot() == before
    silver = shop.enroll("Jānis", "--phone", "29999999")
    shop("purchase", silver, "600", "--confirm")
    shop("redeem", silver, "--reward", "Gift box")


def test_reward_names_are_unique_whatever_the_capitals(shop):
    before = shop.snapshot()
    result = shop("reward", "add", "COFFEE", "--points", "10", expect=1)
    assert "there is already a reward named 'COFFEE'" in result.stderr
    assert shop.snapshot() == before


@pytest.mark.parametrize(
    "options, message",
    [
        (["--min-tier", "Gold"], "--min-tier 'Gold' is not a tier of the programme"),
        (["--from", "2026-12-24", "--to", "2026-12-01"], "first day (2026-12-24) is after its last"),
        (["--stock", "-1"], "the stock must be a whole number from 0"),
    ],
)
def test_reward_add_refuses_what_cannot_be(shop, options, message):
    before = shop.snapshot()
    result = shop("reward", "add", "Tea", "--points", "50", *options, expect=2)
    assert message in result.stderr
    assert shop.snapshot() == before


def test_reward_name_with_a_control_character_is_refused(shop):
    shop("reward", "add", "Tea\x1b[2J", "--points", "50", expect=2)


def test_reward_edit_changes_points_and_clears_limits(shop):
    shop("reward", "edit", "Cake", "--points", "450", "--stock", "none", "--to", "2026-12-31")
    cake = shop.json("reward", "list")["rewards"][1]
    assert (cake["points"], cake["stock"], cake["to"]) == (450, None, "2026-12-31")
    shop("reward", "edit", "Cake", "--to", "none")
    assert shop.json("reward", "list")["rewards"][1]["to"] is None


def test_removed_reward_leaves_the_catalogue_but_its_redemptions_keep_its_name(shop):
    card = member_with(shop, "500")
    shop("redeem", card, "--reward", "Cake")
    shop("reward", "remove", "cake")
    assert [r["name"] for r in shop.json("reward", "list")["rewards"]] == ["Coffee"]
    assert "Reward: Cake" in shop("statement", card).stdout
    shop("redeem", card, "--reward", "Cake", expect=1)
    assert shop.json("verify")["ok"] is True


def test_member_show_lists_the_rewards_within_reach(shop):
    shop("reward", "add", "Gift box", "--points", "200", "--min-tier", "Silver")
    shop("reward", "add", "Hamper", "--points", "100", "--from", "2026-12-01")
    card = member_with(shop, "420")
    assert shop.json("member", "show", card)["rewards"] == [
        {"name": "Coffee", "points": 150},
        {"name": "Cake", "points": 400},
    ]
    assert (
        "Rewards within reach: Coffee (150 points), Cake (400 points)" in shop("member", "show", card).stdout
    )


def test_member_show_leaves_out_a_reward_out_of_stock(shop):
    shop("reward", "edit", "Cake", "--stock", "0")
    card = member_with(shop, "420")
    assert [r["name"] for r in shop.json("member", "show", card)["rewards"]] == ["Coffee"]


def test_report_rewards_counts_redemptions_and_points_in_the_period(shop):
    card = member_with(shop, "1300")
    shop("redeem", card, "--reward", "Coffee", "--at", "2026-11-10T10:00:00Z")
    shop("redeem", card, "--reward", "Cake", "--at", "2026-11-20T10:00:00Z")
    shop("redeem", card, "--reward", "Coffee", "--at", "2026-11-21T10:00:00Z")
    rows = shop.json("report", "rewards", "--from", "2026-11-15", "--to", "2026-11-22")["rewards"]
    assert rows == [
        {"reward": "Cake", "redemptions": 1, "points": 400, "stock": 1, "removed": False},
        {"reward": "Coffee", "redemptions": 1, "points": 150, "stock": None, "removed": False},
    ]
    csv = shop("report", "rewards", "--csv").stdout.splitlines()
    assert csv == ["reward,redemptions,points,stock,removed", "Cake,1,400,1,false", "Coffee,2,300,,false"]


def test_verify_catches_a_stock_edited_by_hand(shop):
    card = member_with(shop, "500")
    shop("redeem", card, "--reward", "Cake")
    assert shop.json("verify")["ok"] is True
    with shop.store().transaction() as stored:  # a change no command makes
        record = stored.rewards.get("Cake")
        record["stock"] = 5
        stored.rewards.put(record)
    result = shop("verify", expect=3)
    assert "reward 'Cake': the stock is 5; 2 added less 1 redemption is 1" in result.stdout


def test_restock_and_a_new_stock_keep_the_stock_check_whole(shop):
    card = member_with(shop, "1300")
    shop("redeem", card, "--reward", "Cake")
    shop("reward", "restock", "Cake", "3")
    shop("redeem", card, "--reward", "Cake")
    shop("reward", "edit", "Cake", "--stock", "10")
    assert shop.json("reward", "list")["rewards"][1]["stock"] == 10
    assert shop.json("verify")["ok"] is True


def test_refund_gives_a_rewards_points_back_but_not_its_stock(shop):
    card = shop.enroll("Anna")
    shop("purchase", card, "450", "--receipt", "R1", "--confirm")
    shop("redeem", card, "--reward", "Cake", "--receipt", "R1")
    refund = shop.json("refund", "R1")
    assert refund["points_returned"] == 400
    assert shop.json("reward", "list")["rewards"][1]["stock"] == 1
    assert shop.json("verify")["ok"] is True


def test_redeem_reward_takes_no_points_or_reason(shop):
    card = member_with(shop, "300")
    result = shop("redeem", card, "100", "--reward", "Coffee", expect=2)
    assert "--reward takes the reward's points" in result.stderr


def test_reward_price_below_the_smallest_redemption_can_still_be_taken(shop):
    shop("program", "set", "redeem.min_points", "500")
    card = member_with(shop, "300")
    shop("redeem", card, "--reward", "Coffee")


def test_the_demo_shop_has_coffee_and_cake(sample):
    rewards = sample.json("reward", "list")["rewards"]
    assert [(r["name"], r["points"], r["stock"]) for r in rewards] == [
        ("Coffee", 150, None),
        ("Cake", 400, 20),
    ]


def test_reward_list_and_redeem_in_latvian(shop):
    card = member_with(shop, "300")
    answer = shop("--lang", "lv", "redeem", card, "--reward", "Coffee").stdout
    assert answer.strip() == f"{card}: Coffee — 150 punktu; atlikums 150"
    listed = shop("--lang", "lv", "reward", "list").stdout
    assert "Dāvana" in listed and "bez ierobežojuma" in listed


def test_out_of_stock_and_member_show_in_russian(shop):
    shop("reward", "edit", "Cake", "--stock", "0")
    card = member_with(shop, "300")
    refused = shop("--lang", "ru", "redeem", card, "--reward", "Cake", expect=1)
    assert "подарка" not in refused.stderr and "Cake" in refused.stderr and "закончил" in refused.stderr
    shown = shop("--lang", "ru", "member", "show", card).stdout
    assert "Coffee (150 баллов)" in shown


def test_pending_points_cannot_pay_for_a_reward(shop):
    shop("program", "set", "earn.pending_days", "14")
    card = shop.enroll("Anna")
    shop("purchase", card, "300")
    before = shop.snapshot()
    result = shop("redeem", card, "--reward", "Coffee", expect=1)
    assert "can spend 0 points (300 more are pending)" in result.stderr
    assert shop.snapshot() == before
    assert shop.json("member", "show", card)["rewards"] == []


def test_a_blocked_member_has_no_rewards_within_reach(shop):
    card = member_with(shop, "300")
    shop("member", "block", card, "--reason", "lost card")
    assert shop.json("member", "show", card)["rewards"] == []
    shop("redeem", card, "--reward", "Coffee", expect=1)


def test_a_reward_taken_at_a_partner_shop_names_both(shop):
    shop("partner", "add", "Kafejnīca Pie Tilta")
    card = member_with(shop, "300")
    shop("redeem", card, "--reward", "Coffee", "--partner", "Kafejnīca Pie Tilta")
    entry = ledger(shop)[-1]
    assert (entry.reward, entry.partner, entry.points) == ("Coffee", "Kafejnīca Pie Tilta", -150)


def test_a_reward_taken_at_a_partner_shop_says_where_in_its_answer_and_the_statement(shop):
    shop("partner", "add", "Café")
    card = member_with(shop, "450")
    answer = shop.json("redeem", card, "--reward", "Coffee", "--partner", "café")
    assert answer["partner"] == "Café"
    said = shop("redeem", card, "--reward", "Coffee", "--partner", "Café").stdout
    assert "At partner shop Café" in said
    assert "Reward at Café: Coffee" in shop("statement", card).stdout
    descriptions = [e["description"] for e in shop.json("statement", card)["entries"]]
    assert descriptions[-2:] == ["Reward at Café: Coffee"] * 2
    shop("member", "edit", card, "--language", "lv")
    assert "Dāvana partnera veikalā Café: Coffee" in shop("statement", card, "--format", "html").stdout
    shop("member", "edit", card, "--language", "ru")
    assert "Награда в магазине-партнёре Café: Coffee" in shop("statement", card, "--format", "html").stdout
