"""Statements agree with the ledger for any history and any period."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from loyalty_cli.commands.statements import render

from loyalty_cli import clock, formats, language, lots, members, points, program
from loyalty_cli.errors import Refused
from loyalty_cli.reporting import statements
from loyalty_cli.storage.folder.shop import Shop, new_data

START = datetime(2024, 1, 1, 9, 0, tzinfo=timezone.utc)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("purchase"), st.decimals(min_value=Decimal("0.01"), max_value=500, places=2)),
        st.tuples(st.just("redeem"), st.sampled_from([10, 50, 100])),
        st.tuples(st.just("adjust"), st.integers(-300, 300).filter(bool)),
        st.tuples(st.just("expire"), st.just(0)),
        st.tuples(st.just("wait"), st.integers(1, 120)),
    ),
    max_size=30,
)
days = st.integers(0, 900).map(lambda n: date(2024, 1, 1) + timedelta(days=n))


def new_shop() -> Shop:
    shop = Shop(new_data(), writable=True, root=Path("."))
    shop.save_settings(program.new_settings(**{"expiry.months": "3", "tiers": "Bronze:0:1,Silver:300:1.5"}))
    return shop


def play(shop: Shop, card: str, sequence) -> None:
    at = START
    for kind, value in sequence:
        try:
            if kind == "purchase":
                points.purchase(shop, card, value, at=at, operator="t")
            elif kind == "redeem":
                points.redeem(shop, card, value, at=at, operator="t")
            elif kind == "adjust":
                points.adjust(shop, card, value, reason="test", at=at, operator="t")
            elif kind == "expire":
                member = shop.members.get(card)
                month = clock.month_of(at, shop.programme().tz)
                deltas = lots.expired(member["points"]["lots"], month)
                if deltas:
                    points.record(
                        shop,
                        member,
                        at=at,
                        operator="t",
                        kind="expire",
                        points=sum(deltas.values()),
                        lots=deltas,
                        reason="expired",
                    )
            else:
                at += timedelta(days=value)
        except Refused:
            pass


@settings(max_examples=150, deadline=None)
@given(steps, days, days)
def test_statement_balances_agree_with_the_ledger(sequence, first, second):
    shop = new_shop()
    card = members.enroll(shop, name="Anna", at=START)["card"]
    play(shop, card, sequence)
    start, end = min(first, second), max(first, second)
    statement = statements.for_member(shop, shop.members.get(card), start, end)
    history = list(shop.ledger.entries(card))
    tz = shop.programme().tz
    since = clock.iso(clock.start_of_day(start, tz))
    until = clock.iso(clock.end_of_day(end, tz))
    assert statement.opening_balance == sum(e.points for e in history if e.at < since)
    assert statement.closing_balance == sum(e.points for e in history if e.at <= until)
    assert [line.id for line in statement.lines] == [e.id for e in history if since <= e.at <= until]
    held: dict[str, int] = {}
    for entry in history:
        if entry.at <= until:
            lots.apply(held, entry.lots)
    month = end.strftime("%Y-%m")
    shown = [clock.add_months(month, i) for i in range(3)]
    due = sum(v for k, v in held.items() if k not in (lots.DEBT, lots.NEVER) and v > 0 and k <= shown[-1])
    assert sum(statement.expiring.values()) == due


@settings(max_examples=40, deadline=None)
@given(steps, days, days)
def test_any_statement_is_written_in_every_language_and_its_json_is_the_same_in_all(sequence, first, second):
    language.use(language.ENGLISH)  # hypothesis runs many examples within one test
    shop = new_shop()
    card = members.enroll(shop, name="Anna", at=START)["card"]
    play(shop, card, sequence)
    start, end = min(first, second), max(first, second)
    statement = statements.for_member(shop, shop.members.get(card), start, end)
    english_json = render(statement, "json", "en")
    for code in language.LANGUAGES:
        assert render(statement, "json", code) == english_json
        assert render(statement, "csv", code) == render(statement, "csv", "en")
        closing = formats.number(statement.closing_balance, code)
        assert closing in render(statement, "text", code)
        assert f'<html lang="{code}">' in render(statement, "html", code)
    assert language.active() == language.ENGLISH


spend_steps = st.lists(
    st.one_of(
        st.tuples(st.just("purchase"), st.decimals(min_value=Decimal("0.01"), max_value=500, places=2)),
        st.tuples(st.just("refund"), st.integers(0, 5)),
        st.tuples(st.just("wait"), st.integers(1, 60)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(spend_steps, st.integers(0, 30))
def test_spend_from_the_stored_spend_by_day_equals_the_spend_from_the_ledger(sequence, back):
    """For any history of purchases and refunds (of earlier purchases, recorded later), the
    spend over a month's tier window taken from the projection, less what was recorded after
    the month, equals the spend of the ledger entries recorded by the month's end; and a
    statement built that way is the statement built from the ledger since the window began."""
    from loyalty_cli import projection, refunds

    shop = new_shop()
    card = members.enroll(shop, name="Anna", at=START)["card"]
    at, receipts = START, []
    for kind, value in sequence:
        try:
            if kind == "purchase":
                receipts.append(f"R{len(receipts)}")
                points.purchase(shop, card, value, at=at, operator="t", receipt=receipts[-1])
            elif kind == "refund" and receipts:
                receipt = receipts[max(len(receipts) - 1 - value, 0)]
                refunds.refund(shop, receipt, Decimal("0.01") * (value + 1), at=at, operator="t", now=at)
            else:
                at += timedelta(days=value)
        except Refused:
            pass
    tz = shop.programme().tz
    month_end = statements.month_period(clock.month_of(at - timedelta(days=back), tz))[1]
    start = month_end.replace(day=1)
    member = shop.members.get(card)
    if not projection.spend_kept_over(member["points"], month_end):
        return  # the ledger decides (statements read it since the window began)
    until = clock.iso(clock.end_of_day(month_end, tz))
    window_start = clock.iso(clock.start_of_day(projection.window(month_end)[0], tz))
    from_window = list(shop.ledger.entries(card, since=window_start))
    from_month = list(shop.ledger.entries(card, since=clock.iso(clock.start_of_day(start, tz))))
    ledger_spend = sum(projection.spend_by_card(from_window, tz, month_end, until).values(), Decimal("0"))
    assert projection.spend_recorded_by(member["points"], from_month, tz, month_end, until) == ledger_spend
    programme = shop.programme()
    stored = statements._build(programme, member, from_month, start, month_end, stored_spend=True)
    ledger = statements._build(programme, member, from_window, start, month_end, stored_spend=False)
    assert stored == ledger
    for fmt in ("text", "csv", "json", "html"):
        assert render(stored, fmt) == render(ledger, fmt)


def test_a_projection_holds_the_tier_window_only_while_its_days_are_kept():
    from loyalty_cli import projection

    points = {"spend": {"2026-11-15": "10.00"}}
    assert projection.spend_kept_over(points, date(2026, 10, 31))  # kept from 2025-10-15
    assert not projection.spend_kept_over(points, date(2026, 9, 30))  # its window starts 2025-09-30
    assert projection.spend_kept_over({"spend": {}}, date(2020, 1, 31))
