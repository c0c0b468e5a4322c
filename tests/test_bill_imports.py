"""`import purchases` of bills a till computed: discount, paid_points and to_pay columns."""

from __future__ import annotations

import csv

import pytest
from conftest import Loyalty

BILLS = "card,amount,receipt,at,discount,paid_points,to_pay\n"


@pytest.fixture
def shop(loyalty) -> Loyalty:
    """A 5 % discount from 50.00; Anna (1001) holds 570 points from a purchase of 600.00."""
    loyalty("program", "set", "discount.threshold", "50")
    loyalty("program", "set", "discount.percent", "5")
    loyalty.enroll("Anna", "--card", "1001", "--at", "2026-09-01")
    loyalty("purchase", "1001", "600", "--at", "2026-10-01T10:00")  # 30.00 off, pays and earns 570
    return loyalty


def write(tmp_path, text: str, name: str = "till.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def entries_of(loyalty: Loyalty, receipt: str) -> list[dict]:
    return [e for e in loyalty.json("export", "ledger") if e.get("receipt") == receipt]


def test_a_bill_paid_partly_with_points_is_recorded_as_given(shop, tmp_path):
    source = write(tmp_path, BILLS + "1001,60.00,T1,2026-11-05 10:00,3.00,300,54.00\n")
    assert shop.json("import", "purchases", source)["imported"] == 1
    payment, purchase = entries_of(shop, "T1")
    assert (payment["kind"], payment["points"], purchase["id"]) == ("redeem", -300, payment["id"] + 1)
    assert {k: purchase.get(k) for k in ("kind", "amount", "total", "discount", "paid_points", "points")} == {
        "kind": "earn",
        "amount": "54.00",
        "total": "60.00",
        "discount": "3.00",
        "paid_points": 300,
        "points": 54,
    }
    assert (purchase["discount_percent"], purchase["paid_value"]) == ("5", "3.00")
    assert shop.json("member", "show", "1001")["balance"] == 570 - 300 + 54
    assert "OK" in shop("verify").stdout


def test_a_file_without_bill_columns_gets_the_programmes_discount(shop, tmp_path):
    source = write(tmp_path, "card,amount,receipt,at\n1001,60.00,T2,2026-11-05 10:00\n")
    shop("import", "purchases", source)
    (purchase,) = entries_of(shop, "T2")
    assert (purchase["total"], purchase["discount"], purchase["amount"], purchase["points"]) == (
        "60.00",
        "3.00",
        "57.00",
        57,
    )


def test_a_discount_the_till_gave_is_kept_even_when_the_programme_would_give_another(shop, tmp_path):
    source = write(tmp_path, BILLS + "1001,60.00,T3,2026-11-05 10:00,6.00,,54.00\n")
    shop("import", "purchases", source)
    (purchase,) = entries_of(shop, "T3")
    assert (purchase["discount"], purchase["discount_percent"], purchase["points"]) == ("6.00", "10", 54)
    assert "OK" in shop("verify").stdout


def test_an_empty_discount_beside_to_pay_is_the_difference(shop, tmp_path):
    source = write(tmp_path, BILLS + "1001,33.33,T4,2026-11-05 10:00,,,32.33\n")
    shop("import", "purchases", source)
    (purchase,) = entries_of(shop, "T4")
    # 1.00 of 33.33 is 3 % (33.33 x 3 % = 0.9999, 1.00 to the cent)
    assert (purchase["discount"], purchase["discount_percent"], purchase["amount"], purchase["points"]) == (
        "1.00",
        "3",
        "32.33",
        32,
    )
    assert "OK" in shop("verify").stdout


def test_a_row_whose_bill_cells_are_empty_is_a_bill_without_discount(shop, tmp_path):
    source = write(tmp_path, BILLS + "1001,60.00,T5,2026-11-05 10:00,,,\n")
    shop("import", "purchases", source)
    (purchase,) = entries_of(shop, "T5")
    assert (purchase["amount"], purchase.get("discount"), purchase["points"]) == ("60.00", None, 60)


def test_a_bill_that_does_not_add_up_is_rejected_with_its_reason_and_the_rest_imported(shop, tmp_path):
    source = write(
        tmp_path,
        BILLS + "1001,30.00,B1,2026-11-05 10:00,1.00,,28.00\n1001,20.00,G1,2026-11-05 11:00,,,20.00\n",
    )
    rejects = tmp_path / "rejects.csv"
    before = shop.json("member", "show", "1001")["balance"]
    result = shop("import", "purchases", source, "--rejects", rejects, expect=1)
    assert (
        "line 2: the bill does not add up: €30.00 less the discount €1.00 less the €0.00 paid"
        in result.stderr
    )
    assert "is €29.00, not €28.00" in result.stderr
    (row,) = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert (row["receipt"], row["line"]) == ("B1", "2")
    assert entries_of(shop, "B1") == []
    assert shop.json("member", "show", "1001")["balance"] == before + 20


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ("30.00,,5000,", "the discount €0.00 and the €50.00 paid with points come to more than €30.00"),
        ("10.00,,,10.50", "to_pay €10.50 is more than €10.00 less the €0.00 paid with points"),
        ("10.00,,1.5,", "paid_points '1.5' is not a whole number of points"),
        ("10.00,-1.00,,", "amounts are positive"),
    ],
)
def test_a_bill_that_cannot_be_is_rejected(shop, tmp_path, cells, reason):
    source = write(tmp_path, BILLS + f"1001,{cells.replace(',', ',B1,2026-11-05 10:00,', 1)}\n")
    result = shop("import", "purchases", source, expect=1)
    assert reason in result.stderr
    assert entries_of(shop, "B1") == []


def test_points_paid_above_what_the_member_can_spend_reject_the_row(shop, tmp_path):
    source = write(tmp_path, BILLS + "1001,60.00,P1,2026-11-05 10:00,,600,54.00\n")
    result = shop("import", "purchases", source, expect=1)
    assert "line 2: member 1001 can spend 570 points; the bill was paid with 600" in result.stderr
    assert entries_of(shop, "P1") == []
    assert shop.json("member", "show", "1001")["balance"] == 570


def test_points_earned_earlier_in_the_file_can_pay_a_later_row(shop, tmp_path):
    bob = shop.enroll("Bob", "--at", "2026-09-01")
    source = write(
        tmp_path,
        BILLS + f"{bob},20.00,P3,2026-11-06 10:00,,15,19.85\n{bob},40.00,P2,2026-11-05 10:00,,,\n",
    )
    assert shop.json("import", "purchases", source)["imported"] == 2
    assert shop.json("member", "show", bob)["balance"] == 40 - 15 + 19


def test_a_rerun_of_a_file_of_bills_imports_nothing_twice(shop, tmp_path):
    source = write(
        tmp_path,
        BILLS + "1001,60.00,T1,2026-11-05 10:00,3.00,300,54.00\n1001,10.00,T2,2026-11-05 11:00,,,9.50\n",
    )
    shop("import", "purchases", source)
    balance = shop.json("member", "show", "1001")["balance"]
    again = shop.json("import", "purchases", source)
    assert (again["imported"], again["skipped"], again["rejected"]) == (0, 2, 0)
    assert shop.json("member", "show", "1001")["balance"] == balance


def test_a_rerun_of_a_file_the_programme_discounted_imports_nothing_twice(shop, tmp_path):
    source = write(tmp_path, "card,amount,receipt,at\n1001,60.00,T1,2026-11-05 10:00\n")
    shop("import", "purchases", source)
    again = shop.json("import", "purchases", source)
    assert (again["imported"], again["skipped"], again["rejected"]) == (0, 1, 0)


def test_the_same_receipt_with_another_total_is_rejected(shop, tmp_path):
    shop("import", "purchases", write(tmp_path, BILLS + "1001,60.00,T1,2026-11-05 10:00,3.00,,57.00\n"))
    changed = write(tmp_path, BILLS + "1001,61.00,T1,2026-11-05 10:00,3.00,,58.00\n", "changed.csv")
    result = shop("import", "purchases", changed, expect=1)
    assert "receipt T1 is already recorded with other data" in result.stderr


def test_a_refund_of_an_imported_bill_gives_back_the_points_paid_with(shop, tmp_path):
    shop("import", "purchases", write(tmp_path, BILLS + "1001,60.00,T1,2026-11-05 10:00,3.00,300,54.00\n"))
    refund = shop.json("refund", "T1")
    assert (refund["amount"], refund["points_taken"], refund["points_returned"]) == ("54.00", 54, 300)
    assert refund["balance"] == 570
    assert "OK" in shop("verify").stdout


def test_a_bill_that_does_not_add_up_is_explained_in_latvian_and_russian(shop, tmp_path):
    source = write(tmp_path, BILLS + "1001,30.00,B1,2026-11-05 10:00,1.00,,28.00\n")
    lv = shop("--lang", "lv", "import", "purchases", source, expect=1).stderr
    assert "čeka summas nesakrīt: 30,00\u00a0€, atskaitot atlaidi 1,00\u00a0€" in lv
    ru = shop("--lang", "ru", "import", "purchases", source, expect=1).stderr
    assert "суммы чека не сходятся: 30,00\u00a0€ за вычетом скидки 1,00\u00a0€" in ru


def test_points_paid_above_the_balance_are_explained_with_the_right_plural(shop, tmp_path):
    source = write(tmp_path, BILLS + "1001,60.00,P1,2026-11-05 10:00,,600,54.00\n")
    lv = shop("--lang", "lv", "import", "purchases", source, expect=1).stderr
    assert "dalībniekam 1001 izmantojami 570 punktu; čekā ar punktiem samaksāts: 600" in lv
    ru = shop("--lang", "ru", "import", "purchases", source, expect=1).stderr
    assert "участник 1001 может списать 570 баллов; чек оплачен баллами: 600" in ru


def test_a_ledger_export_imports_what_was_paid_without_discounting_it_again(shop, tmp_path):
    exported = tmp_path / "ledger.csv"
    shop("export", "ledger", "--output", exported)
    again = shop.json("import", "purchases", exported)
    assert (again["imported"], again["rejected"]) == (0, 0)  # the same shop: already recorded
    other = Loyalty(tmp_path / "other")
    other("init", "--name", "Other shop")
    other("program", "set", "discount.threshold", "50")
    other("program", "set", "discount.percent", "5")
    other.enroll("Anna", "--card", "1001", "--at", "2026-09-01")
    assert other.json("import", "purchases", exported)["imported"] == 1
    (purchase,) = [e for e in other.json("export", "ledger") if e["kind"] == "earn"]
    assert (purchase["total"], purchase["discount"], purchase["amount"], purchase["points"]) == (
        "600.00",
        "30.00",
        "570.00",
        570,
    )


def test_a_ledger_export_brings_a_payment_with_points_back_before_its_purchase(shop, tmp_path):
    shop("purchase", "1001", "60", "--pay-points", "300", "--receipt", "P1", "--at", "2026-11-05T10:00")
    exported = tmp_path / "ledger.csv"
    shop("export", "ledger", "--output", exported)
    other = Loyalty(tmp_path / "other")
    other("init", "--name", "Other shop")
    other.enroll("Anna", "--card", "1001", "--at", "2026-09-01")
    assert other.json("import", "purchases", exported)["imported"] == 2
    payment, purchase = [e for e in other.json("export", "ledger") if e.get("receipt") == "P1"]
    assert (payment["kind"], payment["points"]) == ("redeem", -300)
    assert (purchase["total"], purchase["discount"], purchase["paid_value"], purchase["amount"]) == (
        "60.00",
        "3.00",
        "3.00",
        "54.00",
    )
    assert other.json("member", "show", "1001")["balance"] == 570 - 300 + 54
    assert "OK" in other("verify").stdout
