"""Members and the everyday point commands in a cashback programme (money, kept in cents)
and with pending points: member show and list, redeem --amount, adjust and refund."""

from __future__ import annotations

import csv
import io
import json

import pytest

LATER = "2026-12-10T12:00:00+00:00"  # after the return window of a purchase at NOW (2026-11-22)


def cashback(loyalty, percent: str = "3"):
    loyalty("program", "set", "earn.mode", "cashback")
    loyalty("program", "set", "earn.cashback_percent", percent)


def pending(loyalty, days: str = "14"):
    loyalty("program", "set", "earn.pending_days", days)


@pytest.fixture
def anna(loyalty):
    """A cashback programme (3 %) whose member Anna bought for 600.00: €18.00 of cashback."""
    cashback(loyalty)
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "600", "--receipt", "R1")
    return card


def test_member_show_gives_the_cashback_balance_and_lots_as_money(loyalty, anna):
    shown = loyalty("member", "show", anna).stdout
    assert "Balance:" in shown and "€18.00" in shown
    assert "November 2027:\u00a0€18.00" in shown
    assert "€18.00 at the end of 2027-11" in shown
    assert "points" not in shown


def test_member_show_json_gives_cashback_figures_as_money_strings(loyalty, anna):
    document = loyalty.json("member", "show", anna)
    assert document["balance"] == "18.00"
    assert document["lots"] == {"2027-11": "18.00"}
    assert document["spendable"] == "18.00"
    assert document["pending_points"] == "0.00"
    assert document["pending"] == {}
    assert document["debt"] == "0.00"
    assert document["next_expiry"] == {"month": "2027-11", "points": "18.00"}
    assert document["discount_percent"] == "0"
    assert document["spend_12m"] == "600.00"  # the keys of before stay


def test_member_show_json_of_a_points_programme_keeps_whole_points(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "12.30")
    document = loyalty.json("member", "show", card)
    assert (document["balance"], document["lots"], document["spendable"]) == (12, {"2027-11": 12}, 12)
    assert (document["pending_points"], document["pending"], document["debt"]) == (0, {}, 0)


def test_member_list_shows_the_cashback_balance_as_money_in_every_form(loyalty, anna):
    assert "€18.00" in loyalty("member", "list").stdout
    assert loyalty.json("member", "list")[0]["balance"] == "18.00"
    rows = list(csv.DictReader(io.StringIO(loyalty("member", "list", "--csv").stdout)))
    assert rows[0]["balance"] == "18.00"


def test_member_list_of_a_points_programme_keeps_whole_points(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "12.30")
    assert loyalty.json("member", "list")[0]["balance"] == 12


def test_redeem_amount_spends_cashback_in_cents(loyalty, anna):
    done = loyalty.json("redeem", anna, "--amount", "3,45")
    assert (done["points"], done["value"], done["balance"]) == ("3.45", "3.45", "14.55")
    assert loyalty.json("member", "show", anna)["balance"] == "14.55"
    line = loyalty("redeem", anna, "--amount", "0.55").stdout
    assert line == f"{anna}: -€0.55 cashback spent; balance €14.00\n"


def test_redeem_points_in_a_cashback_programme_is_refused_pointing_to_amount(loyalty, anna):
    before = loyalty.snapshot()
    result = loyalty("redeem", anna, "345", expect=2)
    assert "--amount" in result.stderr and result.stderr.count("\n") == 1
    assert loyalty.snapshot() == before


def test_redeem_more_cashback_than_held_is_refused_in_money_and_writes_nothing(loyalty, anna):
    before = loyalty.snapshot()
    result = loyalty("redeem", anna, "--amount", "18.01", expect=1)
    assert result.stderr == f"Error: member {anna} holds €18.00 of cashback; cannot redeem €18.01\n"
    assert loyalty.snapshot() == before


@pytest.mark.parametrize("given", [[], ["5", "--amount", "1"]])
def test_redeem_takes_exactly_one_of_points_and_amount(loyalty, given):
    card = loyalty.enroll()
    loyalty("purchase", card, "20")
    before = loyalty.snapshot()
    result = loyalty("redeem", card, *given, expect=2)
    assert "give POINTS or --amount" in result.stderr
    assert loyalty.snapshot() == before


def test_redeem_amount_in_a_points_programme_spends_the_points_it_is_worth(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "20")
    done = loyalty.json("redeem", card, "--amount", "0.15")  # redeem.value 0.01
    assert (done["points"], done["value"], done["balance"]) == (15, "0.15", 5)


def test_redeem_amount_that_is_no_whole_number_of_points_is_refused_and_writes_nothing(loyalty):
    loyalty("program", "set", "redeem.value", "0.02")
    card = loyalty.enroll()
    loyalty("purchase", card, "20")
    before = loyalty.snapshot()
    result = loyalty("redeem", card, "--amount", "0.05", expect=2)
    assert result.stderr == "Error: €0.05 is not a whole number of points at 0.02 each (redeem.value)\n"
    assert loyalty.snapshot() == before


def test_adjust_in_a_cashback_programme_takes_and_answers_money(loyalty, anna):
    assert loyalty("adjust", anna, "2,50", "--reason", "apology").stdout == (
        f"{anna}: +€2.50 cashback (apology); balance €20.50\n"
    )
    done = loyalty.json("adjust", anna, "-0.50", "--reason", "slip")
    assert (done["points"], done["balance"]) == ("-0.50", "20.00")


def test_adjust_of_a_points_programme_still_refuses_a_non_integer(loyalty):
    card = loyalty.enroll()
    result = loyalty("adjust", card, "2.5", "--reason", "x", expect=2)
    assert "Invalid value for 'POINTS': '2.5' is not a whole number" in result.stderr


def test_refund_in_a_cashback_programme_answers_in_money(loyalty, anna):
    line = loyalty("refund", "R1", "--amount", "100").stdout
    assert line == f"{anna}: refunded €100.00 of receipt R1, -€3.00 cashback; balance €15.00\n"
    done = loyalty.json("refund", "R1", "--amount", "100")
    assert (done["points"], done["points_taken"], done["points_returned"], done["balance"]) == (
        "-3.00",
        "3.00",
        "0.00",
        "12.00",
    )


def test_refund_of_a_receipt_paid_with_cashback_gives_it_back_as_paid_with_cashback(loyalty, anna):
    loyalty("purchase", anna, "10", "--pay-amount", "4", "--receipt", "R2")  # earns 3 % of 6.00
    line = loyalty("refund", "R2").stdout
    assert line == (
        f"{anna}: refunded €6.00 of receipt R2, -€0.18 cashback, +€4.00 given back (paid with cashback); "
        "balance €18.00\n"
    )


def test_refund_of_a_receipt_paid_with_points_says_paid_with_points(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "100", "--receipt", "R1")
    loyalty("purchase", card, "10", "--pay-points", "40", "--receipt", "R2")
    line = loyalty("refund", "R2").stdout
    assert "+40 points given back (paid with points)" in line
    assert "redeemed" not in line


def test_refund_of_points_redeemed_under_the_receipt_still_says_redeemed(loyalty):
    card = loyalty.enroll()
    loyalty("purchase", card, "100", "--receipt", "R1")
    loyalty("purchase", card, "10", "--receipt", "R2")
    loyalty("redeem", card, "50", "--receipt", "R2")
    assert "+50 redeemed points given back" in loyalty("refund", "R2").stdout


def test_member_show_keeps_pending_points_apart_with_the_day_they_become_spendable(loyalty):
    pending(loyalty)
    card = loyalty.enroll()
    loyalty("purchase", card, "100", "--receipt", "R1")
    loyalty("adjust", card, "30", "--reason", "welcome")
    shown = loyalty("member", "show", card).stdout
    assert "Balance:              130 points" in shown
    assert "Pending points:       100 points from 2026-12-07" in shown
    assert "Can spend:            30 points" in shown
    document = loyalty.json("member", "show", card)
    assert (document["balance"], document["pending_points"], document["spendable"]) == (130, 100, 30)
    assert document["pending"] == {"2026-12-07": 100}


def test_member_show_counts_due_pending_points_as_confirmed_before_maintain(loyalty):
    pending(loyalty)
    card = loyalty.enroll()
    loyalty("purchase", card, "100", "--receipt", "R1")
    shown = loyalty("member", "show", card, now=LATER).stdout
    assert "Pending" not in shown and "Can spend" not in shown
    assert "November 2027:\u00a0100" in shown
    document = loyalty.json("member", "show", card, now=LATER)
    assert (document["pending_points"], document["spendable"], document["lots"]) == (0, 100, {"2027-11": 100})
    assert document["next_expiry"] == {"month": "2027-11", "points": 100}


def test_member_show_as_of_a_day_in_the_window_shows_the_points_pending_then(loyalty):
    pending(loyalty)
    card = loyalty.enroll()
    loyalty("purchase", card, "100", "--receipt", "R1")
    document = loyalty.json("member", "show", card, "--as-of", "2026-12-06", now=LATER)
    assert document["pending"] == {"2026-12-07": 100}
    assert loyalty.json("member", "show", card, "--as-of", "2026-12-07", now=LATER)["pending"] == {}


def test_pending_points_are_refused_for_redemption_and_nothing_is_written(loyalty):
    pending(loyalty)
    card = loyalty.enroll()
    loyalty("purchase", card, "100", "--receipt", "R1")
    loyalty("adjust", card, "30", "--reason", "welcome")
    before = loyalty.snapshot()
    result = loyalty("redeem", card, "50", expect=1)
    assert "can spend 30 points (100 more are pending); cannot redeem 50" in result.stderr
    assert loyalty.snapshot() == before
    assert loyalty.json("redeem", card, "50", now=LATER)["balance"] == 80


def test_removing_pending_points_by_adjustment_is_refused_speaking_of_them(loyalty):
    pending(loyalty)
    card = loyalty.enroll()
    loyalty("purchase", card, "100", "--receipt", "R1")
    before = loyalty.snapshot()
    result = loyalty("adjust", card, "-10", "--reason", "slip", expect=1)
    assert "can spend 0 points (100 more are pending); cannot remove 10" in result.stderr
    assert loyalty.snapshot() == before


def test_pending_cashback_is_shown_apart_as_money_and_refused_for_redemption(loyalty):
    cashback(loyalty)
    pending(loyalty)
    card = loyalty.enroll()
    loyalty("purchase", card, "600", "--receipt", "R1")
    shown = loyalty("member", "show", card).stdout
    assert "Pending cashback:     €18.00 from 2026-12-07" in shown
    assert "Can spend:            €0.00" in shown
    result = loyalty("redeem", card, "--amount", "1", expect=1)
    assert "can spend €0.00 of cashback (€18.00 more is pending); cannot redeem €1.00" in result.stderr
    assert loyalty.json("redeem", card, "--amount", "1", now=LATER)["balance"] == "17.00"


def test_member_show_gives_the_tier_discount_and_the_threshold_discount(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1:0,Silver:500:1.25:3")
    loyalty("program", "set", "discount.threshold", "50")
    loyalty("program", "set", "discount.percent", "5")
    card = loyalty.enroll()
    loyalty("purchase", card, "600")
    shown = loyalty("member", "show", card).stdout
    assert "Discount:             3 %, or 5 % on receipts from €50.00 if that is more" in shown
    assert loyalty.json("member", "show", card)["discount_percent"] == "3"


def test_member_show_of_a_programme_without_discounts_has_no_discount_line(loyalty):
    card = loyalty.enroll()
    assert "Discount" not in loyalty("member", "show", card).stdout


def test_replace_card_and_merge_give_the_cashback_balance_as_money(loyalty, anna):
    line = loyalty("member", "replace-card", anna, "--card", "4000123412341234").stdout
    assert line.endswith("balance €18.00\n")
    other = loyalty.enroll("Anna again")
    loyalty("adjust", other, "1", "--reason", "paper card")
    done = loyalty.json("member", "merge", "4000123412341234", other, "--yes")
    assert (done["balance"], done["points_moved"]) == ("19.00", "1.00")


def test_member_export_gives_the_cashback_balance_as_money(loyalty, anna):
    document = json.loads(loyalty("member", "export", anna).stdout)
    assert document["cashback"] == {"currency": "EUR", "balance": "18.00"}
    assert document["member"]["points"]["balance"] == 1800  # the ledger keeps cents


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("lv", ("Gaidošie punkti", "100 punktu no 7.12.2026.")),
        ("ru", ("Ожидающие баллы", "100 баллов с 07.12.2026")),
    ],
)
def test_member_show_speaks_of_pending_points_in_the_operators_language(loyalty, code, words):
    pending(loyalty)
    card = loyalty.enroll()
    loyalty("purchase", card, "100", "--receipt", "R1")
    shown = loyalty("--lang", code, "member", "show", card).stdout
    for word in words:
        assert word in shown


@pytest.mark.parametrize(
    ("code", "spent", "refunded"),
    [
        ("lv", "izmantota naudas atmaksa -3,45\u00a0€; atlikums 14,55\u00a0€", "naudas atmaksa -3,00\u00a0€"),
        ("ru", "списан кэшбэк -3,45\u00a0€; баланс 14,55\u00a0€", "кэшбэк -3,00\u00a0€"),
    ],
)
def test_redeem_and_refund_of_cashback_answer_in_the_operators_language(loyalty, anna, code, spent, refunded):
    assert spent in loyalty("--lang", code, "redeem", anna, "--amount", "3,45").stdout
    assert refunded in loyalty("--lang", code, "refund", "R1", "--amount", "100").stdout


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("lv", "+40 punktu atdots atpakaļ (samaksāts ar punktiem)"),
        ("ru", "+40 баллов возвращено (оплачено баллами)"),
    ],
)
def test_refund_says_paid_with_points_in_the_operators_language(loyalty, code, words):
    card = loyalty.enroll()
    loyalty("purchase", card, "100", "--receipt", "R1")
    loyalty("purchase", card, "10", "--pay-points", "40", "--receipt", "R2")
    assert words in loyalty("--lang", code, "refund", "R2").stdout


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("lv", "var izmantot 30 punktu (100 vēl ir gaidošie); nevar izmantot 50"),
        ("ru", "может потратить 30 баллов (ещё 100 ожидают подтверждения); нельзя списать 50"),
    ],
)
def test_pending_points_refusal_speaks_the_operators_language(loyalty, code, words):
    pending(loyalty)
    card = loyalty.enroll()
    loyalty("purchase", card, "100", "--receipt", "R1")
    loyalty("adjust", card, "30", "--reason", "welcome")
    assert words in loyalty("--lang", code, "redeem", card, "50", expect=1).stderr


@pytest.mark.parametrize(
    ("code", "words"), [("lv", ("Atlaide", "Gaidošā naudas atmaksa")), ("ru", ("Скидка", "Ожидающий кэшбэк"))]
)
def test_member_show_of_cashback_and_discount_speaks_the_operators_language(loyalty, code, words):
    loyalty("program", "set", "discount.threshold", "50")
    loyalty("program", "set", "discount.percent", "5")
    cashback(loyalty)
    pending(loyalty)
    card = loyalty.enroll()
    loyalty("purchase", card, "600")
    shown = loyalty("--lang", code, "member", "show", card).stdout
    for word in words:
        assert word in shown
