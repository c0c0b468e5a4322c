"""Statements show each purchase's bill, payments with points, pending points and cashback."""

from __future__ import annotations

import json
from datetime import date

import pytest
from loyalty_cli.commands import statements as command

from loyalty_cli import language
from loyalty_cli.reporting import statements as core

LATER = "2026-12-20T12:00:00+00:00"


@pytest.fixture
def discounts(loyalty):
    """A shop with a 5 % discount from a receipt of 50.00, and a member holding 600 points."""
    loyalty("program", "set", "discount.threshold", "50")
    loyalty("program", "set", "discount.percent", "5")
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("adjust", card, "600", "--reason", "opening", "--at", "2026-10-02")
    return card


def entries(loyalty, card, *args):
    return loyalty.json("statement", card, "--from", "2026-11-01", *args)["entries"]


def test_a_discounted_purchase_shows_the_receipt_total_and_the_discount(loyalty, discounts):
    loyalty("purchase", discounts, "60", "--receipt", "R1", "--at", "2026-11-02")
    (entry,) = entries(loyalty, discounts)
    assert entry["amount"] == "57.00"
    assert {k: entry[k] for k in command.BILL_COLUMNS} == {
        "total": "60.00",
        "discount_percent": "5",
        "discount": "3.00",
        "paid_points": 0,
        "paid_value": "0.00",
        "to_pay": "57.00",
    }
    shown = loyalty("statement", discounts).stdout
    assert "Receipt total" in shown and "€60.00" in shown
    assert "Discount 5 %" in shown and "-€3.00" in shown


def test_a_plain_purchase_has_no_bill_lines_but_its_bill_columns(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "20", "--receipt", "R1", "--at", "2026-11-02")
    (entry,) = entries(loyalty, card)
    assert (entry["total"], entry["discount"], entry["to_pay"]) == ("20.00", "0.00", "20.00")
    assert "Receipt total" not in loyalty("statement", card).stdout


def test_a_payment_with_points_is_described_as_paid_with_points(loyalty, discounts):
    loyalty("purchase", discounts, "60", "--pay-points", "300", "--receipt", "R2", "--at", "2026-11-03")
    loyalty("redeem", discounts, "10", "--reason", "coffee", "--at", "2026-11-04")
    paid, purchase, redeemed = entries(loyalty, discounts)
    assert (paid["kind"], paid["description"], paid["points"]) == ("redeem", "Paid with points", -300)
    assert (purchase["paid_points"], purchase["paid_value"], purchase["to_pay"]) == (300, "3.00", "54.00")
    assert purchase["amount"] == "54.00"
    assert redeemed["description"] == "Points redeemed: coffee"
    shown = loyalty("statement", discounts).stdout
    assert "Paid with 300 points" in shown
    assert shown.count("-€3.00") == 2  # the discount and the points paid with


def test_a_half_refund_returns_half_the_points_paid_with_and_says_so(loyalty, discounts):
    loyalty("purchase", discounts, "60", "--pay-points", "300", "--receipt", "R2", "--at", "2026-11-03")
    loyalty("refund", "R2", "--amount", "27", "--at", "2026-11-05")
    *_, money_back, points_back = entries(loyalty, discounts)
    assert (money_back["description"], money_back["amount"]) == ("Refund of R2", "-27.00")
    assert money_back["points"] < 0
    assert (points_back["description"], points_back["points"]) == ("Refund of R2: points returned", 150)
    assert points_back["amount"] is None
    assert "Refund of R2: points returned" in loyalty("statement", discounts).stdout
    html = loyalty("statement", discounts, "--format", "html").stdout
    assert "<td>Refund of R2: points returned</td>" in html


def test_pending_points_are_shown_apart_and_not_as_expiring(loyalty):
    loyalty("program", "set", "earn.pending_days", "14")
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "48", "--receipt", "R1", "--at", "2026-11-20")
    st = loyalty.json("statement", card, "--format", "json")
    assert st["closing_balance"] == 48
    assert st["pending"] == {"2026-12-05": 48}
    assert sum(st["expiring"].values()) == 0
    shown = loyalty("statement", card).stdout
    assert "Of which pending: 48 points, spendable from 2026-12-05" in shown


def test_due_pending_points_count_as_confirmed_before_maintain_runs(loyalty):
    loyalty("program", "set", "earn.pending_days", "14")
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "48", "--receipt", "R1", "--at", "2026-11-01")
    st = loyalty.json("statement", card, "--from", "2026-11-01", "--to", "2026-11-30", now=LATER)
    assert st["pending"] == {}
    assert "pending" not in loyalty("statement", card, now=LATER).stdout.lower()


def test_maintain_confirms_pending_points_and_the_statement_shows_it(loyalty):
    loyalty("program", "set", "earn.pending_days", "14")
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "48", "--receipt", "R1", "--at", "2026-11-20")
    loyalty("maintain", now=LATER)
    st = loyalty.json("statement", card, "--from", "2026-11-01", "--to", "2026-12-20", now=LATER)
    confirm = st["entries"][-1]
    assert (confirm["kind"], confirm["points"], confirm["balance"]) == ("confirm", 0, 48)
    assert confirm["description"] == "Pending points confirmed: 48"
    assert st["pending"] == {}
    # As of the day of the purchase, the points were still pending.
    before = loyalty.json("statement", card, "--from", "2026-11-01", "--to", "2026-11-30", now=LATER)
    assert before["pending"] == {"2026-12-05": 48}
    assert sum(before["expiring"].values()) == 0
    shown = loyalty("statement", card, "--from", "2026-12-01", "--to", "2026-12-20", now=LATER).stdout
    (line,) = [row for row in shown.splitlines() if "Pending points confirmed: 48" in row]
    assert line.split()[-1] == "48" and "+0" not in line  # the balance, no change of points


@pytest.fixture
def cashback(loyalty):
    """A cashback shop (3 %) with a 2 % discount from 20.00 and a member's purchases."""
    loyalty("program", "set", "earn.mode", "cashback")
    loyalty("program", "set", "earn.cashback_percent", "3")
    loyalty("program", "set", "discount.threshold", "20")
    loyalty("program", "set", "discount.percent", "2")
    card = loyalty.enroll("Berta", "--at", "2026-10-01")
    loyalty("purchase", card, "250", "--receipt", "C1", "--at", "2026-11-02")
    loyalty("purchase", card, "30", "--pay-points", "300", "--receipt", "C2", "--at", "2026-11-03")
    return card


def test_a_cashback_statement_shows_money_for_the_balance(loyalty, cashback):
    st = loyalty.json("statement", cashback)
    assert st["cashback"] is True
    first, paid, second = st["entries"]
    assert (first["points"], first["balance"]) == ("7.35", "7.35")  # 3 % of 245.00
    assert (paid["description"], paid["points"]) == ("Paid with cashback", "-3.00")
    assert second["paid_value"] == "3.00"
    assert st["closing_balance"] == second["balance"]
    assert all(isinstance(value, str) for value in st["expiring"].values())
    shown = loyalty("statement", cashback).stdout
    assert "Cashback" in shown.splitlines()[6]  # the points column's heading
    assert "Opening balance: €0.00" in shown
    assert f"Closing balance: €{second['balance']}" in shown
    assert "Cashback expiring at the end of the month: November 2026: €0.00" in shown
    assert "+€7.35" in shown and "Paid with cashback" in shown
    csv_rows = loyalty("statement", cashback, "--format", "csv").stdout.splitlines()
    assert csv_rows[1].split(",")[7:9] == ["7.35", "7.35"]


def test_a_cashback_html_statement_says_cashback(loyalty, cashback, tmp_path):
    loyalty("statement", cashback, "--format", "html", "--output", str(tmp_path / "b.html"))
    page = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert '<th class="num">Cashback</th>' in page
    assert "Cashback expiring at the end of the month" in page
    assert "Receipt total" in page and "Paid with cashback" in page


def test_html_statement_lists_the_bill_under_the_purchase(loyalty, discounts, tmp_path):
    loyalty("purchase", discounts, "60", "--pay-points", "300", "--receipt", "R2", "--at", "2026-11-03")
    loyalty("statement", discounts, "--format", "html", "--output", str(tmp_path / "a.html"))
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert page.count('<tr class="bill') == 3
    assert page.index("Purchase") < page.index("Receipt total") < page.index("Discount 5 %")
    assert "Paid with 300 points" in page and "Paid with points" in page


def test_text_with_bills_fits_60_and_100_columns_and_keeps_bill_lines_indented(loyalty, discounts):
    loyalty("purchase", discounts, "60", "--pay-points", "300", "--receipt", "R2", "--at", "2026-11-03")
    shop = loyalty.store().read()
    statement = core.for_member(shop, shop.members.get(discounts), date(2026, 11, 1), date(2026, 11, 22))
    for code in ("en", "lv", "ru"):
        with language.speaking(code):
            for width in (60, 100):
                lines = command.text(statement, width).splitlines()
                assert max(map(len, lines)) <= width
                total = next(line for line in lines if line.lstrip().startswith(_receipt_total(code)))
                assert total.startswith(" " * 2)


def _receipt_total(code: str) -> str:
    return {"en": "Receipt total", "lv": "Čeka summa", "ru": "Сумма чека"}[code]


def test_monthly_statements_carry_the_bills(loyalty, discounts, tmp_path):
    loyalty("purchase", discounts, "60", "--pay-points", "300", "--receipt", "R2", "--at", "2026-11-03")
    loyalty("statements", "--month", "2026-11", "--output-dir", str(tmp_path), "--format", "json")
    st = json.loads((tmp_path / f"statement-2026-11-{discounts}.json").read_text(encoding="utf-8"))
    assert [e["description"] for e in st["entries"]] == ["Paid with points", "Purchase"]
    assert st["entries"][-1]["total"] == "60.00"


def test_latvian_statement_translates_the_bill_payment_and_pending_points(loyalty, discounts):
    loyalty("program", "set", "earn.pending_days", "14")
    loyalty("purchase", discounts, "60", "--pay-points", "300", "--receipt", "R2", "--at", "2026-11-20")
    loyalty("refund", "R2", "--amount", "27", "--at", "2026-11-21")
    shown = loyalty("statement", discounts, "--lang", "lv").stdout
    shown += loyalty("statement", discounts, "--lang", "lv", "--format", "html").stdout
    for text in (
        "Samaksāts ar punktiem",
        "Čeka summa",
        "Atlaide 5 %",
        "Samaksāts ar 300 punktu",
        "Atmaksa par čeku R2: punkti atdoti atpakaļ",
        "No tiem gaidošie: 27 punkti, izmantojami no 5.12.2026.",
    ):
        assert text in " ".join(shown.split()), text


def test_russian_statement_translates_the_bill_payment_and_cashback(loyalty, cashback):
    closing = loyalty.json("statement", cashback)["closing_balance"].replace(".", ",")
    assert closing == "5,14"  # 7.35 - 3.00 + 0.79
    shown = loyalty("statement", cashback, "--lang", "ru").stdout
    flat = " ".join(shown.split())
    for text in ("Оплачено кэшбэком", "Сумма чека", "Скидка 2 %", "Кэшбэк", f"Конечный баланс: {closing} €"):
        assert " ".join(text.split()) in flat, text


def test_russian_statement_names_confirmed_pending_points(loyalty):
    loyalty("program", "set", "earn.pending_days", "14")
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "48", "--receipt", "R1", "--at", "2026-11-20")
    loyalty("maintain", now=LATER)
    period = ("--from", "2026-11-01", "--to", "2026-12-20")
    shown = loyalty("statement", card, "--lang", "ru", "--format", "html", *period, now=LATER).stdout
    assert "<td>Ожидающие баллы подтверждены: 48</td>" in shown
