"""Programme types through the command line, one worked receipt each: threshold and tier
discounts, payment with points, refunds of such receipts, cashback, pending points, `quote`,
and the refusals. The figures are computed by hand in the comments.

The programme of most examples: tiers Bronze (0, x1, no discount), Silver (from 500 spent,
x1.25, 3 %), Gold (from 1500, x1.5, 5 %); 5 % off receipts from 50.00; redeem.value 0.01;
earn.rate 1; points expire 12 months after the month of earning (now: November 2026, so
the lot is 2027-11).
"""

from __future__ import annotations

from conftest import Loyalty

TIERS = "Bronze:0:1:0,Silver:500:1.25:3,Gold:1500:1.5:5"
BILL = ("amount", "discount_percent", "discount", "paid_points", "paid_value", "to_pay", "points")
BILL_FIELDS = ("total", "discount_percent", "discount", "paid_points", "paid_value")


def bill(result: dict) -> tuple:
    return tuple(result[key] for key in BILL)


def discount_programme(loyalty: Loyalty, *, tiers: str = TIERS, stack: bool = False) -> None:
    loyalty("program", "set", "tiers", tiers)
    loyalty("program", "set", "discount.threshold", "50")
    loyalty("program", "set", "discount.percent", "5")
    loyalty("program", "set", "discount.stack", "true" if stack else "false")


def silver_member(loyalty: Loyalty) -> str:
    """A member made Silver by a first receipt of 600.00 (Bronze, so only the threshold's 5 %:
    discount 30.00, to_pay 570.00, earns 570 points; spend 570 >= 500 makes them Silver)."""
    card = loyalty.enroll("Anna")
    first = loyalty.json("purchase", card, "600", "--receipt", "FIRST")
    assert bill(first) == ("600.00", "5", "30.00", 0, "0.00", "570.00", 570)
    assert (first["balance"], first["tier"]) == (570, "Silver")
    return card


def entries(loyalty: Loyalty, receipt: str):
    return loyalty.store().read().ledger.by_receipt(receipt)


def member(loyalty: Loyalty, card: str) -> dict:
    return loyalty.json("member", "show", card)


def refused(loyalty: Loyalty, *args: str, code: int = 1) -> str:
    """Run a command that must be refused: one line on stderr, exit `code`, nothing written."""
    before = loyalty.snapshot()
    result = loyalty(*args, expect=code)
    assert result.stderr.strip().count("\n") == 0 or code == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in result.stderr
    assert loyalty.snapshot() == before
    return result.stderr.strip().splitlines()[-1]


# -- discounts ---------------------------------------------------------------------------


def test_a_receipt_reaching_the_threshold_gets_its_discount_and_earns_on_what_is_paid(loyalty):
    discount_programme(loyalty, tiers="")
    card = loyalty.enroll("Anna")
    # 80.00 >= 50.00: 5 % = 4.00 off, to_pay 76.00, earns floor(76.00 x 1) = 76.
    result = loyalty.json("purchase", card, "80", "--receipt", "T1")
    assert bill(result) == ("80.00", "5", "4.00", 0, "0.00", "76.00", 76)
    (entry,) = entries(loyalty, "T1")
    assert (entry.total, entry.amount, entry.discount_percent, entry.discount) == (
        "80.00",
        "76.00",
        "5",
        "4.00",
    )
    assert entry.paid_points is None and entry.paid_value is None
    # 49.99 < 50.00: no discount; earns floor(49.99) = 49.
    below = loyalty.json("purchase", card, "49.99", "--receipt", "T2")
    assert bill(below) == ("49.99", "0", "0.00", 0, "0.00", "49.99", 49)
    assert below["balance"] == 76 + 49
    # The text output shows the bill line.
    text = loyalty("purchase", card, "50", "--receipt", "T3").stdout
    assert "discount 5 % -€2.50" in text and "to pay €47.50" in text
    loyalty("verify")


def test_a_better_tier_discount_beats_the_threshold_and_both_add_up_when_stacking(loyalty):
    discount_programme(loyalty, tiers="Bronze:0:1:0,Silver:500:1.25:8")
    card = silver_member(loyalty)
    # Silver 8 % beats the threshold's 5 %: 100.00 - 8.00 = 92.00, earns floor(92 x 1.25) = 115.
    better = loyalty.json("purchase", card, "100", "--receipt", "B1")
    assert bill(better) == ("100.00", "8", "8.00", 0, "0.00", "92.00", 115)
    # Below the threshold the tier's discount still applies: 40.00 - 3.20 = 36.80, earns 46.
    assert bill(loyalty.json("purchase", card, "40", "--receipt", "B2")) == (
        "40.00",
        "8",
        "3.20",
        0,
        "0.00",
        "36.80",
        46,  # floor(36.80 x 1.25) = floor(46.0)
    )
    loyalty("program", "set", "discount.stack", "true")
    # Stacking: 8 + 5 = 13 % of 100.00 = 13.00, to_pay 87.00, earns floor(108.75) = 108.
    stacked = loyalty.json("purchase", card, "100", "--receipt", "B3")
    assert bill(stacked) == ("100.00", "13", "13.00", 0, "0.00", "87.00", 108)
    # Spend counts what was paid: 570 + 92 + 36.80 + 87 = 785.80.
    assert member(loyalty, card)["spend_12m"] == "785.80"
    loyalty("verify")


def test_the_threshold_is_checked_on_the_receipt_total_before_the_discount(loyalty):
    discount_programme(loyalty, tiers="Bronze:0:1:10")
    card = loyalty.enroll("Anna")
    # 52.00 passes the threshold although 52.00 - 10 % = 46.80 would not; not stacking, so
    # the better percent (10) is taken: to_pay 46.80, earns 46.
    assert bill(loyalty.json("purchase", card, "52", "--receipt", "X1")) == (
        "52.00",
        "10",
        "5.20",
        0,
        "0.00",
        "46.80",
        46,
    )


# -- paying with points ------------------------------------------------------------------


def test_a_receipt_paid_partly_with_points_earns_on_the_money_paid_only(loyalty):
    discount_programme(loyalty)
    card = silver_member(loyalty)  # 570 points
    # 60.00 -> Silver 3 % vs threshold 5 %: 5 % = 3.00 -> 57.00 left -> 300 points pay 3.00
    # -> to_pay 54.00 -> earns floor(54.00 x 1.25) = floor(67.5) = 67; balance 570 - 300 + 67.
    result = loyalty.json("purchase", card, "60", "--pay-points", "300", "--receipt", "P1")
    assert bill(result) == ("60.00", "5", "3.00", 300, "3.00", "54.00", 67)
    assert result["balance"] == 337
    payment, purchase = entries(loyalty, "P1")
    assert (payment.kind, payment.points, payment.reason, payment.id) == (
        "redeem",
        -300,
        None,
        purchase.id - 1,
    )
    assert (purchase.kind, purchase.amount, purchase.total, purchase.paid_points, purchase.paid_value) == (
        "earn",
        "54.00",
        "60.00",
        300,
        "3.00",
    )
    # --pay-amount 2.50 buys 250 points: 57.00 - 2.50 = 54.50, earns floor(68.125) = 68.
    by_money = loyalty.json("purchase", card, "60", "--pay-amount", "2.50", "--receipt", "P2")
    assert bill(by_money) == ("60.00", "5", "3.00", 250, "2.50", "54.50", 68)
    assert by_money["balance"] == 337 - 250 + 68
    loyalty("verify")


def test_pay_all_is_capped_at_what_is_left_to_pay(loyalty):
    discount_programme(loyalty)
    card = silver_member(loyalty)  # 570 points
    # 3.00 (below the threshold) - Silver 3 % = 0.09 -> 2.91 left: at most 291 points pay it
    # all; to_pay 0.00 earns nothing; 570 - 291 = 279 left.
    result = loyalty.json("purchase", card, "3", "--pay-all", "--receipt", "A1")
    assert bill(result) == ("3.00", "3", "0.09", 291, "2.91", "0.00", 0)
    assert result["balance"] == 279
    # Now 279 points (2.79) against 9.70 left of 10.00: all 279 pay, 6.91 paid in money.
    second = loyalty.json("purchase", card, "10", "--pay-all", "--receipt", "A2")
    assert bill(second) == ("10.00", "3", "0.30", 279, "2.79", "6.91", 8)  # floor(6.91 x 1.25)
    assert second["balance"] == 8
    loyalty("verify")


# -- refunds of such receipts --------------------------------------------------------------


def _paid_with_points(loyalty: Loyalty) -> str:
    """The receipt P1 of the example above: to_pay 54.00, 67 earned, 300 points paid."""
    discount_programme(loyalty)
    card = silver_member(loyalty)
    loyalty("purchase", card, "60", "--pay-points", "300", "--receipt", "P1")
    return card


def test_two_half_refunds_leave_exactly_what_one_full_refund_leaves(tmp_path):
    halves, whole = Loyalty(tmp_path / "halves"), Loyalty(tmp_path / "whole")
    cards = {}
    for shop in (halves, whole):
        shop("init", "--name", "Test shop")
        cards[shop] = _paid_with_points(shop)
    # The first half (27.00 of 54.00): the member keeps floor(27.00 x 1.25) = 33 of the 67
    # earned, so 34 are taken; round(300 x 27/54) = 150 paid points come back.
    first = halves.json("refund", "P1", "--amount", "27")
    assert (first["points_taken"], first["points_returned"], first["balance"]) == (34, 150, 337 - 34 + 150)
    # The second half: all 67 taken in all, so 33 now; 300 returned in all, so 150 now.
    second = halves.json("refund", "P1", "--amount", "27")
    assert (second["points_taken"], second["points_returned"], second["refunded_total"]) == (33, 150, "54.00")
    # One full refund takes 67 and returns 300.
    full = whole.json("refund", "P1")
    assert (full["points_taken"], full["points_returned"], full["refunded_total"]) == (67, 300, "54.00")
    assert second["balance"] == full["balance"] == 570
    shown = [member(shop, cards[shop]) for shop in (halves, whole)]
    for key in ("balance", "lots", "spend_12m", "tier", "debt"):
        assert shown[0][key] == shown[1][key], key
    assert shown[0]["lots"] == {"2027-11": 570}
    for shop in (halves, whole):
        assert "OK" in shop("verify").stdout
    # Nothing is left to refund in either.
    for shop in (halves, whole):
        assert "already been refunded in full" in refused(shop, "refund", "P1")


def test_an_uneven_partial_refund_returns_paid_points_rounded_half_up_and_adds_up(loyalty):
    card = _paid_with_points(loyalty)
    # 9.00 of 54.00 = 1/6: round(300 / 6) = 50 back; keeps floor(45.00 x 1.25) = 56, takes 11.
    one = loyalty.json("refund", "P1", "--amount", "9")
    assert (one["points_taken"], one["points_returned"]) == (11, 50)
    # 0.09 more (9.09 in all): round(300 x 9.09/54) = round(50.5) = 51, so 1 more back;
    # keeps floor(44.91 x 1.25) = floor(56.1375) = 56: nothing more taken.
    two = loyalty.json("refund", "P1", "--amount", "0.09")
    assert (two["points_taken"], two["points_returned"]) == (0, 1)
    rest = loyalty.json("refund", "P1")
    assert (rest["points_taken"], rest["points_returned"], rest["balance"]) == (56, 249, 570)
    assert member(loyalty, card)["lots"] == {"2027-11": 570}
    loyalty("verify")


def test_a_receipt_paid_wholly_with_points_is_refunded_whole_once(loyalty):
    discount_programme(loyalty)
    card = silver_member(loyalty)
    # 3.00 - Silver 3 % = 2.91, all paid with 291 of the 570 points: to_pay 0.00.
    loyalty("purchase", card, "3", "--pay-all", "--receipt", "Z1")
    assert refused(loyalty, "refund", "Z1", "--amount", "1") == (
        "Error: receipt Z1 has €0.00 left to refund of €0.00; cannot refund €1.00"
    )
    back = loyalty.json("refund", "Z1")
    assert (back["points_taken"], back["points_returned"], back["balance"]) == (0, 291, 570)
    assert "already been refunded in full" in refused(loyalty, "refund", "Z1")
    loyalty("verify")


# -- cashback ------------------------------------------------------------------------------


def test_cashback_is_earned_spent_and_taken_back_as_money(loyalty):
    loyalty("program", "set", "earn.mode", "cashback")
    loyalty("program", "set", "earn.cashback_percent", "3")
    card = loyalty.enroll("Anna")
    # 3 % of 50.00 = 1.50: the ledger keeps 150 cents, people see money.
    bought = loyalty.json("purchase", card, "50", "--receipt", "C1")
    assert (bought["to_pay"], bought["points"], bought["balance"]) == ("50.00", "1.50", "1.50")
    (entry,) = entries(loyalty, "C1")
    assert (entry.points, entry.rate) == (150, "3")
    # 0.99 earns floor(0.99 x 3) = 2 cents: 1.52 in all.
    assert "+€0.02 cashback for €0.99" in loyalty("purchase", card, "0.99", "--receipt", "C0").stdout
    assert loyalty.json("redeem", card, "--amount", "0.50")["balance"] == "1.02"
    assert (cents(loyalty, card), member(loyalty, card)["balance"]) == (102, "1.02")
    # Refunding 20.00 of 50.00: keeps floor(30.00 x 3) = 90 cents, takes 60: 1.02 - 0.60.
    back = loyalty.json("refund", "C1", "--amount", "20")
    assert (back["points_taken"], back["balance"], cents(loyalty, card)) == ("0.60", "0.42", 42)
    # The rest takes the other 90 cents: 0.42 - 0.90 = -0.48, a debt later cashback pays.
    assert loyalty.json("refund", "C1")["balance"] == "-0.48"
    assert cents(loyalty, card) == -48
    assert loyalty.store().read().members.get(card)["points"]["lots"] == {"debt": -48}
    # 20.00 more earns 60 cents: 48 pay the debt, 12 are left.
    assert loyalty.json("purchase", card, "20", "--receipt", "C2")["balance"] == "0.12"
    loyalty("verify")


def cents(loyalty: Loyalty, card: str) -> int:
    """The member's balance as the ledger keeps it (cents in cashback mode)."""
    return loyalty.store().read().members.get(card)["points"]["balance"]


# -- pending points -------------------------------------------------------------------------


def test_pending_points_cannot_be_spent_until_maintain_confirms_them(loyalty):
    loyalty("program", "set", "earn.pending_days", "14")
    card = loyalty.enroll("Anna")
    # Bought on 22 November (shop time): pending until the end of 6 December.
    bought = loyalty.json("purchase", card, "100", "--receipt", "W1")
    assert (bought["points"], bought["balance"], bought["pending"]) == (100, 100, 100)
    assert member(loyalty, card)["lots"] == {"pending:2026-12-07:2027-11": 100}
    assert refused(loyalty, "redeem", card, "10") == (
        f"Error: member {card} can spend 0 points (100 more are pending); cannot redeem 10"
    )
    assert "can spend 0 points" in refused(loyalty, "purchase", card, "5", "--pay-points", "10")
    # Still pending on the last day of the window.
    loyalty.now = "2026-12-06T20:00:00+00:00"  # 22:00 in Riga
    assert "can spend 0 points" in refused(loyalty, "redeem", card, "10")
    # The day after, maintain catches up on every day since the programme began.
    loyalty.now = "2026-12-07T08:00:00+00:00"
    done = loyalty.json("maintain")
    assert (done["confirmed_points"], done["confirmed_members"], done["as_of"]) == (100, 1, "2026-12-07")
    assert member(loyalty, card)["lots"] == {"2027-11": 100}
    assert loyalty.json("redeem", card, "10")["balance"] == 90
    assert loyalty.json("maintain")["confirmed_points"] == 0  # a re-run confirms nothing more
    loyalty("verify")


def test_due_points_are_spendable_before_maintain_runs(loyalty):
    loyalty("program", "set", "earn.pending_days", "3")
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "100", "--receipt", "W1")
    loyalty.now = "2026-11-26T08:00:00+00:00"  # the window ended with 25 November
    # A refusal writes nothing, not even the confirmation it began with.
    assert "can spend 100 points" in refused(loyalty, "purchase", card, "5", "--pay-points", "101")
    assert "holds 100 points" in refused(loyalty, "redeem", card, "101")
    assert loyalty.json("quote", card, "5", "--pay-all")["spendable"] == 100
    assert loyalty.json("redeem", card, "30")["balance"] == 70
    (confirmation,) = [e for e in loyalty.store().read().ledger.entries() if e.kind == "confirm"]
    assert (confirmation.points, confirmation.lots) == (
        0,
        {"pending:2026-11-26:2027-11": -100, "2027-11": 100},
    )
    loyalty("verify")


def test_a_purchase_recorded_late_answers_with_what_is_pending_today(loyalty):
    loyalty("program", "set", "earn.pending_days", "3")
    card = loyalty.enroll("Anna", "--at", "2026-11-01T08:00")
    # Bought on 10 November, recorded on 22 November: its window ended with 13 November.
    late = loyalty.json("purchase", card, "100", "--receipt", "W1", "--at", "2026-11-10T10:00")
    now = loyalty.json("purchase", card, "20", "--receipt", "W2")
    assert (late["balance"], late["pending"]) == (100, 0)
    assert (now["balance"], now["pending"]) == (120, 20)
    loyalty("verify")


def test_a_refund_inside_the_window_takes_the_pending_points_first(loyalty):
    loyalty("program", "set", "earn.pending_days", "14")
    card = loyalty.enroll("Anna")
    loyalty("adjust", card, "50", "--reason", "goodwill")  # 50 confirmed points
    loyalty("purchase", card, "100", "--receipt", "W1")
    loyalty.now = "2026-11-25T12:00:00+00:00"
    # 40.00 of 100.00 refunded: keeps 60 of the 100 earned; the 40 come out of the pending lot.
    back = loyalty.json("refund", "W1", "--amount", "40")
    assert (back["points_taken"], back["balance"]) == (40, 110)
    assert member(loyalty, card)["lots"] == {"2027-11": 50, "pending:2026-12-07:2027-11": 60}
    # The rest after the window: the 60, confirmed by then, leave the lot they joined.
    loyalty.now = "2026-12-10T12:00:00+00:00"
    assert loyalty.json("refund", "W1")["balance"] == 50
    assert member(loyalty, card)["lots"] == {"2027-11": 50}
    loyalty("verify")


def test_pending_points_do_not_pay_a_refund_debt_until_confirmed(loyalty):
    loyalty("program", "set", "earn.pending_days", "3")
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "100", "--receipt", "D1")
    loyalty.now = "2026-11-27T12:00:00+00:00"
    loyalty("redeem", card, "100")
    assert loyalty.json("refund", "D1")["balance"] == -100  # spent, so a debt of 100
    loyalty("purchase", card, "30", "--receipt", "D2")
    assert member(loyalty, card)["lots"] == {"debt": -100, "pending:2026-12-01:2027-11": 30}
    assert refused(loyalty, "purchase", card, "5", "--pay-points", "1") == (
        f"Error: member {card} can spend 0 points; cannot pay with 1"
    )
    loyalty.now = "2026-12-01T12:00:00+00:00"
    assert loyalty.json("maintain")["confirmed_points"] == 30
    assert member(loyalty, card)["lots"] == {"debt": -70}
    loyalty("verify")


def _january_pending(loyalty: Loyalty, *second_at: str) -> str:
    """Pending for 3 days, expiring after one month: R1 earns 100 on 5 January and R2 100
    on `second_at` (lots pending until 9 or 10 January, then 2026-02); 50 points redeemed on
    13 January confirm them, in one entry; the February lot expires by a run of 2 April."""
    loyalty("program", "set", "earn.pending_days", "3")
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "100", "--receipt", "R1", "--at", "2026-01-05T10:00")
    loyalty("purchase", card, "100", "--receipt", "R2", "--at", *second_at)
    loyalty("redeem", card, "50", "--at", "2026-01-13T10:00")
    assert loyalty.json("expire", "--as-of", "2026-04-02")["expired_points"] == 150
    return card


def test_refunds_after_expiry_take_back_only_the_spent_points_of_one_days_pending_lot(loyalty):
    # Both purchases on 5 January share the pending lot; the 50 redeemed were R1's (the
    # oldest credit first), so R1's refund takes those 50 back and R2's, all lapsed, none.
    card = _january_pending(loyalty, "2026-01-05T11:00")
    assert loyalty.json("refund", "R2")["points_taken"] == 0
    assert loyalty.json("refund", "R1")["points_taken"] == 50
    assert member(loyalty, card)["lots"] == {"debt": -50}
    loyalty("verify")


def test_refunds_after_expiry_of_two_days_confirmed_at_once_take_back_the_spent_points_once(loyalty):
    # One confirmation moves both days' lots; the 50 redeemed were R1's, the older.
    card = _january_pending(loyalty, "2026-01-06T10:00")
    assert loyalty.json("refund", "R2")["points_taken"] == 0
    assert loyalty.json("refund", "R1")["points_taken"] == 50
    assert member(loyalty, card)["lots"] == {"debt": -50}
    loyalty("verify")


def test_expiry_counts_due_pending_points_as_confirmed(loyalty):
    loyalty("program", "set", "earn.pending_days", "3")
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "100", "--receipt", "R1", "--at", "2026-01-05T10:00")
    # Never confirmed, but due since 9 January and lapsed with February: they expire.
    assert loyalty.json("expire", "--as-of", "2026-03-01")["expired_points"] == 100
    assert member(loyalty, card)["lots"] == {}
    assert loyalty.json("refund", "R1")["points_taken"] == 0  # nothing of it was spent
    loyalty("verify")


# -- quote, and nothing configured ---------------------------------------------------------


def test_quote_writes_nothing_and_agrees_with_the_purchase(loyalty):
    discount_programme(loyalty)
    card = silver_member(loyalty)
    before = loyalty.snapshot()
    quoted = loyalty.json("quote", card, "60", "--pay-points", "300")
    assert loyalty.snapshot() == before
    text = loyalty("quote", card, "60", "--pay-all")
    assert "Nothing was recorded." in text.stderr
    assert loyalty.snapshot() == before
    assert (quoted["balance"], quoted["spendable"]) == (570, 570)
    bought = loyalty.json("purchase", card, "60", "--pay-points", "300")
    assert bill(quoted) == bill(bought) == ("60.00", "5", "3.00", 300, "3.00", "54.00", 67)


def test_with_nothing_configured_a_purchase_is_recorded_as_before(loyalty):
    card = loyalty.enroll("Anna")
    result = loyalty.json("purchase", card, "12.30", "--receipt", "R1")
    assert result["amount"] == result["to_pay"] == "12.30"
    assert (result["discount"], result["paid_points"], result["points"], result["pending"]) == (
        "0.00",
        0,
        12,
        0,
    )
    (entry,) = entries(loyalty, "R1")
    assert not set(BILL_FIELDS) & set(entry.to_doc())
    assert entry.amount == "12.30"
    text = loyalty("purchase", card, "5", "--receipt", "R2").stdout
    assert text.count("\n") == 1 and "to pay" not in text


# -- refusals --------------------------------------------------------------------------------


def test_paying_with_more_than_the_member_can_spend_is_refused(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "20")
    line = refused(loyalty, "purchase", card, "30", "--pay-points", "21")
    assert line == f"Error: member {card} can spend 20 points; cannot pay with 21"


def test_paying_below_the_smallest_redemption_is_refused(loyalty):
    loyalty("program", "set", "redeem.min_points", "100")
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "200")
    assert refused(loyalty, "purchase", card, "30", "--pay-points", "50") == (
        "Error: the smallest redemption is 100 points"
    )
    # --pay-all with too little to pay with pays nothing rather than refusing.
    assert loyalty.json("purchase", card, "0.40", "--pay-all")["paid_points"] == 0


def test_two_ways_of_paying_at_once_are_a_usage_error(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "20")
    line = refused(loyalty, "purchase", card, "10", "--pay-points", "5", "--pay-all", code=2)
    assert line == "Error: give one of --pay-points, --pay-amount and --pay-all"
    refused(loyalty, "quote", card, "10", "--pay-amount", "1", "--pay-all", code=2)


def test_earn_mode_cannot_change_once_there_are_entries(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "20")
    assert refused(loyalty, "program", "set", "earn.mode", "cashback") == (
        "Error: earn.mode is chosen before the first entry, and this programme already has entries"
    )


def test_a_tier_discount_above_100_percent_is_refused(loyalty):
    line = refused(loyalty, "program", "set", "tiers", "Bronze:0:1:0,Silver:500:1.25:101", code=2)
    assert line == "Error: tiers: the discount of Silver is a percentage from 0 to 100, not 101"
