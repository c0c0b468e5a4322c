"""Refunds of computed bills add up: for any sequence of purchases (tier and threshold
discounts, stacking on or off, payments with points, pending points) and refunds, a refund
split in two leaves exactly what the one refund leaves, and refunding every receipt to the
end leaves what one full refund of each would; `verify` stays clean throughout.

Two shops run the same sequence side by side. Where shop A refunds X of a receipt as two
refunds X1 + X2 at the same moment, shop B refunds X once; everything else is the same.
Their members must then agree after every step (balance, lots, spend, tier), so the two
histories never drift apart and the comparison holds at every point of the sequence.
"""

from __future__ import annotations

import contextlib
import math
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty_cli import expiry, members, pending, points, program, refunds, verification
from loyalty_cli.checkout import Payment
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.storage.folder.shop import Shop, new_data

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
CENT = Decimal("0.01")

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400"), places=2)
payments = st.one_of(
    st.none(),
    st.tuples(st.just("points"), st.integers(1, 120)),  # % of what the member can spend
    st.tuples(st.just("all"), st.just(0)),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("purchase"), st.integers(0, 1), amounts, payments),
        # (receipt index, share of what is left to refund, where to split it)
        st.tuples(
            st.just("refund"),
            st.integers(0, 30),
            st.sampled_from(["0.1", "0.25", "0.5", "0.7", "1"]),
            st.sampled_from(["0.01", "0.3", "0.5", "0.99"]),
        ),
        st.tuples(st.just("redeem"), st.integers(0, 1), st.integers(1, 100), st.just(None)),
        st.tuples(st.just("wait"), st.integers(1, 40), st.just(None), st.just(None)),
        st.tuples(st.just("expire"), st.just(0), st.just(None), st.just(None)),
        st.tuples(st.just("confirm"), st.just(0), st.just(None), st.just(None)),
    ),
    max_size=40,
)
programmes = st.fixed_dictionaries(
    {
        "tiers": st.sampled_from(
            ["", "Bronze:0:1:0,Silver:200:1.25:3,Gold:600:1.5:5", "Bronze:0:1:2,Silver:100:1.1:7.5"]
        ),
        "discount.threshold": st.sampled_from(["", "30", "100"]),
        "discount.percent": st.sampled_from(["0", "5", "12.5"]),
        "discount.stack": st.sampled_from(["true", "false"]),
        "redeem.value": st.sampled_from(["0.01", "0.05", "0.003"]),
        "redeem.min_points": st.sampled_from(["1", "20"]),
        "earn.rate": st.sampled_from(["1", "1.5", "0.3"]),
        "earn.pending_days": st.sampled_from(["0", "3", "14"]),
        "expiry.months": st.sampled_from(["0", "1", "6"]),
        "bonus.welcome": st.sampled_from(["0", "300", "5000"]),
        "earn.mode": st.sampled_from(["points", "points", "cashback"]),
        "earn.cashback_percent": st.sampled_from(["3", "0.5", "12"]),
    }
)


def new_shop(settings: dict) -> Shop:
    shop = Shop(new_data(), writable=True, root=Path("."))
    shop.save_settings(program.new_settings(**settings))
    return shop


def state(shop: Shop, cards: list[str]) -> list[dict]:
    found = []
    for card in cards:
        member = shop.members.get(card)
        held = member["points"]
        found.append(
            {
                "balance": held["balance"],
                "lots": held["lots"],
                "spend": held.get("spend"),
                "tier": member.get("tier"),
            }
        )
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programmes, steps)
def test_split_refunds_leave_what_one_refund_leaves_and_verify_stays_clean(settings_given, sequence):
    split, whole = new_shop(settings_given), new_shop(settings_given)
    shops = (split, whole)
    at = START
    cards = [members.enroll(split, name=f"M{i}", at=at, operator="t")["card"] for i in range(2)]
    for i, card in enumerate(cards):
        members.enroll(whole, name=f"M{i}", at=at, operator="t", card=card)
    receipts: list[str] = []
    for kind, who, value, extra in sequence:
        if kind == "wait":
            at += timedelta(days=who)
            continue
        outcomes = []
        for shop in shops:
            try:
                outcomes.append(_step(shop, kind, who, value, extra, at, cards, receipts, shop is split))
            except (Refused, InvalidInput) as refusal:
                outcomes.append(("refused", type(refusal).__name__))
        assert outcomes[0] == outcomes[1], (kind, outcomes)
        if kind == "purchase" and not isinstance(outcomes[0], tuple):
            receipts.append(outcomes[0])
        assert state(split, cards) == state(whole, cards), (kind, who, value, extra)
        for shop in shops:
            report = verification.verify(shop)
            assert report.ok, report.problems
            _refunds_follow_the_formula(shop)
    # The end: every receipt refunded in full, in the one shop by what is left of it.
    at += timedelta(days=1)
    for receipt in receipts:
        for shop in shops:
            with contextlib.suppress(Refused):  # refunded in full already
                refunds.refund(shop, receipt, None, at=at, operator="t")
    assert state(split, cards) == state(whole, cards)
    for shop in shops:
        report = verification.verify(shop)
        assert report.ok, report.problems
        _refunds_follow_the_formula(shop)
        _every_receipt_undone(shop)


def _step(shop, kind, who, value, extra, at, cards, receipts, splitting):
    """One step on one shop; what it did, comparable between the two shops."""
    if kind == "purchase":
        receipt = f"R{len(receipts)}"
        pay = Payment()
        if extra and extra[0] == "points":
            can = pending.spendable(shop.members.get(cards[who]), at.date().isoformat())
            pay = Payment(points=max(1, can * extra[1] // 100))
        elif extra:
            pay = Payment(everything=True)
        done = points.purchase(shop, cards[who], value, at=at, operator="t", receipt=receipt, payment=pay)
        bill = done.bill
        assert bill.amount - bill.discount - bill.paid_value == bill.to_pay >= 0
        assert done.entry.points == bill.points
        return receipt
    if kind == "refund":
        if not receipts:
            return None
        receipt = receipts[who % len(receipts)]
        purchase = next(e for e in shop.ledger.by_receipt(receipt) if e.kind == "earn")
        done_so_far = sum(
            (Decimal(e.amount) for e in shop.ledger.by_receipt(receipt) if e.kind == "refund" and e.amount),
            Decimal(0),
        )
        left = Decimal(purchase.amount) - done_so_far
        amount = (left * Decimal(value)).quantize(CENT, rounding=ROUND_HALF_UP)
        if amount <= 0:
            refunds.refund(shop, receipt, None, at=at, operator="t")  # a receipt paid wholly with points
            return receipt
        first = (amount * Decimal(extra)).quantize(CENT, rounding=ROUND_HALF_UP)
        if splitting and 0 < first < amount:
            refunds.refund(shop, receipt, first, at=at, operator="t")
            refunds.refund(shop, receipt, amount - first, at=at, operator="t")
        else:
            refunds.refund(shop, receipt, amount, at=at, operator="t")
        return receipt
    if kind == "redeem":
        member = shop.members.get(cards[who])
        can = pending.spendable(member, at.date().isoformat())
        points.redeem(shop, cards[who], max(1, can * value // 100), at=at, operator="t")
        return value
    if kind == "expire":
        return expiry.expire(shop, at.date(), operator="t").by_member
    if kind == "confirm":
        return [pending.confirm(shop, shop.members.get(card), at, operator="t") for card in cards]
    raise AssertionError(kind)


def _every_receipt_undone(shop: Shop) -> None:
    """After a full refund of every receipt, its money is all refunded, its paid points all
    returned, and its earned points taken back but for those that lapsed unspent."""
    entries = list(shop.ledger.entries())
    for purchase in (e for e in entries if e.kind == "earn"):
        under = [e for e in entries if e.receipt == purchase.receipt]
        money = sum((Decimal(e.amount) for e in under if e.kind == "refund" and e.amount), Decimal(0))
        assert money == Decimal(purchase.amount)
        taken = -sum(e.points for e in under if e.kind == "refund" and e.ref == purchase.id)
        assert 0 <= taken <= purchase.points
        for payment in (e for e in under if e.kind == "redeem"):
            back = sum(e.points for e in under if e.kind == "refund" and e.ref == payment.id)
            assert back == -payment.points


def _refunds_follow_the_formula(shop: Shop, *, lapsed_anywhere: bool = False) -> None:
    """Computed exactly, with fractions: after refunds totalling R of a receipt that cost
    to_pay and earned E, the member keeps floor((to_pay - R) x rate x multiplier) of E (unless
    some lapsed unspent) and has had round-half-up(paid x R / to_pay) paid points back."""
    entries = list(shop.ledger.entries())
    lapsed = {e.card for e in entries if e.kind == "expire" and e.points}
    for purchase in (e for e in entries if e.kind == "earn"):
        under = [e for e in entries if e.receipt == purchase.receipt]
        refunds_of = [e for e in under if e.kind == "refund" and e.ref == purchase.id]
        if not refunds_of:
            continue
        to_pay = Fraction(purchase.amount)
        refunded = sum((Fraction(e.amount) for e in refunds_of), Fraction(0))
        if purchase.card not in lapsed and not lapsed_anywhere:
            kept = math.floor((to_pay - refunded) * Fraction(purchase.rate) * Fraction(purchase.multiplier))
            assert -sum(e.points for e in refunds_of) == purchase.points - min(kept, purchase.points)
        for payment in (e for e in under if e.kind == "redeem"):
            back = sum(e.points for e in under if e.kind == "refund" and e.ref == payment.id)
            share = -payment.points * refunded / to_pay if to_pay else -payment.points
            assert back == math.floor(share + Fraction(1, 2)), (payment.points, refunded, to_pay)
