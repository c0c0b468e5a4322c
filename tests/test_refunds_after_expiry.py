"""Refunds of purchases whose points expired: expired points are never taken back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from loyalty_cli import expiry, members, points, program, refunds, verification
from loyalty_cli.storage.folder.shop import Shop, new_data


def show(loyalty, card):
    return loyalty.json("member", "show", card)


def _january_purchase(loyalty, *, spent: int = 0):
    """100 points earned on 10 January (lot 2026-02), `spent` of them redeemed, 50 more in May,
    and the January lot expired by a run as of 1 March."""
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "100", "--receipt", "JAN", "--at", "2026-01-10")
    if spent:
        loyalty("redeem", card, str(spent), "--at", "2026-02-01")
    loyalty("purchase", card, "50", "--receipt", "MAY", "--at", "2026-05-10")
    loyalty("expire", "--as-of", "2026-03-01")
    return card


def test_a_refund_never_takes_back_points_that_already_expired(loyalty):
    card = _january_purchase(loyalty)
    result = loyalty.json("refund", "JAN")
    assert (result["points_taken"], result["balance"]) == (0, 50)
    assert show(loyalty, card)["lots"] == {"2026-06": 50}
    loyalty("verify")


def test_a_refund_that_takes_nothing_back_says_so(loyalty):
    _january_purchase(loyalty)
    assert "no points taken back; balance 50" in loyalty("refund", "JAN").stdout


def test_a_refund_of_a_lapsed_purchase_takes_back_only_the_spent_share(loyalty):
    card = _january_purchase(loyalty, spent=60)
    result = loyalty.json("refund", "JAN")
    assert (result["points_taken"], result["balance"]) == (60, -10)
    assert show(loyalty, card)["debt"] == 10
    loyalty("verify")


def test_partial_refunds_of_a_lapsed_purchase_add_up_to_the_spent_share(loyalty):
    _january_purchase(loyalty, spent=60)
    assert loyalty.json("refund", "JAN", "--amount", "50.00")["points_taken"] == 30
    assert loyalty.json("refund", "JAN", "--amount", "25.00")["points_taken"] == 15
    assert loyalty.json("refund", "JAN")["points_taken"] == 15


def test_a_shared_lot_is_spent_oldest_credit_first_so_the_latest_credit_lapses(loyalty):
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "100", "--receipt", "A", "--at", "2026-01-05")
    loyalty("purchase", card, "100", "--receipt", "B", "--at", "2026-01-20")
    loyalty("redeem", card, "120", "--at", "2026-02-01")
    loyalty("purchase", card, "300", "--receipt", "MAY", "--at", "2026-05-10")
    loyalty("expire", "--as-of", "2026-03-01")
    assert loyalty.json("refund", "A")["points_taken"] == 100
    assert loyalty.json("refund", "B")["points_taken"] == 20
    assert show(loyalty, card)["balance"] == 180
    loyalty("verify")


def test_redeemed_points_given_back_after_their_lot_lapsed_join_the_refund_months_lot(loyalty):
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "100", "--receipt", "R0", "--at", "2026-01-10")
    loyalty("purchase", card, "50", "--receipt", "R9", "--at", "2026-01-20")
    loyalty("redeem", card, "80", "--receipt", "R9", "--at", "2026-01-20")
    loyalty("expire", "--as-of", "2026-03-01")
    result = loyalty.json("refund", "R9", "--at", "2026-05-10")
    assert (result["points_taken"], result["points_returned"]) == (0, 80)
    assert show(loyalty, card)["lots"] == {"2026-06": 80}
    loyalty("verify")


def test_a_refund_before_the_lot_lapses_takes_the_purchases_points_as_before(loyalty):
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "100", "--receipt", "JAN", "--at", "2026-01-10")
    assert loyalty.json("refund", "JAN", "--amount", "40", "--at", "2026-02-10")["points_taken"] == 40
    loyalty("expire", "--as-of", "2026-03-01")
    assert loyalty.json("refund", "JAN")["points_taken"] == 0
    assert show(loyalty, card)["balance"] == 0


# The property: whatever lapsed, and whatever was refunded in part on the way, refunding every
# purchase in full leaves the member owing exactly the points they redeemed, never the points
# that expired as well.

START = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("purchase"), st.integers(1, 300)),
        st.tuples(st.just("redeem"), st.integers(1, 100)),
        st.tuples(st.just("wait"), st.integers(1, 50)),
        st.tuples(st.just("expire"), st.just(0)),
        st.tuples(st.just("refund"), st.integers(1, 100)),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(steps)
@example([("purchase", 1), ("purchase", 1), ("wait", 54), ("refund", 1)])  # another's refund in the lot
def test_refunding_every_purchase_in_full_charges_only_the_redeemed_points(sequence):
    shop = Shop(new_data(), writable=True, root=Path("."))
    shop.save_settings(program.new_settings(**{"expiry.months": "1"}))
    at = START
    card = members.enroll(shop, name="Anna", at=at, operator="t")["card"]
    receipts, redeemed = [], 0
    for kind, value in sequence:
        if kind == "purchase":
            receipts.append(f"R{len(receipts)}")
            points.purchase(shop, card, Decimal(value), at=at, operator="t", receipt=receipts[-1])
        elif kind == "redeem":
            wanted = shop.members.get(card)["points"]["balance"] * value // 100
            if wanted > 0:
                points.redeem(shop, card, wanted, at=at, operator="t")
                redeemed += wanted
        elif kind == "wait":
            at += timedelta(days=value)
        elif kind == "refund" and receipts:
            _refund_part(shop, receipts[value % len(receipts)], value, at)
        elif kind == "expire":
            expiry.expire(shop, at.date(), operator="t")
    at += timedelta(days=1)
    expiry.expire(shop, at.date(), operator="t")
    for receipt in receipts:
        _refund_part(shop, receipt, 100, at)
    assert shop.members.get(card)["points"]["balance"] == -redeemed
    assert verification.verify(shop).ok


def _refund_part(shop, receipt: str, percent: int, at: datetime) -> None:
    """Refund `percent` of what is left of a receipt (all of it at 100), if anything is."""
    entries = shop.ledger.by_receipt(receipt)
    price = Decimal(entries[0].amount)
    left = price - sum((Decimal(e.amount) for e in entries if e.kind == "refund" and e.amount), Decimal(0))
    amount = left if percent == 100 else (left * percent / 100).quantize(Decimal("0.01"))
    if amount > 0:
        refunds.refund(shop, receipt, amount, at=at, operator="t")
