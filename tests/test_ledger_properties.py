"""Ledger invariants under any sequence of purchases, redemptions, adjustments, refunds,
expiry and bonuses: balance == sum of lots == sum of the member's ledger, and verify is clean."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty_cli import bonuses, expiry, members, points, program, refunds, verification
from loyalty_cli.errors import Refused
from loyalty_cli.lots import DEBT
from loyalty_cli.storage.folder.shop import Shop, new_data

START = datetime(2024, 1, 1, 9, 0, tzinfo=timezone.utc)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("purchase"), st.integers(0, 1), amounts),
        st.tuples(st.just("redeem"), st.integers(0, 1), st.sampled_from([10, 50, 100])),
        st.tuples(st.just("adjust"), st.integers(0, 1), st.integers(-300, 300).filter(bool)),
        st.tuples(st.just("refund"), st.integers(0, 30), amounts),
        st.tuples(st.just("expire"), st.just(0), st.just(0)),
        st.tuples(st.just("birthday"), st.just(0), st.just(0)),
        st.tuples(st.just("wait"), st.integers(1, 120), st.just(0)),
    ),
    max_size=40,
)


def new_shop() -> Shop:
    shop = Shop(new_data(), writable=True, root=Path("."))
    shop.save_settings(
        program.new_settings(
            **{"expiry.months": "3", "tiers": "Bronze:0:1,Silver:300:1.5", "bonus.welcome": "5"}
        )
        | {"bonus.birthday": 7}
    )
    return shop


@settings(max_examples=300, deadline=None)
@given(steps)
def test_balance_lots_and_ledger_always_agree(sequence):
    shop = new_shop()
    at = START
    cards = [
        members.enroll(shop, name=f"M{i}", at=at, birthday="1990-01-15", operator="t")["card"]
        for i in range(2)
    ]
    receipts: list[str] = []
    for kind, who, value in sequence:
        try:
            if kind == "purchase":
                receipt = f"R{len(receipts)}"
                points.purchase(shop, cards[who], value, at=at, operator="t", receipt=receipt)
                receipts.append(receipt)
            elif kind == "redeem":
                balance = shop.members.get(cards[who])["points"]["balance"]
                wanted = max(1, balance * value // 100)
                points.redeem(shop, cards[who], wanted, at=at, operator="t")
            elif kind == "adjust":
                points.adjust(shop, cards[who], value, reason="test", at=at, operator="t")
            elif kind == "refund" and receipts:
                receipt = receipts[who % len(receipts)]
                refunds.refund(shop, receipt, value, at=at, operator="t")
            elif kind == "expire":
                expiry.expire(shop, at.date(), operator="t")
            elif kind == "birthday":
                bonuses.birthdays(shop, at.date(), operator="t")
            elif kind == "wait":
                at += timedelta(days=who)
        except Refused:
            pass
        check_invariants(shop, cards)


def check_invariants(shop: Shop, cards: list[str]) -> None:
    entries = list(shop.ledger.entries())
    for card in cards:
        member = shop.members.get(card)
        held = member["points"]
        assert held["balance"] == sum(held["lots"].values())
        assert held["balance"] == sum(e.points for e in entries if e.card == card)
        assert all(v > 0 for k, v in held["lots"].items() if k != DEBT)
        assert held["lots"].get(DEBT, 0) <= 0
        if held["lots"].get(DEBT):
            assert len(held["lots"]) == 1, "a debt is paid before new points are kept"
    for purchase in (e for e in entries if e.kind == "earn"):
        refunded = sum(
            Decimal(e.amount) for e in entries if e.kind == "refund" and e.ref == purchase.id and e.amount
        )
        taken = -sum(e.points for e in entries if e.kind == "refund" and e.ref == purchase.id)
        assert refunded <= Decimal(purchase.amount)
        assert 0 <= taken <= purchase.points
    earn_receipts = [e.receipt for e in entries if e.kind == "earn"]
    assert len(earn_receipts) == len(set(earn_receipts))
    report = verification.verify(shop)
    assert report.ok, report.problems
