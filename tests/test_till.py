"""`loyalty till`: a cashier's session, scripted through piped input, checked against the ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty_cli import checkout
from loyalty_cli import till as counter
from loyalty_cli.errors import InvalidInput


def _session(loyalty, *lines: str, place: str | None = None, expect: int = 0):
    """A piped session of `lines`; it exits 1 when any line was refused (`expect`)."""
    args = ["till", *(["--store", place] if place else [])]
    return loyalty(*args, input="".join(f"{line}\n" for line in lines), expect=expect)


def _balance(loyalty, card: str) -> int:
    return loyalty.json("member", "show", card)["balance"]


@pytest.fixture
def anna(loyalty) -> str:
    return loyalty.enroll("Anna Bērziņa", "--phone", "29123456")


def test_a_scripted_session_records_exactly_what_the_ledger_then_holds(loyalty, anna):
    loyalty("reward", "add", "Coffee", "--points", "5")
    blocked = loyalty.enroll("Jānis Kalniņš")
    loyalty("member", "block", blocked, "--reason", "lost card")
    done = _session(
        loyalty,
        "999999999999",  # an unknown card
        anna,
        "12,30 #K1-1",
        "12,3O",  # a typo in the amount
        "20.00",
        "r 3",
        "r coffee",
        "refund K1-1 2,30",
        "",
        blocked,
        "5,00",  # a blocked member's purchase
        "q",
        expect=1,
    )
    assert done.stderr.splitlines() == [
        "Error: no member with card or phone '999999999999'",
        "Error: '12,3O' is not an amount of money (use 12.30 or 12,30)",
        f"Error: member {blocked} is blocked",
    ]
    assert "+12 points for €12.30 (receipt K1-1); balance 12" in done.stdout
    assert "-3 points (worth €0.03); balance 29" in done.stdout
    assert "Coffee for 5 points; balance 24" in done.stdout
    assert "refunded €2.30 of receipt K1-1, -2 points; balance 22" in done.stdout
    shop = loyalty.store().read()
    entries = [(e.kind, e.points, e.amount, e.operator) for e in shop.ledger.entries(anna)]
    receipt = next(e.receipt for e in shop.ledger.entries(anna) if e.amount == "20.00")
    assert entries == [
        ("earn", 12, "12.30", "tester"),
        ("earn", 20, "20.00", "tester"),
        ("redeem", -3, None, "tester"),
        ("redeem", -5, None, "tester"),
        ("refund", -2, "2.30", "tester"),
    ]
    assert receipt.startswith("L")  # made up, as `purchase` does without --receipt
    assert list(shop.ledger.entries(blocked)) == []
    if hasattr(shop, "close"):
        shop.close()
    assert _balance(loyalty, anna) == 22
    assert loyalty.json("member", "show", blocked)["balance"] == 0
    loyalty("verify")


def test_scanning_a_card_shows_the_member_balance_and_rewards_within_reach(loyalty, anna):
    loyalty("adjust", anna, "40", "--reason", "opening")
    loyalty("reward", "add", "Coffee", "--points", "30")
    loyalty("reward", "add", "Cake", "--points", "90")
    spaced = f"{anna[:4]} {anna[4:8]}-{anna[8:]}"
    shown = _session(loyalty, spaced, "q").stdout
    assert f"Anna Bērziņa ({anna[:4]} {anna[4:8]} {anna[8:]})" in shown
    assert "Balance 40 points" in shown
    assert "Rewards within reach: Coffee (30 points)" in shown
    assert "Cake" not in shown


def test_a_phone_finds_the_member_too(loyalty, anna):
    assert "Anna Bērziņa" in _session(loyalty, "+371 29123456", "q").stdout


def test_a_birthday_today_and_points_about_to_lapse_are_pointed_out(loyalty):
    card = loyalty.enroll("Ilze Ozola", "--birthday", "1990-11-22", now="2025-11-01T10:00:00+00:00")
    loyalty("adjust", card, "15", "--reason", "old card", now="2025-11-02T10:00:00+00:00")
    shown = _session(loyalty, card, "q").stdout
    assert "Birthday today!" in shown
    assert "15 points lapse on 2026-11-30" in shown


def test_points_past_their_expiry_before_maintain_ran_are_said_to_have_lapsed(loyalty):
    card = loyalty.enroll("Ilze Ozola", now="2025-10-01T10:00:00+00:00")
    loyalty("adjust", card, "3", "--reason", "old card", now="2025-10-02T10:00:00+00:00")
    assert "3 points lapsed on 2026-10-31" in _session(loyalty, card, "q").stdout


def test_an_unknown_card_is_refused_in_one_line_and_the_session_goes_on(loyalty, anna):
    before = loyalty.snapshot()
    done = _session(loyalty, "999999999999", "12,30", anna, "q", expect=1)
    assert done.stderr.splitlines() == [
        "Error: no member with card or phone '999999999999'",
        "Error: no customer yet: scan a card or type a phone number first",
    ]
    assert "Anna Bērziņa" in done.stdout
    assert loyalty.snapshot() == before


def _purchases(loyalty, card: str) -> list[str]:
    """The amounts of the purchases the ledger holds for `card`, oldest first."""
    shop = loyalty.store().read()
    try:
        return [e.amount for e in shop.ledger.entries(card) if e.kind == "earn"]
    finally:
        if hasattr(shop, "close"):
            shop.close()


def test_an_unknown_card_lets_the_customer_before_go_so_the_next_amount_goes_to_nobody(loyalty, anna):
    janis = loyalty.enroll("Jānis Kalniņš", "--phone", "20000000")
    done = _session(loyalty, anna, "1,00", "2799 9999 9999", "50,00", "+37120000000", "20,00", "q", expect=1)
    assert done.stderr.splitlines() == [
        "Error: no member with card or phone '2799 9999 9999'",
        "Error: no customer yet: scan a card or type a phone number first",
    ]
    assert _purchases(loyalty, anna) == ["1.00"]
    assert _purchases(loyalty, janis) == ["20.00"]
    loyalty("verify")


def test_a_search_without_a_single_match_lets_the_customer_before_go(loyalty, anna):
    kalnina = loyalty.enroll("Anna Kalniņa")
    done = _session(loyalty, anna, "1,00", "/nobody", "5,00", anna, "2,00", "/anna", "7,00", "q", expect=1)
    assert done.stderr.splitlines() == [
        "Error: no member matches 'nobody'",
        "Error: no customer yet: scan a card or type a phone number first",
        "Error: no customer yet: scan a card or type a phone number first",
    ]
    assert _purchases(loyalty, anna) == ["1.00", "2.00"]
    assert _purchases(loyalty, kalnina) == []


@pytest.mark.parametrize("line", ["12,30 pay", "12,30 p", "12,30 pay #K1", "12,30 p !"])
def test_pay_without_how_many_is_refused_and_nothing_is_spent(loyalty, anna, line):
    loyalty("adjust", anna, "500", "--reason", "opening")
    before = loyalty.snapshot()
    done = _session(loyalty, anna, line, "q", expect=1)
    assert done.stderr == "Error: say how many: pay 200 or pay all\n"
    assert loyalty.snapshot() == before
    assert _balance(loyalty, anna) == 500


def test_a_purchase_above_the_largest_is_recorded_at_the_till_with_an_exclamation_mark(loyalty, anna):
    janis = loyalty.enroll("Jānis Kalniņš")
    loyalty("program", "set", "purchase.max_amount", "1000")
    done = _session(loyalty, anna, "1234,50", "1 234,50 ! #K9", janis, "1500", "q", expect=1)
    assert done.stderr.splitlines() == [
        "Error: €1,234.50 is above the largest purchase (€1,000.00); check the amount, "
        "or type it again with ! after it to record it (such as 1234,50 !)",
        "Error: €1,500.00 is above the largest purchase (€1,000.00); check the amount, "
        "or type it again with ! after it to record it (such as 1234,50 !)",
    ]
    assert "(receipt K9)" in done.stdout
    assert _purchases(loyalty, anna) == ["1234.50"]
    assert _purchases(loyalty, janis) == []
    loyalty("verify")


def test_a_blocked_member_is_refused_as_blocked_even_above_the_largest_purchase(loyalty):
    card = loyalty.enroll("Jānis Kalniņš")
    loyalty("member", "block", card)
    loyalty("program", "set", "purchase.max_amount", "1000")
    before = loyalty.snapshot()
    done = _session(loyalty, card, "2000", "2000 !", "q", expect=1)
    assert done.stderr.splitlines() == [f"Error: member {card} is blocked"] * 2
    assert loyalty.snapshot() == before


def test_a_piped_session_exits_1_when_a_line_was_refused_and_records_the_others(loyalty, anna):
    assert _session(loyalty, anna, "1,00", "q").exit_code == 0
    done = _session(loyalty, anna, "2,00", "12,3O", "3,00", "q", expect=1)
    assert done.stderr == "Error: '12,3O' is not an amount of money (use 12.30 or 12,30)\n"
    assert _purchases(loyalty, anna) == ["1.00", "2.00", "3.00"]


def test_the_till_refusals_of_these_lines_speak_latvian_and_russian(loyalty, anna):
    loyalty("program", "set", "purchase.max_amount", "1000")
    lv = loyalty("--lang", "lv", "till", input=f"{anna}\n12,30 pay\n1500\n", expect=1)
    ru = loyalty("--lang", "ru", "till", input=f"{anna}\n12,30 pay\n1500\n", expect=1)
    assert lv.stderr.splitlines()[0] == "Kļūda: pasakiet, cik: pay 200 vai pay all"
    assert "1500 !" not in lv.stderr and "!" in lv.stderr.splitlines()[1]
    assert ru.stderr.splitlines()[0] == "Ошибка: скажите сколько: pay 200 или pay all"
    assert _purchases(loyalty, anna) == []


def test_a_blocked_member_is_shown_clearly_and_their_purchase_refused_with_nothing_written(loyalty):
    card = loyalty.enroll("Jānis Kalniņš")
    loyalty("member", "block", card, "--reason", "lost card")
    before = loyalty.snapshot()
    done = _session(loyalty, card, "12,30", "r 1", "q", expect=1)
    assert f"NOT SERVED: member {card} is blocked (lost card)" in done.stdout
    assert done.stderr.splitlines() == [f"Error: member {card} is blocked"] * 2
    assert loyalty.snapshot() == before


@pytest.mark.parametrize("typo", ["12,3O", "12..30", "12 30", "-5", "0", "12,30 xyz", "12,30 p4y"])
def test_a_typo_in_the_amount_is_refused_in_one_line_and_nothing_is_written(loyalty, anna, typo):
    before = loyalty.snapshot()
    done = _session(loyalty, anna, typo, "q", expect=1)
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("Error: ")
    assert loyalty.snapshot() == before


def test_in_a_cashback_programme_the_till_redeems_and_pays_money(loyalty, anna):
    loyalty("program", "set", "earn.mode", "cashback")
    loyalty("program", "set", "earn.cashback_percent", "10")
    done = _session(loyalty, anna, "50,00", "r 2", "10,00 pay 1,50", "q")
    assert done.stderr == ""
    assert "-€2.00 cashback spent; balance €3.00" in done.stdout
    assert loyalty.json("member", "show", anna)["balance"] == "2.35"
    loyalty("verify")


def test_money_typed_to_redeem_in_a_points_programme_is_refused(loyalty, anna):
    loyalty("adjust", anna, "300", "--reason", "opening")
    before = loyalty.snapshot()
    done = _session(loyalty, anna, "r 1,5", "q", expect=1)
    assert done.stderr == "Error: '1,5' is not a whole number of points\n"
    assert loyalty.snapshot() == before


def test_the_session_goes_on_after_a_refusal(loyalty, anna):
    done = _session(loyalty, anna, "12,3O", "12,30", "q", expect=1)
    assert "balance 12" in done.stdout
    assert _balance(loyalty, anna) == 12


def test_an_empty_line_ends_the_customer(loyalty, anna):
    done = _session(loyalty, anna, "", "5,00", "q", expect=1)
    assert "no customer yet" in done.stderr
    assert _balance(loyalty, anna) == 0


def test_a_purchase_paid_partly_with_points(loyalty, anna):
    loyalty("program", "set", "redeem.value", "0.01")
    loyalty("adjust", anna, "500", "--reason", "opening")
    done = _session(loyalty, anna, "10,00 pay 200 #K2", "q")
    assert "to pay €8.00" in done.stdout
    assert _balance(loyalty, anna) == 500 - 200 + 8
    loyalty("verify")


def test_generated_receipts_are_unique_for_every_purchase(loyalty, anna):
    _session(loyalty, anna, "1,00", "1,00", "1,00", "q")
    assert _balance(loyalty, anna) == 3
    loyalty("verify")


def test_purchases_name_the_store_of_the_till(loyalty, anna):
    _session(loyalty, anna, "12,30 #S1", "q", place="Rīga")
    rows = loyalty.json("report", "activity", "--by", "store")["rows"]
    assert [(r["store"], r["purchases"]) for r in rows if r["purchases"]] == [("Rīga", 1)]


def test_a_search_lists_matching_members_and_one_match_is_served(loyalty, anna):
    loyalty.enroll("Anna Kalniņa")
    listed = _session(loyalty, "/anna", "q").stdout
    assert "Anna Bērziņa" in listed and "Anna Kalniņa" in listed
    served = _session(loyalty, "/berz", "5,00", "q")
    assert "balance 5" in served.stdout
    assert _balance(loyalty, anna) == 5


def test_help_and_quit(loyalty):
    done = _session(loyalty, "?", "q", "this line is never read")
    assert "refund K1-45" in done.stdout
    assert done.stderr == ""


def test_the_end_of_the_input_ends_the_session(loyalty, anna):
    done = loyalty("till", input=f"{anna}\n1,00\n")
    assert done.exit_code == 0
    assert _balance(loyalty, anna) == 1


def test_no_programme_is_refused_before_the_first_line(empty_loyalty):
    done = empty_loyalty("till", input="q\n", expect=1)
    assert "create one with `loyalty init`" in done.stderr


def test_the_till_speaks_latvian(loyalty, anna):
    done = loyalty("--lang", "lv", "till", input=f"{anna}\n12,30\nq\n")
    assert "+12 punktu par 12,30\u00a0€ (čeks L1); atlikums 12" in done.stdout


# -- the lines the till understands ----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "action"),
    [
        ("", counter.Next()),
        ("q", counter.Quit()),
        ("?", counter.Help()),
        ("12,30", counter.Purchase(Decimal("12.30"))),
        ("12.30", counter.Purchase(Decimal("12.30"))),
        ("12", counter.Purchase(Decimal("12.00"))),
        ("1 234,50", counter.Purchase(Decimal("1234.50"))),
        ("12,30 #R-123", counter.Purchase(Decimal("12.30"), "R-123")),
        ("12,30 pay 200", counter.Purchase(Decimal("12.30"), None, checkout.Payment(points=200))),
        ("12,30 pay all #R1", counter.Purchase(Decimal("12.30"), "R1", checkout.Payment(everything=True))),
        ("1234,50 !", counter.Purchase(Decimal("1234.50"), None, checkout.NO_PAYMENT, True)),
        ("1 234,50 ! #R3", counter.Purchase(Decimal("1234.50"), "R3", checkout.NO_PAYMENT, True)),
        ("r 200", counter.Redeem(points=200, typed="200")),
        ("redeem Free coffee #R2", counter.Redeem(reward="Free coffee", receipt="R2")),
        ("refund K1-45", counter.Refund("K1-45")),
        ("refund K1-45 4,00", counter.Refund("K1-45", Decimal("4.00"))),
        ("/berz", counter.Search("berz")),
        ("2733 7699 0225", counter.LookUp("2733 7699 0225")),
        ("2733-7699-0225", counter.LookUp("2733-7699-0225")),
        ("+371 29123456", counter.LookUp("+371 29123456")),
        ("29123456", counter.LookUp("29123456")),
        ("AB1234567", counter.LookUp("AB1234567")),
    ],
)
def test_a_line_is_read_into_its_action_while_serving(line, action):
    assert counter.read_line(line, serving=True) == action


def test_a_short_number_is_a_card_when_nobody_is_served():
    assert counter.read_line("1234", serving=False) == counter.LookUp("1234")


def test_money_to_redeem_or_pay_with_is_read_as_money():
    assert counter.read_line("r 3,45", serving=True) == counter.Redeem(amount=Decimal("3.45"), typed="3,45")
    assert counter.read_line("9,00 pay 1,50", serving=True) == counter.Purchase(
        Decimal("9.00"), None, checkout.Payment(amount=Decimal("1.50"))
    )


@pytest.mark.parametrize(
    "line", ["12 30", "12,3O", "1,00 7", "r", "refund", "/", "12,30 #", "12,30 pay", "12,30 p", "12,30 !!"]
)
def test_a_line_that_is_no_action_is_refused(line):
    with pytest.raises(InvalidInput):
        counter.read_line(line, serving=True)


def test_the_member_is_shown_in_russian_with_the_right_plural(loyalty):
    card = loyalty.enroll("Ilze Ozola", "--birthday", "1990-11-22")
    loyalty("adjust", card, "21", "--reason", "opening")
    done = loyalty("--lang", "ru", "till", input=f"{card}\nr 2,5\nq\n", expect=1)
    assert "  Баланс 21 балл\n  Сегодня день рождения!\n" in done.stdout
    assert done.stderr == "Ошибка: '2,5' — не целое число баллов\n"


def test_the_help_of_the_till_is_in_latvian(loyalty):
    done = loyalty("--lang", "lv", "till", input="?\n")
    assert "izmantot 200 punktus" in done.stdout


def test_on_a_terminal_the_till_prompts_and_colours_its_answers(loyalty, anna):
    from loyalty_cli.cli import cli

    blocked = loyalty.enroll("Jānis Kalniņš")
    loyalty("member", "block", blocked)
    done = loyalty.runner.invoke(
        cli,
        [*loyalty.where(), "--operator", "tester", "till"],
        input=f"{anna}\n12,30\n12,3O\n{blocked}\n",
        env={"LOYALTY_NOW": loyalty.now, "TTY_COMPATIBLE": "1", "FORCE_COLOR": "1", "NO_COLOR": ""},
    )
    assert done.exit_code == 0, done.output
    assert "Till ready." in done.stdout
    assert "card or phone> " in done.stdout
    assert f"{anna[:4]} {anna[4:8]} {anna[8:]}> " in done.stdout
    assert "\x1b[32mAnna Bērziņa" in done.stdout  # green: recorded
    assert "\x1b[1;31mError: '12,3O' is not an amount" in done.stderr  # red: refused
    assert f"\x1b[1;31m  NOT SERVED: member {blocked} is blocked" in done.stdout
    assert _balance(loyalty, anna) == 12
