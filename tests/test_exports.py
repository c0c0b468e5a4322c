"""`export members|ledger`, and formula-safe CSV everywhere the tool writes one."""

from __future__ import annotations

import csv
import io
import json

import pytest

from loyalty_cli import importing
from loyalty_cli.reporting import csv_input
from loyalty_cli.reporting.spreadsheet import number_cell, safe_cell

FORMULA = '=HYPERLINK("http://x","y")'
ESCAPED = "'" + FORMULA


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def formula_member(loyalty):
    """A member whose name a spreadsheet would run, with points about to expire."""
    card = loyalty.enroll(FORMULA, "--phone", "29123456", "--consent", "--at", "2025-01-01")
    loyalty("purchase", card, "25", "--receipt", "@R1", "--at", "2025-11-10")
    loyalty("adjust", card, "-5", "--reason", "-2+3+cmd|' /C calc'!A0")
    return card


@pytest.mark.parametrize(
    "command",
    [
        ("export", "members"),
        ("export", "members", "--csv"),
        ("member", "list", "--csv"),
        ("report", "segments", "--csv"),
        ("report", "expiring", "--csv"),
    ],
    ids=" ".join,
)
def test_formula_name_is_escaped_in_every_csv(loyalty, formula_member, command):
    rows = csv_rows(loyalty(*command).stdout)
    assert [row["name"] for row in rows if row["card"] == formula_member] == [ESCAPED]


@pytest.mark.parametrize(
    "command",
    [
        ("export", "members", "--json"),
        ("member", "list", "--json"),
        ("report", "segments", "--json"),
        ("report", "expiring", "--json"),
    ],
    ids=" ".join,
)
def test_formula_name_round_trips_unchanged_in_json(loyalty, formula_member, command):
    document = json.loads(loyalty(*command).stdout)
    records = document if isinstance(document, list) else document["members"]
    assert [r["name"] for r in records if r["card"] == formula_member] == [FORMULA]


def test_formula_text_in_the_ledger_export_is_escaped(loyalty, formula_member):
    rows = csv_rows(loyalty("export", "ledger").stdout)
    assert [(r["receipt"], r["reason"]) for r in rows] == [("'@R1", ""), ("", "'-2+3+cmd|' /C calc'!A0")]


def test_money_and_points_columns_stay_numbers(loyalty, formula_member):
    rows = csv_rows(loyalty("export", "ledger").stdout)
    assert [(r["points"], r["amount"]) for r in rows] == [("25", "25.00"), ("-5", "")]
    statement = csv_rows(loyalty("statement", formula_member, "--format", "csv").stdout)
    assert [r["points"] for r in statement] == ["-5"]


def test_phone_numbers_are_text_in_csv(loyalty, formula_member):
    rows = csv_rows(loyalty("export", "members").stdout)
    assert rows[0]["phone"] == "'+37129123456"


def test_every_formula_start_is_escaped_and_plain_text_is_not():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(start + "1+1") == "'" + start + "1+1"
    assert safe_cell("Anna") == "Anna"
    assert safe_cell(None) == ""


def test_numeric_cells_keep_numbers_and_escape_anything_else():
    assert [number_cell(v) for v in (-5, "-5", "12.30", "-0.50", None)] == [-5, "-5", "12.30", "-0.50", ""]
    assert number_cell("-1+cmd") == "'-1+cmd"
    assert number_cell("=SUM(A1)") == "'=SUM(A1)"


def test_ledger_export_covers_the_period_in_shop_days(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "10", "--receipt", "A", "--at", "2026-09-30T23:30")
    loyalty("purchase", card, "20", "--receipt", "B", "--at", "2026-10-01T00:30")
    loyalty("purchase", card, "30", "--receipt", "C", "--at", "2026-10-31T23:30")
    loyalty("purchase", card, "40", "--receipt", "D", "--at", "2026-11-01T00:30")
    rows = loyalty.json("export", "ledger", "--from", "2026-10-01", "--to", "2026-10-31")
    assert [(r["receipt"], r["date"]) for r in rows] == [("B", "2026-10-01"), ("C", "2026-10-31")]


def test_member_export_filters_by_enrolment_day(loyalty):
    loyalty.enroll("Anna", "--at", "2026-01-15")
    loyalty.enroll("Berta", "--at", "2026-03-15")
    rows = loyalty.json("export", "members", "--from", "2026-02-01")
    assert [r["name"] for r in rows] == ["Berta"]


def test_export_writes_the_output_file(loyalty, tmp_path):
    loyalty.enroll("Anna")
    out = tmp_path / "members.csv"
    assert loyalty("export", "members", "--output", str(out)).stdout == ""
    assert csv_rows(out.read_text(encoding="utf-8"))[0]["name"] == "Anna"


def test_csv_and_json_together_is_a_usage_error(loyalty):
    loyalty("export", "members", "--csv", "--json", expect=2)


def test_import_rejects_file_escapes_formulas(tmp_path):
    path = tmp_path / "rejects.csv"
    rejected = [importing.Rejected(2, {"name": FORMULA, "amount": "-5", "phone": "+371"}, "=bad")]
    sheet = csv_input.Sheet(tmp_path / "in.csv", ["name", "amount", "phone"], ["name", "amount", "phone"])
    importing.write_rejects(path, sheet, rejected)
    rows = csv_rows(path.read_text(encoding="utf-8"))
    assert rows == [{"name": ESCAPED, "amount": "-5", "phone": "'+371", "line": "2", "reason": "'=bad"}]


def test_ledger_export_gives_the_shop_local_time_beside_the_utc_moment(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "10", "--receipt", "T", "--at", "2026-11-05T22:39:00+00:00")
    row = next(r for r in csv_rows(loyalty("export", "ledger").stdout) if r["receipt"] == "T")
    assert (row["at"], row["date"], row["time"]) == ("2026-11-05T22:39:00+00:00", "2026-11-06", "00:39")


@pytest.mark.parametrize("what", ["members", "ledger"])
@pytest.mark.parametrize("output", [(), ("--json",), ("--excel",)], ids=["csv", "json", "excel"])
def test_exports_are_the_same_in_every_language(loyalty, formula_member, what, output):
    loyalty.enroll("Jānis Bērziņš", "--email", "janis@example.lv", "--at", "2026-02-01")
    english = loyalty("export", what, *output).stdout_bytes
    for lang in ("lv", "ru"):
        assert loyalty("--lang", lang, "export", what, *output).stdout_bytes == english


def test_member_export_csv_keeps_its_english_columns_and_values_in_latvian(loyalty, formula_member):
    rows = csv_rows(loyalty("--lang", "lv", "export", "members").stdout)
    assert list(rows[0]) == [
        "card",
        "name",
        "phone",
        "email",
        "birthday",
        "consent",
        "status",
        "tier",
        "enrolled_at",
        "referred_by",
        "balance",
        "purchases",
        "last_purchase",
        "spend_12m",
        "language",
    ]
    assert (rows[0]["consent"], rows[0]["status"], rows[0]["balance"]) == ("yes", "active", "20")


def test_an_export_period_ending_before_it_starts_is_refused_in_russian(loyalty):
    result = loyalty(
        "--lang", "ru", "export", "ledger", "--from", "2026-03-01", "--to", "2026-02-01", expect=2
    )
    assert "--from 01.03.2026 позже, чем --to 01.02.2026" in result.stderr


def test_the_ledger_csv_keeps_the_reward_taken_and_the_membership_fee_and_last_day(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-11-01")
    loyalty("purchase", card, "300", "--at", "2026-11-02")
    loyalty("reward", "add", "Coffee", "--points", "150")
    loyalty("redeem", card, "--reward", "Coffee")
    loyalty("plan", "add", "Gold club", "--fee", "20.00", "--months", "12")
    loyalty("member", "subscribe", card, "Gold club", "--paid", "15.50")
    rows = csv_rows(loyalty("export", "ledger").stdout)
    taken, bought = rows[-2], rows[-1]
    assert (taken["kind"], taken["points"], taken["reward"]) == ("redeem", "-150", "Coffee")
    assert (bought["kind"], bought["plan"], bought["fee"]) == ("membership", "Gold club", "15.50")
    assert bought["until"] == "2027-11-21"
    assert taken["plan"] == taken["fee"] == taken["until"] == bought["reward"] == ""
