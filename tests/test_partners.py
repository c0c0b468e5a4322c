"""Partner shops: purchases and redemptions at partners, imports naming them, and the
settlement of a period between the partners and the programme."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import write_entry

CAFE = "Café Rīts"
FLOWERS = "Ziedu Salons"


def _entries(loyalty):
    return list(loyalty.store().read().ledger.entries())


@pytest.fixture
def coalition(loyalty):
    """A shop with two partners: the café at the programme's redeem.value, the florist at 0.008."""
    loyalty("partner", "add", CAFE)
    loyalty("partner", "add", FLOWERS, "--redeem-value", "0.008")
    return loyalty


def test_a_purchase_and_a_redemption_at_a_partner_name_it_on_their_entries(coalition):
    card = coalition.enroll()
    bought = coalition.json("purchase", card, "45.50", "--partner", "café rīts", "--receipt", "C1")
    spent = coalition.json("redeem", card, "20", "--partner", FLOWERS)

    assert bought["partner"] == CAFE  # the stored name, whatever the letter case typed
    assert bought["points"] == 45 and spent["partner"] == FLOWERS
    assert [(e.kind, e.points, e.partner) for e in _entries(coalition)] == [
        ("earn", 45, CAFE),
        ("redeem", -20, FLOWERS),
    ]
    assert coalition.json("member", "show", card)["balance"] == 25
    assert "At partner shop Café Rīts" in coalition("purchase", card, "1", "--partner", CAFE).stdout


def test_a_purchase_paid_with_points_at_a_partner_names_it_on_the_payment_too(coalition):
    card = coalition.enroll()
    coalition("purchase", card, "100", "--receipt", "S1")
    coalition("purchase", card, "10.00", "--pay-points", "50", "--partner", CAFE, "--receipt", "C2")
    paid = [e for e in _entries(coalition) if e.receipt == "C2"]
    assert [(e.kind, e.points, e.partner) for e in paid] == [("redeem", -50, CAFE), ("earn", 9, CAFE)]


@pytest.mark.parametrize("command", [["purchase", "{card}", "10"], ["redeem", "{card}", "5"]])
def test_an_unknown_partner_is_refused_and_nothing_is_written(coalition, command):
    card = coalition.enroll()
    coalition("purchase", card, "50")
    before = coalition.snapshot()

    result = coalition(*[part.format(card=card) for part in command], "--partner", "Nowhere", expect=1)

    assert result.stderr.strip() == "Error: no partner shop named Nowhere; see `loyalty partner list`"
    assert coalition.snapshot() == before


def test_partner_names_are_unique_in_any_letter_case_and_a_refusal_writes_nothing(coalition):
    before = coalition.snapshot()
    result = coalition("partner", "add", "CAFÉ RĪTS", expect=1)
    assert "already a partner shop named Café Rīts" in result.stderr
    for bad in ("", "   ", "(own shop)", "Bad\x1b[2Jname", "x" * 201):
        coalition("partner", "add", bad, expect=2)
    coalition("partner", "add", "Tējnīca", "--redeem-value", "0", expect=2)
    coalition("partner", "add", "Tējnīca", "--redeem-value", "lots", expect=2)
    coalition("partner", "edit", "Nowhere", "--redeem-value", "0.02", expect=1)
    assert coalition.snapshot() == before


def test_a_partner_keeps_the_redeem_value_it_was_added_with_until_edited(coalition):
    coalition("program", "set", "redeem.value", "0.02")
    listed = {p["name"]: p["redeem_value"] for p in coalition.json("partner", "list")}
    assert listed == {CAFE: "0.01", FLOWERS: "0.008"}

    coalition("partner", "add", "Tējnīca")  # added now: today's redeem.value
    coalition("partner", "edit", "café rīts", "--redeem-value", "0.012")
    listed = {p["name"]: p["redeem_value"] for p in coalition.json("partner", "list")}
    assert listed == {CAFE: "0.012", FLOWERS: "0.008", "Tējnīca": "0.02"}
    text = coalition("partner", "list").stdout
    assert "0.012\u00a0EUR" in text and "€0.02" in text


def test_partner_list_with_no_partners_says_how_to_add_one(loyalty):
    assert "loyalty partner add NAME" in loyalty("partner", "list").stdout
    assert loyalty.json("partner", "list") == []


def _a_month_of_two_partners(loyalty) -> tuple[str, str]:
    """October 2026 at a café (value 0.01) and a florist (0.008), and one purchase in November."""
    anna = loyalty.enroll("Anna", "--at", "2026-09-01T08:00:00+00:00")
    peter = loyalty.enroll("Pēteris", "--at", "2026-09-01T08:00:00+00:00")
    at = "--at"
    # 2026-09-30 22:30 UTC is 1 October 01:30 in Riga: the shop's October.
    loyalty("purchase", peter, "10.00", "--partner", CAFE, at, "2026-09-30T22:30:00+00:00")
    loyalty("purchase", anna, "120.00", "--partner", CAFE, "--receipt", "C1", at, "2026-10-02T09:00:00+00:00")
    loyalty("purchase", peter, "80.00", "--partner", FLOWERS, at, "2026-10-03T09:00:00+00:00")
    loyalty("purchase", anna, "200.00", "--receipt", "S1", at, "2026-10-05T09:00:00+00:00")
    loyalty("redeem", anna, "150", "--partner", FLOWERS, at, "2026-10-10T09:00:00+00:00")
    loyalty("redeem", peter, "60", "--partner", CAFE, at, "2026-10-12T09:00:00+00:00")
    loyalty("refund", "C1", "--amount", "20.00", at, "2026-10-15T09:00:00+00:00")
    loyalty(
        "purchase", peter, "50.00", "--pay-points", "30", "--partner", CAFE, at, "2026-10-20T09:00:00+00:00"
    )
    loyalty("purchase", anna, "10.00", "--partner", CAFE, at, "2026-11-01T09:00:00+00:00")
    return anna, peter


def test_the_settlement_of_two_partners_over_a_month_matches_the_hand_computed_figures(coalition):
    _a_month_of_two_partners(coalition)
    # By hand, for October (shop time):
    #   café: issued 10 + 120 - 20 (refund of C1) + 49 (floor of 50.00 - 0.30) = 159;
    #         redeemed 60 + 30 (paid with points) = 90; net 69 x 0.01 = 0.69, the café pays
    #   florist: issued 80; redeemed 150; net -70 x 0.008 = -0.56, the florist is paid
    #   own shop: issued 200, redeemed 0; the November purchase is outside the period.
    report = coalition.json("report", "partners", "--from", "2026-10-01", "--to", "2026-10-31")
    rows = {row["partner"]: row for row in report["partners"]}
    assert rows[CAFE] == {
        "partner": CAFE,
        "points_issued": 159,
        "points_redeemed": 90,
        "net_points": 69,
        "redeem_value": "0.01",
        "due": "0.69",
    }
    assert rows[FLOWERS] == {
        "partner": FLOWERS,
        "points_issued": 80,
        "points_redeemed": 150,
        "net_points": -70,
        "redeem_value": "0.008",
        "due": "-0.56",
    }
    assert report["own_shop"] == {
        "partner": "(own shop)",
        "points_issued": 200,
        "points_redeemed": 0,
        "net_points": 200,
        "redeem_value": None,
        "due": None,
    }
    assert report["total_due"] == "0.13" and report["currency"] == "EUR"

    text = coalition("report", "partners", "--from", "2026-10-01", "--to", "2026-10-31").stdout
    assert "pays €0.69" in text and "is paid €0.56" in text and "(own shop)" in text

    sheet = coalition("report", "partners", "--from", "2026-10-01", "--to", "2026-10-31", "--csv").stdout
    assert list(csv.reader(io.StringIO(sheet))) == [
        ["partner", "points_issued", "points_redeemed", "net_points", "redeem_value", "due"],
        [CAFE, "159", "90", "69", "0.01", "0.69"],
        [FLOWERS, "80", "150", "-70", "0.008", "-0.56"],
        ["(own shop)", "200", "0", "200", "", ""],
    ]


def test_a_partner_purchase_refunded_in_full_settles_to_nothing(coalition):
    card = coalition.enroll()
    coalition("purchase", card, "100", "--receipt", "S1")
    coalition("purchase", card, "20.00", "--pay-points", "40", "--partner", CAFE, "--receipt", "C9")
    coalition("refund", "C9")

    refunds = [e for e in _entries(coalition) if e.kind == "refund"]
    assert {e.partner for e in refunds} == {CAFE}
    assert sorted(e.points for e in refunds) == [-19, 40]  # taken back, and the payment given back
    report = coalition.json("report", "partners", "--from", "2026-11-22", "--to", "2026-11-22")
    cafe = next(row for row in report["partners"] if row["partner"] == CAFE)
    assert (cafe["points_issued"], cafe["points_redeemed"], cafe["due"]) == (0, 0, "0.00")


def test_points_earned_at_a_partner_expire_like_any_others(coalition):
    card = coalition.enroll("Anna", "--at", "2025-01-01T08:00:00+00:00")
    coalition("purchase", card, "30", "--partner", CAFE, "--at", "2025-02-10T09:00:00+00:00")
    coalition("expire", "--as-of", "2026-03-01")
    assert coalition.json("member", "show", card)["balance"] == 0
    # The lapsed points stay issued in February 2025's settlement; expiry settles nothing.
    report = coalition.json("report", "partners", "--from", "2025-02-01", "--to", "2026-03-31")
    cafe = next(row for row in report["partners"] if row["partner"] == CAFE)
    assert cafe["points_issued"] == 30 and cafe["due"] == "0.30"


def test_a_period_that_ends_before_it_starts_is_refused(coalition):
    coalition("report", "partners", "--from", "2026-10-31", "--to", "2026-10-01", expect=2)
    coalition("report", "partners", "--from", "2026-10-01", expect=2)  # --to is required


def test_an_import_takes_the_partner_of_each_row_and_rejects_an_unknown_partner(coalition, tmp_path):
    card = coalition.enroll("Anna", "--at", "2026-11-01T08:00:00+00:00")
    path = tmp_path / "till.csv"
    path.write_text(
        "card,amount,receipt,at,partner\n"
        f"{card},12.00,I1,2026-11-20T10:00:00+02:00,café rīts\n"
        f"{card},8.00,I2,2026-11-20T11:00:00+02:00,\n"
        f"{card},5.00,I3,2026-11-20T12:00:00+02:00,Nowhere\n",
        encoding="utf-8",
    )
    result = coalition("import", "purchases", str(path), "--json", expect=1)
    assert '"imported": 2' in result.stdout and '"rejected": 1' in result.stdout
    text = coalition("import", "purchases", str(path), "--dry-run", expect=1)
    assert "line 4: no partner shop named Nowhere" in text.stderr
    assert [(e.receipt, e.partner) for e in _entries(coalition)] == [("I1", CAFE), ("I2", None)]


def test_statements_name_the_partner_shop_of_a_purchase_and_a_redemption(coalition):
    card = coalition.enroll()
    coalition("purchase", card, "45.50", "--partner", CAFE)
    coalition("redeem", card, "20", "--partner", FLOWERS)
    coalition("redeem", card, "5", "--partner", FLOWERS, "--reason", "tulips")
    text = coalition("statement", card).stdout
    assert "Purchase at Café Rīts" in text
    assert "Points redeemed at Ziedu Salons" in text
    lines = coalition.json("statement", card)["entries"]
    assert [line["description"] for line in lines] == [
        "Purchase at Café Rīts",
        "Points redeemed at Ziedu Salons",
        "Points redeemed at Ziedu Salons: tulips",
    ]


def test_verify_finds_an_entry_whose_partner_is_not_in_the_partners_table(coalition):
    card = coalition.enroll()
    write_entry(
        coalition,
        card,
        "2026-11-22T10:00:00",
        kind="adjust",
        points=5,
        lots={"2027-11": 5},
        reason="hand edit",
        partner="Ghost",
    )
    result = coalition("verify", expect=None)
    assert result.exit_code != 0
    assert "partner shop 'Ghost' is not in the partners table" in result.stdout + result.stderr


def test_the_settlement_in_latvian_and_russian(coalition):
    _a_month_of_two_partners(coalition)
    period = ("--from", "2026-10-01", "--to", "2026-10-31")
    lv = coalition("--lang", "lv", "report", "partners", *period).stdout
    assert "Partnera veikals" in lv and "maksā 0,69\u00a0€" in lv and "(pašu veikals)" in lv
    ru = coalition("--lang", "ru", "report", "partners", *period).stdout
    assert "Магазин-партнёр" in ru and "платит 0,69\u00a0€" in ru and "(свой магазин)" in ru


def test_partner_texts_in_latvian_and_russian(coalition):
    card = coalition.enroll("Anna", "--language", "lv")  # a statement is in the member's language
    lv = coalition("--lang", "lv", "purchase", card, "12", "--partner", CAFE).stdout
    assert "Partnera veikalā Café Rīts" in lv
    assert "Pirkums partnera veikalā Café" in coalition("--lang", "lv", "statement", card).stdout
    ru = coalition("--lang", "ru", "partner", "add", "Tējnīca").stdout
    assert "Магазин-партнёр Tējnīca добавлен" in ru
    refused = coalition("--lang", "ru", "redeem", card, "5", "--partner", "Nowhere", expect=1)
    assert "нет магазина-партнёра Nowhere" in refused.stderr


def test_the_ledger_export_carries_the_partner_and_imports_back_with_it(coalition, tmp_path):
    card = coalition.enroll("Anna", "--at", "2026-11-01T08:00:00+00:00")
    coalition("purchase", card, "12.00", "--partner", CAFE, "--receipt", "E1")
    coalition("purchase", card, "8.00", "--receipt", "E2")
    exported = tmp_path / "ledger.csv"
    coalition("export", "ledger", "--output", str(exported))
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"))))
    assert [(row["receipt"], row["partner"]) for row in rows] == [("E1", CAFE), ("E2", "")]

    other = type(coalition)(tmp_path / "other")
    other("init")
    other("partner", "add", CAFE)
    other("enroll", "Anna", "--card", card, "--at", "2026-11-01T08:00:00+00:00")
    other("import", "purchases", str(exported))
    entries = list(other.store().read().ledger.entries())
    assert [(e.receipt, e.partner) for e in entries if e.kind == "earn"] == [("E1", CAFE), ("E2", None)]


def test_in_a_cashback_programme_partners_settle_cashback_at_its_face_value(loyalty):
    loyalty("program", "set", "earn.mode", "cashback")
    loyalty("program", "set", "earn.cashback_percent", "3")
    loyalty("partner", "add", CAFE, "--redeem-value", "0.5", expect=2)
    loyalty("partner", "add", CAFE)
    card = loyalty.enroll()
    loyalty("purchase", card, "40.00", "--partner", CAFE)  # 3 % of 40.00 = 1.20 of cashback
    loyalty("redeem", card, "--amount", "0.50", "--partner", CAFE)
    report = loyalty.json("report", "partners", "--from", "2026-11-22", "--to", "2026-11-22")
    assert report["partners"] == [
        {
            "partner": CAFE,
            "points_issued": "1.20",
            "points_redeemed": "0.50",
            "net_points": "0.70",
            "redeem_value": "0.01",
            "due": "0.70",
        }
    ]


def test_a_partner_added_before_the_programme_turned_to_cashback_settles_at_face_value(loyalty):
    loyalty("partner", "add", CAFE, "--redeem-value", "0.5")  # while the programme was in points
    loyalty("program", "set", "earn.mode", "cashback")
    loyalty("program", "set", "earn.cashback_percent", "10")
    card = loyalty.enroll()
    loyalty("purchase", card, "100.00", "--partner", CAFE)  # 10.00 of cashback
    report = loyalty.json("report", "partners", "--from", "2026-11-22", "--to", "2026-11-22")
    (row,) = report["partners"]
    assert (row["points_issued"], row["redeem_value"], row["due"]) == ("10.00", "0.01", "10.00")
    assert report["total_due"] == "10.00"
    assert loyalty.json("partner", "list")[0]["redeem_value"] == "0.01"
    assert "€0.50" not in loyalty("partner", "list").stdout
