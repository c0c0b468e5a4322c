"""Paid membership plans through the command line: plans, subscribing and renewing, the
plan's multiplier and discount at the checkout, lapsed plans, `maintain`, reports, verify,
statements and the refusals. The figures are computed by hand in the comments.

The clock stands at 2026-11-22 12:00 UTC (14:00 in Riga). A plan of 12 months bought on
2026-11-01 runs to 2027-10-31.
"""

from __future__ import annotations

from conftest import Loyalty

GOLD = (
    "plan",
    "add",
    "Gold club",
    "--fee",
    "20.00",
    "--months",
    "12",
    "--multiplier",
    "2",
    "--discount",
    "10",
)


def refused(loyalty: Loyalty, *args: str, code: int = 1) -> str:
    """Run a command that must be refused: one line on stderr, exit `code`, nothing written."""
    before = loyalty.snapshot()
    result = loyalty(*args, expect=code)
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ")
    if code == 1:
        assert result.stderr.strip().count("\n") == 0, result.stderr
    assert loyalty.snapshot() == before
    return last


def member_doc(loyalty: Loyalty, card: str) -> dict:
    return loyalty.store().read().members.get(card)


def ledger(loyalty: Loyalty, card: str) -> list:
    return list(loyalty.store().read().ledger.entries(card))


def gold_member(loyalty: Loyalty, *, tiers: str = "Bronze:0:1") -> str:
    """A member enrolled in October who bought the Gold club on 1 November 2026."""
    loyalty("program", "set", "tiers", tiers)
    loyalty(*GOLD)
    card = loyalty.enroll("Anna", "--at", "2026-10-01T09:00")
    loyalty("member", "subscribe", card, "Gold club", "--at", "2026-11-01T10:00")
    return card


# -- plans -----------------------------------------------------------------------------


def test_plans_are_added_listed_and_edited(loyalty):
    added = loyalty.json(*GOLD)
    assert added == {"name": "Gold club", "fee": "20.00", "months": 12, "multiplier": "2", "discount": "10"}
    loyalty("plan", "add", "Summer", "--fee", "5,50", "--months", "3")
    assert loyalty.json("plan", "list")["plans"][1] == {
        "name": "Summer",
        "fee": "5.50",
        "months": 3,
        "multiplier": "1",
        "discount": "0",
    }
    changed = loyalty.json("plan", "edit", "Gold club", "--fee", "25", "--discount", "12.5")
    assert (changed["fee"], changed["discount"], changed["months"]) == ("25.00", "12.5", 12)
    text = loyalty("plan", "list").stdout
    assert "Gold club" in text and "€25.00" in text and "12.5" in text


def test_plan_values_are_validated_and_a_refusal_writes_nothing(loyalty):
    loyalty(*GOLD)
    assert "already exists" in refused(loyalty, *GOLD)
    base = ("plan", "add", "X", "--fee", "1", "--months", "1")
    assert "not an amount of money" in refused(
        loyalty, "plan", "add", "X", "--fee", "ten", "--months", "1", code=2
    )
    assert "1 to 120" in refused(loyalty, "plan", "add", "X", "--fee", "1", "--months", "0", code=2)
    assert "1 to 120" in refused(loyalty, "plan", "add", "X", "--fee", "1", "--months", "121", code=2)
    assert "1 to 120" in refused(loyalty, "plan", "add", "X", "--fee", "1", "--months", "1.5", code=2)
    assert "0 to 100" in refused(loyalty, *base, "--discount", "101", code=2)
    assert "zero or more" in refused(loyalty, *base, "--multiplier", "-2", code=2)
    assert "must be a number" in refused(loyalty, *base, "--multiplier", "two", code=2)
    refused(loyalty, "plan", "add", "X", "--fee", "1", code=2)
    assert "no membership plan named Nope" in refused(loyalty, "plan", "edit", "Nope", "--fee", "2")
    assert "nothing to change" in refused(loyalty, "plan", "edit", "Gold club", code=2)
    assert "1 to 120" in refused(loyalty, "plan", "edit", "Gold club", "--months", "500", code=2)


def test_plan_names_are_one_whatever_the_capitals_as_partners_and_rewards_are(loyalty):
    loyalty(*GOLD)
    assert "already exists" in refused(loyalty, "plan", "add", "GOLD CLUB", "--fee", "5", "--months", "1")
    assert loyalty.json("plan", "edit", "gold club", "--fee", "25")["name"] == "Gold club"
    card = loyalty.enroll("Anna")
    assert loyalty.json("member", "subscribe", card, "gold CLUB")["plan"] == "Gold club"
    assert [p["name"] for p in loyalty.json("plan", "list")["plans"]] == ["Gold club"]
    loyalty("verify")


# -- subscribing -----------------------------------------------------------------------


def test_a_subscription_records_the_fee_as_a_membership_entry_that_earns_nothing(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:500:1.25:3")
    loyalty("plan", "add", "Big", "--fee", "600", "--months", "12")
    card = loyalty.enroll("Anna")
    done = loyalty.json("member", "subscribe", card, "Big")
    assert (done["plan"], done["fee"], done["from"], done["until"], done["renewed"]) == (
        "Big",
        "600.00",
        "2026-11-22",
        "2027-11-21",
        False,
    )
    (entry,) = [e for e in ledger(loyalty, card) if e.kind == "membership"]
    assert (entry.points, entry.lots, entry.amount) == (0, {}, None)
    assert (entry.plan, entry.fee, entry.until) == ("Big", "600.00", "2027-11-21")
    # A fee of 600.00 is above Silver's 500: still no points, no spend, no tier change.
    shown = loyalty.json("member", "show", card)
    assert (shown["balance"], shown["spend_12m"], shown["tier"], shown["purchases"]) == (
        0,
        "0.00",
        "Bronze",
        0,
    )
    assert shown["membership"]["plan"] == "Big" and shown["membership"]["until"] == "2027-11-21"
    loyalty("verify")


def test_a_given_fee_is_recorded_instead_of_the_plans(loyalty):
    card = gold_member(loyalty)
    done = loyalty.json("member", "subscribe", card, "Gold club", "--paid", "15,00")
    assert done["fee"] == "15.00"


def test_subscribing_again_while_it_runs_renews_from_the_end(loyalty):
    card = gold_member(loyalty)
    renewed = loyalty.json("member", "subscribe", card, "Gold club")
    # Bought 2026-11-01, ran to 2027-10-31; renewed on 2026-11-22 it runs another 12 months from 2027-11-01.
    assert (renewed["from"], renewed["until"], renewed["renewed"]) == ("2026-11-01", "2028-10-31", True)
    assert member_doc(loyalty, card)["membership"]["until"] == "2028-10-31"
    assert "Renewed Gold club" in loyalty("member", "subscribe", card, "Gold club").stdout
    assert member_doc(loyalty, card)["membership"]["until"] == "2029-10-31"
    loyalty("verify")


def test_a_month_from_the_31st_ends_on_the_day_before_the_same_date(loyalty):
    loyalty("plan", "add", "Month", "--fee", "3", "--months", "1")
    card = loyalty.enroll("Anna", "--at", "2026-01-01T09:00")
    done = loyalty.json("member", "subscribe", card, "Month", "--at", "2026-01-31T10:00")
    assert done["until"] == "2026-02-27"  # 31 January + 1 month is 28 February


def test_subscribe_refusals_write_nothing(loyalty):
    card = gold_member(loyalty)
    loyalty("plan", "add", "Summer", "--fee", "5", "--months", "3")
    assert "Gold club until 2027-10-31" in refused(loyalty, "member", "subscribe", card, "Summer")
    assert "no membership plan named Nope" in refused(loyalty, "member", "subscribe", card, "Nope")
    refused(loyalty, "member", "subscribe", "999999999999", "Gold club")
    refused(loyalty, "member", "subscribe", card, "Gold club", "--paid", "-5", code=2)
    other = loyalty.enroll("Bob")
    assert "before" in refused(loyalty, "member", "subscribe", other, "Summer", "--at", "2020-01-01T10:00")
    loyalty("member", "block", other, "--reason", "test")
    refused(loyalty, "member", "subscribe", other, "Summer")
    loyalty("member", "close", card, "--reason", "moved away")
    refused(loyalty, "member", "subscribe", card, "Gold club")


# -- at the checkout -------------------------------------------------------------------


def test_a_running_plan_multiplies_the_points_of_a_purchase(loyalty):
    card = gold_member(loyalty, tiers="Bronze:0:1")
    # 12.30, plan discount 10 % = 1.23 -> to_pay 11.07 -> floor(11.07 x 1 x 2) = 22.
    result = loyalty.json("purchase", card, "12.30", "--receipt", "P1")
    assert (result["discount"], result["to_pay"], result["points"]) == ("1.23", "11.07", 22)
    (entry,) = loyalty.store().read().ledger.by_receipt("P1")
    assert (entry.multiplier, entry.discount_percent) == ("2", "10")


def test_the_tiers_multiplier_wins_when_it_is_better(loyalty):
    card = gold_member(loyalty, tiers="Bronze:0:2.5")
    # 10.00 less the plan's 10 % = 9.00 -> floor(9.00 x 2.5) = 22 (the plan's x2 would give 18).
    assert loyalty.json("purchase", card, "10.00")["points"] == 22


def test_the_plans_discount_and_a_tiers_the_better_one_counts(loyalty):
    card = gold_member(loyalty, tiers="Bronze:0:1:3")
    # Tier 3 %, plan 10 %: 10 % of 40.00 = 4.00.
    assert loyalty.json("purchase", card, "40.00")["discount"] == "4.00"
    assert loyalty.json("member", "show", card)["discount_percent"] == "10"
    loyalty("program", "set", "tiers", "Bronze:0:1:15")
    # Tier 15 % beats the plan's 10 %: 6.00 of 40.00; the plan's x2 still doubles: floor(34.00 x 2) = 68.
    result = loyalty.json("purchase", card, "40.00")
    assert (result["discount"], result["points"]) == ("6.00", 68)


def test_with_stacking_the_tier_plan_and_threshold_discounts_add_up(loyalty):
    card = gold_member(loyalty, tiers="Bronze:0:1:3")
    loyalty("program", "set", "discount.threshold", "50")
    loyalty("program", "set", "discount.percent", "5")
    loyalty("program", "set", "discount.stack", "true")
    # 3 + 10 + 5 = 18 % of 100.00 = 18.00 -> to_pay 82.00 -> floor(82.00 x 2) = 164.
    result = loyalty.json("purchase", card, "100.00")
    assert (result["discount_percent"], result["discount"], result["points"]) == ("18", "18.00", 164)
    loyalty("verify")


def test_quote_counts_the_plan_too(loyalty):
    card = gold_member(loyalty)
    quoted = loyalty.json("quote", card, "20.00")
    assert (quoted["discount"], quoted["points"]) == ("2.00", 36)


def test_a_purchase_before_the_plan_started_earns_without_it(loyalty):
    card = gold_member(loyalty)
    # Back-dated to 20 October, before the plan's first day: no discount, x1.
    result = loyalty.json("purchase", card, "10.00", "--at", "2026-10-20T10:00")
    assert (result["discount"], result["points"]) == ("0.00", 10)


# -- lapsed plans ----------------------------------------------------------------------


def lapsed_member(loyalty: Loyalty) -> str:
    """A member whose 12-month plan, bought 2025-11-01, ran to 2026-10-31."""
    loyalty("program", "set", "tiers", "Bronze:0:1")
    loyalty(*GOLD)
    card = loyalty.enroll("Anna", "--at", "2025-10-01T09:00")
    loyalty("member", "subscribe", card, "Gold club", "--at", "2025-11-01T10:00")
    return card


def test_a_lapsed_plan_no_longer_counts_even_before_maintain_ends_it(loyalty):
    card = lapsed_member(loyalty)
    assert member_doc(loyalty, card)["membership"]["until"] == "2026-10-31"  # still on the member
    result = loyalty.json("purchase", card, "10.00")
    assert (result["discount"], result["points"]) == ("0.00", 10)
    shown = loyalty.json("member", "show", card)
    assert shown["membership"] is None and shown["discount_percent"] == "0"
    assert "Membership" not in loyalty("member", "show", card).stdout
    # A new subscription after it lapsed starts afresh today, not after the old end.
    loyalty("plan", "add", "Summer", "--fee", "5", "--months", "3")
    assert (
        loyalty.json("member", "subscribe", card, "Summer", "--at", "2026-11-02T10:00")["from"]
        == "2026-11-02"
    )


def test_maintain_ends_lapsed_memberships_and_counts_them(loyalty):
    card = lapsed_member(loyalty)
    running = gold_member_on(loyalty, "Bob")
    done = loyalty.json("maintain")
    assert done["memberships_ended"] == 1
    assert "membership" not in member_doc(loyalty, card)
    assert member_doc(loyalty, running)["membership"]["plan"] == "Gold club"
    assert loyalty.json("purchase", card, "10.00")["points"] == 10
    assert loyalty.json("purchase", running, "10.00")["points"] == 18
    loyalty("verify")
    assert loyalty.json("maintain")["memberships_ended"] == 0


def test_maintain_says_how_many_memberships_ended(loyalty):
    lapsed_member(loyalty)
    assert "1 membership ended" in loyalty("maintain").stdout


def gold_member_on(loyalty: Loyalty, name: str) -> str:
    card = loyalty.enroll(name, "--at", "2026-10-01T09:00")
    loyalty("member", "subscribe", card, "Gold club", "--at", "2026-11-01T10:00")
    return card


# -- reports, verify, show, statements -------------------------------------------------


def test_report_memberships_gives_fees_and_running_memberships_by_plan(loyalty):
    first = lapsed_member(loyalty)  # Gold, 20.00 on 2025-11-01, lapsed 2026-10-31
    loyalty("plan", "add", "Summer", "--fee", "5.50", "--months", "3")
    second = gold_member_on(loyalty, "Bob")  # Gold, 20.00 on 2026-11-01
    loyalty("member", "subscribe", second, "Gold club", "--paid", "18.00")  # renewal on 2026-11-22
    loyalty("member", "subscribe", first, "Summer", "--at", "2026-11-05T10:00")  # 5.50
    november = loyalty.json("report", "memberships", "--from", "2026-11-01", "--to", "2026-11-30")
    assert november["plans"] == [
        {"plan": "Gold club", "sold": 2, "revenue": "38.00", "active": 1},
        {"plan": "Summer", "sold": 1, "revenue": "5.50", "active": 1},
    ]
    assert november["total"] == {"sold": 3, "revenue": "43.50", "active": 2}
    # A year earlier: the first Gold membership, running then.
    earlier = loyalty.json("report", "memberships", "--from", "2025-11-01", "--to", "2025-11-30")
    assert earlier["plans"][0] == {"plan": "Gold club", "sold": 1, "revenue": "20.00", "active": 1}
    csv = loyalty("report", "memberships", "--from", "2026-11-01", "--to", "2026-11-30", "--csv").stdout
    assert csv.splitlines() == [
        "plan,sold,revenue,active",
        "Gold club,2,38.00,1",
        "Summer,1,5.50,1",
        "total,3,43.50,2",
    ]
    text = loyalty("report", "memberships", "--from", "2026-11-01", "--to", "2026-11-30").stdout
    assert "€38.00" in text and "€43.50" in text


def test_report_expiring_memberships_lists_the_renewals_due(loyalty):
    gold = gold_member(loyalty)  # until 2027-10-31
    loyalty("plan", "add", "Summer", "--fee", "5", "--months", "1")
    bob = loyalty.enroll("Bob", "--at", "2026-10-01T09:00")
    loyalty("member", "subscribe", bob, "Summer", "--at", "2026-11-10T10:00")  # until 2026-12-09
    due = loyalty.json("report", "expiring", "--memberships", "--within", "30")
    assert due["memberships"] == [{"card": bob, "name": "Bob", "plan": "Summer", "until": "2026-12-09"}]
    later = loyalty.json("report", "expiring", "--memberships", "--within", "400")["memberships"]
    assert [row["card"] for row in later] == [bob, gold]
    assert "Summer" in loyalty("report", "expiring", "--memberships").stdout
    # Points expiring are still the default.
    assert "members" in loyalty.json("report", "expiring")


def test_renewals_due_leave_out_members_who_cannot_renew(loyalty):
    loyalty(*GOLD)
    cards = [loyalty.enroll(name, "--at", "2026-10-01T09:00") for name in ("Anna", "Bob", "Cara")]
    for card in cards:
        loyalty("member", "subscribe", card, "Gold club", "--at", "2026-11-01T10:00")
    loyalty("member", "block", cards[1], "--reason", "lost card")
    loyalty("member", "close", cards[2], "--reason", "moved away")
    due = loyalty.json("report", "expiring", "--memberships", "--within", "400")["memberships"]
    assert [row["card"] for row in due] == [cards[0]]
    assert "Bob" not in loyalty("report", "expiring", "--memberships", "--within", "400").stdout


def test_verify_finds_a_membership_that_disagrees_with_the_ledger(loyalty):
    card = gold_member(loyalty)
    loyalty("verify")
    with loyalty.store().transaction() as shop:
        member = shop.members.get(card)
        member["membership"]["until"] = "2030-12-31"
        shop.members.put(member)
    result = loyalty("verify", expect=3)
    assert f"member {card}: holds the membership Gold club until 2030-12-31" in result.stdout + result.stderr


def test_member_show_names_the_membership(loyalty):
    card = gold_member(loyalty)
    text = loyalty("member", "show", card).stdout
    assert "Membership:" in text and "Gold club until 2027-10-31" in text
    shown = loyalty.json("member", "show", card)["membership"]
    assert (shown["plan"], shown["from"], shown["until"], shown["running"]) == (
        "Gold club",
        "2026-11-01",
        "2027-10-31",
        True,
    )


def test_a_statement_shows_the_membership_bought(loyalty):
    card = gold_member(loyalty)
    text = loyalty("statement", card, "--from", "2026-11-01", "--to", "2026-11-30").stdout
    assert "Membership: Gold club until" in text and "fee €20.00" in text
    lines = loyalty.json("statement", card, "--from", "2026-11-01", "--to", "2026-11-30")["entries"]
    assert lines[0]["description"] == "Membership: Gold club until 2027-10-31, fee €20.00"


# -- languages -------------------------------------------------------------------------


def test_a_merge_keeps_the_membership_that_runs_longest(loyalty):
    card = gold_member(loyalty)  # Gold club from 1 November 2026
    twin = loyalty.enroll("Anna B", "--at", "2026-10-01T09:00")
    loyalty("plan", "add", "Short", "--fee", "5", "--months", "1")
    loyalty("member", "subscribe", twin, "Short", "--at", "2026-11-05T10:00")
    # The merged-away record's short plan ends before the kept record's Gold club: kept.
    loyalty("member", "merge", card, twin, "--yes")
    assert loyalty.json("member", "show", card)["membership"]["plan"] == "Gold club"
    assert "membership" not in member_doc(loyalty, twin)
    loyalty("verify")
    # The other way round: the kept record without a plan takes the merged one's.
    third = loyalty.enroll("Anna C", "--at", "2026-10-01T09:00")
    loyalty("member", "merge", third, card, "--yes")
    assert loyalty.json("member", "show", third)["membership"]["plan"] == "Gold club"
    assert loyalty.json("verify")["ok"] is True


def test_subscribing_and_plans_in_latvian(loyalty):
    card = gold_member(loyalty)
    said = loyalty("--lang", "lv", "member", "subscribe", card, "Gold club").stdout
    assert "Atjaunots abonements Gold club" in said and "31.10.2028." in said and "20,00\u00a0€" in said
    listed = loyalty("--lang", "lv", "plan", "list").stdout
    assert "Abonementi" in listed and "Maksa" in listed
    shown = loyalty("--lang", "lv", "member", "show", card).stdout
    assert "Abonements:" in shown
    loyalty("member", "edit", card, "--language", "lv")  # a statement is in the member's language
    statement = loyalty(
        "--lang", "lv", "statement", card, "--from", "2026-11-01", "--to", "2026-11-30"
    ).stdout
    words = " ".join(statement.split())  # the description folds in its column
    assert "Abonements: Gold club līdz" in words and "31.10.2027., maksa 20,00 €" in words


def test_subscribing_and_plans_in_russian(loyalty):
    loyalty(*GOLD)
    card = loyalty.enroll("Anna")
    said = loyalty("--lang", "ru", "member", "subscribe", card, "Gold club").stdout
    assert "абонемент Gold club" in said and "21.11.2027" in said
    listed = loyalty("--lang", "ru", "plan", "list").stdout
    assert "Абонементы" in listed and "Плата" in listed
    ended = loyalty("--lang", "ru", "report", "expiring", "--memberships", "--within", "400").stdout
    assert "Абонементы" in ended
    assert "1 месяц" in loyalty("--lang", "ru", "plan", "add", "Short", "--fee", "1", "--months", "1").stdout
