"""A stateful property test: random sequences of shop operations keep the ledger's invariants.

Every rule is one transaction through the store, as a command would run it; after every
step the data is read back and checked: each balance equals the sum of the member's lots
and of their ledger entries, no lot is below zero but the refund debt, no refund exceeds
its purchase, no receipt earns twice, `verify` is clean, and the balances are those the
model expects. The programme has tier and threshold discounts (stacking switched on and
off by a rule), purchases may be paid partly with points, and what a purchase earns is
pending for a few days, confirmed by `maintain`'s confirmation run or lazily; refunds
follow the formula of refunds.py. Rules for operations this version may lack (refund,
expiry, birthdays, card replacement and merging) are used only where their module exists.
"""

from __future__ import annotations

import importlib
import math
import shutil
import tempfile
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule
from test_bill_properties import _refunds_follow_the_formula

from loyalty_cli import clock, lots, members, pending, plans, points, program, projection, tiers
from loyalty_cli.checkout import Payment
from loyalty_cli.errors import DuplicateReceipt, InsufficientPoints, Refused
from loyalty_cli.storage.folder.store import Store
from loyalty_cli.verification import verify

EXPIRY_MONTHS = 3
BIRTHDAY_BONUS = 7
PENDING_DAYS = 3
TIERS = "Bronze:0:1:0,Silver:300:1.25:3,Gold:1000:1.5:5"
START = datetime(2026, 1, 10, 9, 0, tzinfo=timezone.utc)


def optional(module: str):
    """A core module that may not be in this version yet, or None."""
    try:
        return importlib.import_module(f"loyalty_cli.{module}")
    except ImportError:
        return None


refunds, expiry, bonuses = optional("refunds"), optional("expiry"), optional("bonuses")
draws = optional("draws.draw")
card_moves = optional("card_moves")
partners = optional("partners")
rewards = optional("rewards")

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)
names = st.text(st.characters(categories=("L", "Zs")), min_size=1, max_size=30).filter(str.strip)


class Shop(RuleBasedStateMachine):
    """The model: expected balances, receipts that earned, and the clock."""

    cards = Bundle("cards")
    receipts = Bundle("receipts")

    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="loyalty-stateful-"))
        self.now = START
        # With a clock, each write moves the entries of earlier days to partitions.
        self.store = Store(self.folder / "shop", clock=clock.Clock(self.now))
        self.balances: dict[str, int] = {}
        self.earned: set[str] = set()
        self.serial = 0
        self.moved: dict[str, str] = {}  # replaced and merged cards: the card each went to
        with self.store.transaction(create=True) as shop:
            settings = program.new_settings(
                **{
                    "expiry.months": EXPIRY_MONTHS,
                    "bonus.birthday": BIRTHDAY_BONUS,
                    "tiers": TIERS,
                    "discount.threshold": "50",
                    "discount.percent": "5",
                    "earn.pending_days": PENDING_DAYS,
                }
            )
            settings["created_at"] = clock.iso(self.now)
            shop.save_settings(settings)

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- the operations -------------------------------------------------------------------

    @rule(target=cards, name=names, born=st.one_of(st.none(), st.integers(min_value=0, max_value=60)))
    def enrol(self, name, born):
        # Birthdays soon after the start, so that the birthday rule finds some.
        birthday = None if born is None else (date(1990, 1, 12) + timedelta(days=born)).isoformat()
        with self.store.transaction() as shop:
            member = members.enroll(shop, name=name, at=self.now, birthday=birthday)
        self.balances[member["card"]] = member["points"]["balance"]
        return member["card"]

    @rule(target=receipts, card=cards, amount=amounts, again=st.one_of(st.none(), receipts))
    def purchase(self, card, amount, again):
        card = self._now(card)
        receipt = again or self._receipt()
        before = self._bytes()
        try:
            with self.store.transaction() as shop:
                done = points.purchase(shop, card, amount, at=self.now, operator="model", receipt=receipt)
        except DuplicateReceipt:
            assert receipt in self.earned
            assert self._bytes() == before
            return receipt
        assert receipt not in self.earned
        self._check_bill(done, amount)
        self.earned.add(receipt)
        self.balances[card] += done.entry.points
        return receipt

    @rule(
        target=receipts,
        card=cards,
        amount=amounts,
        how=st.one_of(st.just("all"), st.integers(min_value=1, max_value=120)),
    )
    def purchase_paid_with_points(self, card, amount, how):
        """Part of the receipt paid with points: all the member can spend, or a share of it."""
        card = self._now(card)
        receipt = self._receipt()
        can = self._spendable(card)
        pay = Payment(everything=True) if how == "all" else Payment(points=max(1, can * how // 100))
        before = self._bytes()
        try:
            with self.store.transaction() as shop:
                done = points.purchase(
                    shop, card, amount, at=self.now, operator="model", receipt=receipt, payment=pay
                )
        except InsufficientPoints:
            assert how != "all" and pay.points > can
            assert self._bytes() == before
            return receipt
        self._check_bill(done, amount)
        assert done.bill.paid_points <= max(can, 0)
        self.earned.add(receipt)
        self.balances[card] += done.entry.points - done.bill.paid_points
        return receipt

    @rule(on=st.booleans())
    def discounts_stack(self, on):
        with self.store.transaction() as shop:
            settings = dict(shop.programme().settings)
            settings["discount.stack"] = "true" if on else "false"
            shop.save_settings(settings)

    @rule()
    def confirm_pending(self):
        """`maintain`'s confirmation of the day: balances stay, nothing due stays pending."""
        with self.store.transaction() as shop:
            tz = shop.programme().tz
            pending.confirm_all(shop, self.now.astimezone(tz).date(), operator="model")
        today = self._today()
        for member in self.store.read().members.all():
            member_lots = member["points"]["lots"]
            assert not [k for k in member_lots if lots.is_pending(k) and pending.available_on(k) <= today]

    @rule(card=cards, wanted=st.integers(min_value=1, max_value=2000))
    def redeem(self, card, wanted):
        card = self._now(card)
        spendable = self._spendable(card)
        before = self._bytes()
        try:
            with self.store.transaction() as shop:
                points.redeem(shop, card, wanted, at=self.now, operator="model")
        except InsufficientPoints:
            assert wanted > spendable
            assert self._bytes() == before
            return
        assert wanted <= spendable <= self.balances[card]
        self.balances[card] -= wanted

    @rule(card=cards, change=st.integers(min_value=-2000, max_value=2000).filter(bool))
    def adjust(self, card, change):
        card = self._now(card)
        spendable = self._spendable(card)
        before = self._bytes()
        try:
            with self.store.transaction() as shop:
                points.adjust(shop, card, change, reason="model", at=self.now, operator="model")
        except InsufficientPoints:
            assert -change > spendable
            assert self._bytes() == before
            return
        self.balances[card] += change

    @rule(hours=st.integers(min_value=1, max_value=24 * 20))
    def time_passes(self, hours):
        self.now += timedelta(hours=hours)
        self.store.clock = clock.Clock(self.now)

    @rule()
    def month_rollover(self):
        """The clock moves into the next month; the first write moves the days before out."""
        self.now = (self.now.replace(day=1) + timedelta(days=32)).replace(day=2)
        self.store.clock = clock.Clock(self.now)
        with self.store.transaction() as shop:  # a write: the programme's name, unchanged
            shop.save_settings(dict(shop.programme().settings))
        today = self.now.strftime("%Y-%m-%dT00:00:00+00:00")
        assert self.store.read().ledger.hot_before(today) == []

    @precondition(lambda self: draws is not None)
    @rule(winners=st.integers(min_value=1, max_value=3), prize=st.integers(min_value=0, max_value=300))
    def draw(self, winners, prize):
        self.serial += 1
        today = self.now.date()
        rules = draws.Rules(
            window=draws.Window(today - timedelta(days=40), today),
            winners=winners,
            prize="model prize",
            prize_points=prize,
        )
        with self.store.transaction() as shop:
            record, _fresh = draws.hold(
                shop, f"D{self.serial}", rules, seed=None, at=self.now, operator="model"
            )
        for card in record["winners"]:
            self.balances[card] += prize
        assert draws.verify(self.store.read(), f"D{self.serial}") == []

    @precondition(lambda self: refunds is not None)
    @rule(
        receipt=receipts,
        share=st.sampled_from([None, Decimal("0.25"), Decimal("0.5"), Decimal("1.5")]),
        of_what_is_left=st.booleans(),
    )
    def refund(self, receipt, share, of_what_is_left):
        shop = self.store.read()
        under = shop.ledger.by_receipt(receipt)
        purchase = next((e for e in under if e.kind == "earn"), None)
        base = None if purchase is None else Decimal(purchase.amount)
        if base is not None and of_what_is_left:
            base -= sum((Decimal(e.amount) for e in under if e.kind == "refund" and e.amount), Decimal(0))
        amount = None if share is None or base is None else (base * share).quantize(Decimal("0.01"))
        try:
            with self.store.transaction() as shop:
                done = refunds.refund(shop, receipt, amount or None, at=self.now, operator="model")
        except Refused:
            return
        assert done.balance == self.balances[done.card] - done.points_taken + done.points_returned
        self.balances[done.card] = done.balance

    @precondition(lambda self: expiry is not None)
    @rule()
    def expire(self):
        with self.store.transaction() as shop:
            done = expiry.expire(shop, self.now.date(), operator="model")
        for card, expired in done.by_member.items():
            self.balances[card] -= expired

    @precondition(lambda self: bonuses is not None)
    @rule()
    def birthdays(self):
        with self.store.transaction() as shop:
            given = bonuses.birthdays(shop, self.now.date(), operator="model")
            for bonus in given:
                self.balances[bonus.card] += bonus.points

    @precondition(lambda self: card_moves is not None)
    @rule(card=cards)
    def replace_card(self, card):
        card = self._now(card)
        with self.store.transaction() as shop:
            done = card_moves.replace_card(shop, card, at=self.now, operator="model")
        assert done.balance == self.balances[card]
        self.moved[card] = done.new_card
        self.balances[done.new_card] = self.balances.pop(card)

    @precondition(lambda self: card_moves is not None)
    @rule(keep=cards, other=cards)
    def merge(self, keep, other):
        keep, other = self._now(keep), self._now(other)
        if keep == other:
            return
        with self.store.transaction() as shop:
            done = card_moves.merge(shop, keep, other, at=self.now, operator="model")
        self.moved[other] = keep
        self.balances[keep] += self.balances[other]
        self.balances[other] = 0
        assert done.balance == self.balances[keep]

    @precondition(lambda self: partners is not None)
    @rule(
        target=receipts,
        card=cards,
        amount=amounts,
        where=st.sampled_from(["Kafejnīca Pie Tilta", "kafejnīca pie tilta", "Ziedi"]),
        spend=st.integers(min_value=0, max_value=300),
    )
    def purchase_and_redeem_at_a_partner(self, card, amount, where, spend):
        """A purchase at a partner shop, then a redemption there: ordinary points that name it;
        the settlement of all time counts every partner entry once, net of refunds."""
        card = self._now(card)
        with self.store.transaction() as shop:
            for name, value in (("Kafejnīca Pie Tilta", None), ("Ziedi", "0.008")):
                if partners.find(shop, name) is None:
                    partners.add(shop, name, redeem_value=value, at=self.now, operator="model")
            receipt = self._receipt()
            done = points.purchase(
                shop, card, amount, at=self.now, operator="model", receipt=receipt, partner=where
            )
        assert done.entry.partner == partners.find(self.store.read(), where)["name"]
        self._check_bill(done, amount)
        self.earned.add(receipt)
        self.balances[card] += done.entry.points
        wanted = min(spend, self._spendable(card))
        if wanted > 0:
            with self.store.transaction() as shop:
                spent = points.redeem(shop, card, wanted, at=self.now, operator="model", partner=where)
            assert spent.entry.partner == done.entry.partner
            self.balances[card] -= wanted
        shop = self.store.read()
        settled = partners.settle(shop, START.date() - timedelta(days=1), self.now.date() + timedelta(days=1))
        for row in settled.partners:
            at_partner = [e for e in shop.ledger.entries() if e.partner == row.partner]
            assert row.points_issued - row.points_redeemed == sum(e.points for e in at_partner)
        return receipt

    @rule(card=cards)
    def subscribe(self, card):
        """A one-month plan (x2, 5 % off) bought or renewed: the fee moves no points, and a
        renewal starts the day after the last day."""
        card = self._now(card)
        today = self._today()
        with self.store.transaction() as shop:
            if shop.plans.get("Club") is None:
                plans.add(shop, "Club", fee="9.99", months=1, multiplier="2", discount="5", at=self.now)
            before = plans.held(shop.members.get(card), today)
            done = plans.subscribe(shop, card, "Club", at=self.now, operator="model")
        assert (done.entry.points, done.entry.lots, done.entry.amount) == (0, {}, None)
        assert done.member["points"]["balance"] == self.balances[card]
        first = (
            date.fromisoformat(before["until"]) + timedelta(days=1) if before else date.fromisoformat(today)
        )
        assert done.entry.until == plans.last_day(first, 1).isoformat()
        assert done.renewed == (before is not None)

    @rule()
    def memberships_lapse(self):
        """`maintain`'s end of lapsed memberships: only those whose last day has passed."""
        today = self._today()
        with self.store.transaction() as shop:
            plans.end_lapsed(shop, date.fromisoformat(today))
        for member in self.store.read().members.all():
            assert member.get("membership") is None or member["membership"]["until"] >= today

    # -- the invariants -------------------------------------------------------------------

    @invariant()
    def balances_are_the_sum_of_lots_and_of_the_ledger(self):
        shop = self.store.read()
        ledger = defaultdict(int)
        for entry in shop.ledger.entries():
            ledger[self._now(entry.card)] += entry.points
        for member in shop.members.all():
            held = member["points"]
            assert held["balance"] == sum(held["lots"].values()) == ledger[member["card"]]
            assert held["balance"] == self.balances[member["card"]]

    @invariant()
    def no_lot_is_below_zero_but_the_refund_debt(self):
        for member in self.store.read().members.all():
            for key, value in member["points"]["lots"].items():
                assert value > 0 or (key == lots.DEBT and value < 0), (member["card"], key, value)

    @invariant()
    def refunds_never_exceed_their_purchase(self):
        entries = list(self.store.read().ledger.entries())
        refunded = defaultdict(Decimal)
        for entry in entries:
            if entry.kind == "refund" and entry.amount is not None:
                refunded[entry.ref] += Decimal(entry.amount)
        for entry in entries:
            if entry.kind == "earn":
                assert refunded[entry.id] <= Decimal(entry.amount)

    @invariant()
    def no_receipt_is_counted_twice(self):
        seen = defaultdict(int)
        for entry in self.store.read().ledger.entries():
            if entry.receipt is not None and entry.kind in ("earn", "redeem"):
                seen[(entry.kind, entry.receipt)] += 1
        assert all(count == 1 for count in seen.values())

    @invariant()
    def refunds_follow_the_formula(self):
        shop = self.store.read()
        lapsed = any(e.kind == "expire" and e.points for e in shop.ledger.entries())
        _refunds_follow_the_formula(shop, lapsed_anywhere=lapsed)

    @invariant()
    def verify_is_clean(self):
        report = verify(self.store.read())
        assert report.ok, report.problems

    # -- the rewards catalogue --------------------------------------------------------------

    @precondition(lambda self: rewards is not None)
    @rule(
        price=st.integers(min_value=1, max_value=600),
        stock=st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
        min_tier=st.sampled_from([None, "Silver", "Gold"]),
    )
    def reward_added(self, price, stock, min_tier):
        self.catalogue = getattr(self, "catalogue", {})
        name = f"Reward {len(self.catalogue) + 1}"
        with self.store.transaction() as shop:
            rewards.add(shop, name, price, at=self.now, stock=stock, min_tier=min_tier)
        self.catalogue[name] = stock

    @precondition(lambda self: getattr(self, "catalogue", None))
    @rule(card=cards, pick=st.integers(min_value=0, max_value=20))
    def reward_redeemed(self, card, pick):
        """A reward taken: its points spent and one of its stock gone; or refused, nothing written."""
        card = self._now(card)
        name = sorted(self.catalogue)[pick % len(self.catalogue)]
        shop = self.store.read()
        reward, member = shop.rewards.get(name), shop.members.get(card)
        programme = shop.programme()
        order = [t.name for t in programme.tiers]
        held = tiers.held_at(programme, member, clock.iso(self.now))
        low = reward["min_tier"] and order.index(held.name) < order.index(reward["min_tier"])
        empty = self.catalogue[name] == 0
        before = self._bytes()
        try:
            with self.store.transaction() as shop:
                rewards.redeem(shop, card, name, at=self.now, operator="model")
        except Refused:
            assert low or empty or reward["points"] > self._spendable(card)
            assert self._bytes() == before
            return
        assert not low and not empty
        self.balances[card] -= reward["points"]
        if self.catalogue[name] is not None:
            self.catalogue[name] -= 1

    @precondition(lambda self: getattr(self, "catalogue", None))
    @rule(pick=st.integers(min_value=0, max_value=20), count=st.integers(min_value=1, max_value=3))
    def reward_restocked(self, pick, count):
        name = sorted(self.catalogue)[pick % len(self.catalogue)]
        if self.catalogue[name] is None:
            return
        with self.store.transaction() as shop:
            rewards.restock(shop, name, count)
        self.catalogue[name] += count

    @invariant()
    def reward_stock_is_as_modelled(self):
        for name, stock in getattr(self, "catalogue", {}).items():
            assert self.store.read().rewards.get(name)["stock"] == stock

    def _now(self, card: str) -> str:
        """The card that holds `card`'s history now."""
        while card in self.moved:
            card = self.moved[card]
        return card

    def _check_bill(self, done, amount: Decimal) -> None:
        """The bill adds up and earns on what was paid in money only."""
        bill = done.bill
        assert bill.amount == amount
        assert bill.amount - bill.discount - bill.paid_value == bill.to_pay >= 0
        assert bill.discount_percent in (0, 3, 5, 8, 10, 13, 15)  # 13, 15: with the plan's 5 %, stacked
        expected = Fraction(bill.to_pay) * Fraction(bill.rate) * Fraction(bill.multiplier)
        assert done.entry.points == bill.points == math.floor(expected)
        if PENDING_DAYS and bill.points:
            assert all(lots.is_pending(k) or k == lots.DEBT for k in done.entry.lots)

    def _today(self) -> str:
        return projection.day_of(self.now, self.store.read().programme().tz)

    def _spendable(self, card: str) -> int:
        return pending.spendable(self.store.read().members.get(card), self._today())

    def _receipt(self) -> str:
        self.serial += 1
        return f"M{self.serial}"

    def _bytes(self) -> bytes:
        return self.store.hot_path.read_bytes()


Shop.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestShop = Shop.TestCase
