"""Expiry, tiers, refunds and bonuses: the points lifecycle scenarios."""

from __future__ import annotations

import json


def entries(loyalty, kind=None):
    found = loyalty.store().read().ledger.entries()
    return [e for e in found if kind is None or e.kind == kind]


def member(loyalty, card, *args):
    return loyalty.json("member", "show", card, *args)


def test_unspent_points_expire_at_the_end_of_month_plus_expiry_months(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "100", "--at", "2025-01-15")
    loyalty("redeem", card, "30", "--at", "2025-06-01")
    assert loyalty.json("expire", "--as-of", "2026-01-31")["expired_points"] == 0
    assert member(loyalty, card)["balance"] == 70
    result = loyalty.json("expire", "--as-of", "2026-02-01")
    assert result == {"as_of": "2026-02-01", "expired_points": 70, "members": 1, "dry_run": False}
    assert [e.points for e in entries(loyalty, "expire")] == [-70]
    assert member(loyalty, card)["balance"] == 0
    loyalty("verify")


def test_second_expiry_run_the_same_day_writes_nothing(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "100", "--at", "2025-01-15")
    loyalty("expire", "--as-of", "2026-02-01")
    before = loyalty.snapshot()
    assert loyalty.json("expire", "--as-of", "2026-02-01")["expired_points"] == 0
    assert loyalty.snapshot() == before


def test_expiry_dry_run_writes_nothing(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "100", "--at", "2025-01-15")
    before = loyalty.snapshot()
    assert loyalty.json("expire", "--as-of", "2026-02-01", "--dry-run")["expired_points"] == 100
    assert loyalty.json("expire", "--as-of", "2030-01-01", "--dry-run")["expired_points"] == 100
    assert loyalty.snapshot() == before


def test_a_future_job_day_needs_dry_run(loyalty):
    loyalty("expire", "--as-of", "2030-01-01", expect=2)


def test_a_lot_follows_the_shop_month_not_the_utc_month(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "10", "--at", "2025-02-01T00:30+02:00")
    assert member(loyalty, card)["lots"] == {"2026-02": 10}
    assert loyalty.json("expire", "--as-of", "2026-02-28")["expired_points"] == 0
    assert loyalty.json("expire", "--as-of", "2026-03-01")["expired_points"] == 10


def test_expiry_months_zero_means_points_never_expire(loyalty):
    loyalty("program", "set", "expiry.months", "0")
    card = loyalty.enroll("Anna", "--at", "2020-01-01")
    loyalty("purchase", card, "10", "--at", "2020-01-15")
    assert member(loyalty, card)["lots"] == {"never": 10}
    assert loyalty.json("expire")["expired_points"] == 0


def test_a_purchase_crossing_a_threshold_earns_at_the_old_tier_then_upgrades(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:500:1.25,Gold:1500:1.5")
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    assert loyalty.json("purchase", card, "400", "--at", "2025-01-10")["points"] == 400
    second = loyalty.json("purchase", card, "200", "--at", "2025-01-11")
    assert (second["points"], second["tier"]) == (200, "Silver")
    assert loyalty.json("purchase", card, "100", "--at", "2025-01-12")["points"] == 125
    shown = member(loyalty, card, "--as-of", "2025-01-31")
    assert (shown["next_tier"], shown["spend_to_next_tier"]) == ("Gold", "800.00")


def test_tier_review_downgrades_once_the_purchase_is_twelve_months_old(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:500:1.25,Gold:1500:1.5")
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "600", "--at", "2025-01-10")
    assert loyalty.json("tiers", "review", "--as-of", "2026-01-01")["changes"] == []
    result = loyalty.json("tiers", "review", "--as-of", "2026-02-01")
    assert result["changes"] == [{"card": card, "from": "Silver", "to": "Bronze"}]
    assert member(loyalty, card)["tier"] == "Bronze"


def test_refunded_money_does_not_count_as_spend(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:500:1.25")
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "400", "--receipt", "R1", "--at", "2025-01-10")
    loyalty("refund", "R1", "--amount", "100", "--at", "2025-01-11")
    assert loyalty.json("purchase", card, "150", "--at", "2025-01-12")["tier"] == "Bronze"
    assert member(loyalty, card, "--as-of", "2025-01-31")["spend_12m"] == "450.00"


def _silver_purchase(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:500:1.25")
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "500", "--receipt", "R0", "--at", "2025-01-02")
    assert loyalty.json("purchase", card, "100.00", "--receipt", "R1", "--at", "2025-01-03")["points"] == 125
    return card


def test_refunds_take_points_back_in_proportion_at_the_original_rate(loyalty):
    card = _silver_purchase(loyalty)
    loyalty("program", "set", "earn.rate", "3")
    assert loyalty.json("refund", "R1", "--amount", "40.00")["points_taken"] == 50
    assert loyalty.json("refund", "R1", "--amount", "60,00")["points_taken"] == 75
    result = loyalty("refund", "R1", expect=1)
    assert "already been refunded in full" in result.stderr
    assert member(loyalty, card)["balance"] == 500
    loyalty("verify")


def test_a_refund_never_exceeds_the_purchase(loyalty):
    _silver_purchase(loyalty)
    before = loyalty.snapshot()
    assert "cannot refund €100.01" in loyalty("refund", "R1", "--amount", "100.01", expect=1).stderr
    assert loyalty.snapshot() == before
    loyalty("refund", "NOPE", expect=1)


def test_a_refund_of_spent_points_leaves_a_debt_the_next_purchase_pays(loyalty):
    card = _silver_purchase(loyalty)
    loyalty("redeem", card, "625")
    refund = loyalty.json("refund", "R1")
    assert (refund["points_taken"], refund["balance"]) == (125, -125)
    shown = member(loyalty, card)
    assert (shown["balance"], shown["debt"]) == (-125, 125)
    assert "owes 125 points from a refund" in loyalty("member", "show", card).stdout
    loyalty("redeem", card, "1", expect=1)
    assert loyalty.json("purchase", card, "200")["balance"] == 125
    assert member(loyalty, card)["lots"] == {"2027-11": 125}
    loyalty("verify")


def test_a_refund_gives_back_points_redeemed_under_the_same_receipt(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "100", "--at", "2025-01-10")
    loyalty("purchase", card, "50", "--receipt", "R9", "--at", "2025-03-10")
    loyalty("redeem", card, "80", "--receipt", "R9", "--at", "2025-03-10")
    assert member(loyalty, card, "--as-of", "2025-03-31")["lots"] == {"2026-01": 20, "2026-03": 50}
    result = loyalty.json("refund", "R9", "--at", "2025-03-11")
    assert (result["points_taken"], result["points_returned"]) == (50, 80)
    assert member(loyalty, card, "--as-of", "2025-03-31")["lots"] == {"2026-01": 100}
    loyalty("verify")


def test_welcome_bonus_on_enrolment_expires_like_earned_points(loyalty):
    loyalty("program", "set", "bonus.welcome", "50")
    card = loyalty.enroll("Anna", "--at", "2025-01-05")
    assert member(loyalty, card)["lots"] == {"2026-01": 50}
    assert [e.reason for e in entries(loyalty, "bonus")] == ["welcome"]


def test_referral_bonus_goes_to_the_referrer_at_the_first_purchase_only(loyalty):
    loyalty("program", "set", "bonus.referral", "100")
    referrer = loyalty.enroll("Anna")
    friend = loyalty.enroll("Ilze", "--referred-by", referrer)
    loyalty("purchase", friend, "10")
    loyalty("purchase", friend, "10")
    assert member(loyalty, referrer)["balance"] == 100
    assert [e.reason for e in entries(loyalty, "bonus")] == [f"referral of {friend}"]


def test_leap_day_birthday_counts_on_28_february_once(loyalty):
    loyalty("program", "set", "bonus.birthday", "100")
    card = loyalty.enroll("Anna", "--birthday", "2000-02-29", "--at", "2026-01-01")
    now = "2027-12-31T12:00:00+00:00"
    assert loyalty.json("birthdays", "--as-of", "2027-02-27", now=now)["members"] == 0
    assert loyalty.json("birthdays", "--as-of", "2027-02-28", now=now)["members"] == 1
    assert loyalty.json("birthdays", "--as-of", "2027-03-01", now=now)["members"] == 0
    bonus = entries(loyalty, "bonus")
    assert [(e.card, e.reason, e.at) for e in bonus] == [(card, "birthday 2027", "2027-02-27T22:00:00+00:00")]


def test_daily_birthday_runs_through_a_year_give_each_member_one_bonus(loyalty):
    loyalty("program", "set", "bonus.birthday", "10")
    born = ["1990-01-01", "1985-02-28", "2000-02-29", "1970-07-15", "1999-12-31"]
    now = "2028-01-10T12:00:00+00:00"
    cards = [
        loyalty.enroll(f"M{i}", "--birthday", b, "--at", "2026-12-31", now=now) for i, b in enumerate(born)
    ]
    from datetime import date, timedelta

    day = date(2027, 1, 1)
    while day.year == 2027:
        loyalty("birthdays", "--as-of", day.isoformat(), now=now)
        day += timedelta(days=1)
    given = sorted(e.card for e in entries(loyalty, "bonus"))
    assert given == sorted(cards)


def test_blocked_members_get_no_birthday_bonus(loyalty):
    loyalty("program", "set", "bonus.birthday", "10")
    card = loyalty.enroll("Anna", "--birthday", "1990-03-03", "--at", "2025-01-01")
    loyalty("member", "block", card, now="2026-03-01T12:00:00+00:00")
    assert loyalty.json("birthdays", "--as-of", "2026-03-03")["members"] == 0


def _busy_shop(loyalty):
    loyalty("program", "set", "bonus.birthday", "25")
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:300:1.5")
    for i in range(6):
        birthday = f"1990-{(i % 3) + 9:02d}-{i + 3:02d}"
        card = loyalty.enroll(f"M{i}", "--card", f"100{i}", "--birthday", birthday, "--at", "2025-01-01")
        loyalty("purchase", card, str(100 + 90 * i), "--at", f"2025-{(i % 6) + 3:02d}-10")
    loyalty("maintain", "--as-of", "2026-08-31")


def test_maintain_after_missed_days_writes_the_same_ledger_as_daily_runs(tmp_path):
    from datetime import date, timedelta

    from conftest import Loyalty

    ledgers = []
    for name, daily in (("daily", True), ("catch-up", False)):
        loyalty = Loyalty(tmp_path / name)
        loyalty("init")
        _busy_shop(loyalty)
        if daily:
            day = date(2026, 9, 1)
            for _ in range(40):
                loyalty("maintain", "--as-of", day.isoformat())
                day += timedelta(days=1)
        else:
            result = loyalty.json("maintain", "--as-of", "2026-10-10")
            assert result["days"] == 40
        loyalty("verify")
        ledgers.append([e.to_doc() for e in entries(loyalty)])
        members = loyalty.store().read().members.all()
        tiers = [(m["tier"], m.get("tier_changes"), m["points"]) for m in members]
        ledgers.append(json.dumps(tiers, sort_keys=True))
    assert ledgers[0] == ledgers[2]
    assert ledgers[1] == ledgers[3]
    assert any(e["kind"] == "expire" for e in ledgers[0])
    assert any(e["kind"] == "bonus" for e in ledgers[0])


def test_maintain_twice_for_the_same_day_changes_nothing(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "100", "--at", "2025-01-15")
    loyalty("maintain", "--as-of", "2026-02-01")
    before = loyalty.snapshot()
    assert loyalty.json("maintain", "--as-of", "2026-02-01")["days"] == 0
    assert loyalty.snapshot() == before


def test_the_first_maintain_starts_on_the_day_the_programme_was_created(empty_loyalty):
    empty_loyalty("init", now="2026-11-10T08:00:00+00:00")
    empty_loyalty("program", "set", "bonus.birthday", "25")
    card = empty_loyalty.enroll("Anna", "--birthday", "1990-11-12", "--at", "2026-11-10T09:00")
    result = empty_loyalty.json("maintain")
    assert (result["from"], result["as_of"], result["days"]) == ("2026-11-10", "2026-11-22", 13)
    assert empty_loyalty.json("member", "show", card)["balance"] == 25
