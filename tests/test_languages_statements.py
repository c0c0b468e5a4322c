"""Statements in the member's language: text and HTML in English, Latvian and Russian;
CSV and JSON the same in every language."""

from __future__ import annotations

import pytest
from conftest import write_entry

NBSP = "\u00a0"


def speaks(loyalty, card: str, code: str) -> None:
    """Give a member a language."""
    loyalty("member", "edit", card, "--language", code)


def programme_speaks(loyalty, code: str) -> None:
    """Make `code` the programme's language."""
    loyalty("program", "set", "language", code)


def unwrapped(text: str) -> str:
    """A text statement with its wrapped lines joined again."""
    return text.replace("\n  ", " ")


@pytest.fixture
def anna(loyalty) -> str:
    """A member with a purchase of 12.30 (12 points) and a redemption of 1 point in November."""
    card = loyalty.enroll("Anna Bērziņa", "--phone", "29123456", "--at", "2026-10-01")
    loyalty("purchase", card, "12,30", "--receipt", "R1", "--at", "2026-11-02T10:00")
    loyalty("redeem", card, "1", "--at", "2026-11-03T10:00")
    return card


def test_a_statement_is_in_english_for_a_member_without_a_language(loyalty, anna):
    text = loyalty("statement", anna).stdout
    assert "Test shop: loyalty statement" in text
    assert "Period: 2026-11-01 to 2026-11-22" in text
    assert "2026-11-02 10:00  Purchase" in text and "€12.30" in text
    assert "Opening balance: 0 points" in text and "Closing balance: 11 points" in text


def test_a_latvian_members_text_statement_is_in_latvian(loyalty, anna):
    speaks(loyalty, anna, "lv")
    text = loyalty("statement", anna).stdout
    assert "Test shop: lojalitātes programmas izraksts" in text
    assert "Periods: no 1.11.2026. līdz 22.11.2026." in text
    assert "Dalībnieks: Anna Bērziņa, karte" in text and "tālrunis +371 ****3456" in text
    assert "2.11.2026. 10:00" in text and "Pirkums" in text and "Punkti izmantoti" in text
    assert f"12,30{NBSP}€" in text
    assert "Sākuma atlikums: 0 punktu" in text and "Beigu atlikums: 11 punktu" in text
    assert "Points" not in text and "Purchase" not in text


def test_a_russian_members_text_statement_is_in_russian(loyalty, anna):
    speaks(loyalty, anna, "ru")
    text = loyalty("statement", anna).stdout
    assert "Test shop: выписка по программе лояльности" in text
    assert "Период: с 01.11.2026 по 22.11.2026" in text
    assert "Участник: Anna Bērziņa, карта" in text
    assert "02.11.2026, 10:00" in text and "Покупка" in text and "Списание баллов" in text
    assert f"12,30{NBSP}€" in text
    assert "Начальный баланс: 0 баллов" in text and "Конечный баланс: 11 баллов" in text


@pytest.mark.parametrize(
    ("code", "points", "expected"),
    [
        ("lv", 1, "Beigu atlikums: 1 punkts"),
        ("lv", 2, "Beigu atlikums: 2 punkti"),
        ("lv", 11, "Beigu atlikums: 11 punktu"),
        ("lv", 21, "Beigu atlikums: 21 punkts"),
        ("ru", 1, "Конечный баланс: 1 балл"),
        ("ru", 3, "Конечный баланс: 3 балла"),
        ("ru", 5, "Конечный баланс: 5 баллов"),
        ("ru", 21, "Конечный баланс: 21 балл"),
        ("en", 1, "Closing balance: 1 point\n"),
        ("en", 1234, "Closing balance: 1,234 points"),
    ],
)
def test_a_balance_takes_the_plural_form_of_its_count(loyalty, code, points, expected):
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("adjust", card, str(points), "--reason", "welcome", "--at", "2026-11-02")
    assert expected in loyalty("statement", card, "--lang", code).stdout


def test_a_latvian_members_html_statement_is_in_latvian_and_says_so(loyalty, anna):
    speaks(loyalty, anna, "lv")
    page = loyalty("statement", anna, "--format", "html").stdout
    assert '<html lang="lv">' in page
    assert "<title>Test shop: izraksts no 1.11.2026. līdz 22.11.2026.</title>" in page
    assert "<dt>Dalībnieks</dt>" in page and "<h2>Operācijas</h2>" in page and "<th>Čeks</th>" in page
    assert f'<td class="num">12,30{NBSP}€</td>' in page and "<td>Pirkums</td>" in page
    assert "Beigu atlikums" in page and "novembris 2026" in page


def test_a_russian_members_html_statement_is_in_russian_and_says_so(loyalty, anna):
    speaks(loyalty, anna, "ru")
    page = loyalty("statement", anna, "--format", "html").stdout
    assert '<html lang="ru">' in page
    assert "<dt>Участник</dt>" in page and "<h2>Операции</h2>" in page
    assert f'<td class="num">12,30{NBSP}€</td>' in page and "<td>Покупка</td>" in page
    assert '<td class="keep">02.11.2026, 10:00</td>' in page and "ноябрь 2026" in page


def test_an_html_statement_in_english_says_so(loyalty, anna):
    page = loyalty("statement", anna, "--format", "html").stdout
    assert '<html lang="en">' in page
    assert '<td class="num">€12.30</td>' in page and "<td>Purchase</td>" in page and "<dt>Member</dt>" in page


def test_lang_writes_the_statement_in_another_language_than_the_members(loyalty, anna):
    speaks(loyalty, anna, "lv")
    assert "Покупка" in loyalty("statement", anna, "--lang", "ru").stdout
    english = loyalty("statement", anna, "--lang", "en", "--format", "html").stdout
    assert '<html lang="en">' in english and "Purchase" in english and "Pirkums" not in english


def test_a_member_enrolled_after_the_programme_chose_a_language_gets_it(loyalty, anna):
    programme_speaks(loyalty, "lv")
    assert "Opening balance" in loyalty("statement", anna).stdout  # enrolled in English before
    berta = loyalty.enroll("Berta", "--at", "2026-11-01")
    assert "Sākuma atlikums" in loyalty("statement", berta).stdout


def test_a_member_stored_without_a_language_gets_the_programmes(loyalty, anna):
    with loyalty.store().transaction() as shop:
        member = shop.members.require(anna)
        del member["language"]  # a member stored before members had a language
        shop.members.put(member)
    programme_speaks(loyalty, "ru")
    assert "Начальный баланс" in loyalty("statement", anna).stdout


def test_the_operators_language_does_not_choose_the_statements(loyalty, anna):
    speaks(loyalty, anna, "ru")
    assert "Покупка" in loyalty("--lang", "lv", "statement", anna).stdout


def test_a_json_statement_is_the_same_in_every_language(loyalty, anna):
    english = loyalty("statement", anna, "--format", "json").stdout
    for code in ("lv", "ru"):
        assert loyalty("statement", anna, "--format", "json", "--lang", code).stdout == english
        assert loyalty("--lang", code, "statement", anna, "--json").stdout == english
    speaks(loyalty, anna, "lv")
    assert loyalty("statement", anna, "--format", "json").stdout == english
    entry = loyalty.json("statement", anna)["entries"][0]
    assert (entry["date"], entry["description"], entry["amount"]) == ("2026-11-02", "Purchase", "12.30")


def test_a_csv_statement_is_the_same_in_every_language(loyalty, anna):
    english = loyalty("statement", anna, "--format", "csv").stdout
    speaks(loyalty, anna, "ru")
    assert loyalty("statement", anna, "--format", "csv").stdout == english
    assert loyalty("statement", anna, "--format", "csv", "--lang", "lv").stdout == english
    assert ",earn,Purchase,R1,12.30,12,12" in english


def test_entries_are_described_in_the_members_language(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "40", "--receipt", "R123", "--at", "2026-11-02")
    loyalty("refund", "R123", "--amount", "10", "--at", "2026-11-03")
    loyalty("adjust", card, "3", "--reason", "kafija", "--at", "2026-11-04")
    latvian = loyalty("statement", card, "--lang", "lv").stdout
    assert "Atmaksa par čeku R123" in latvian and "Korekcija: kafija" in latvian
    russian = loyalty("statement", card, "--lang", "ru").stdout
    assert "Возврат по чеку R123" in russian and "Корректировка: kafija" in russian


def test_tier_progress_is_in_the_members_language(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:300:1.25")
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "120.50", "--at", "2026-06-15")
    latvian = loyalty("statement", card, "--lang", "lv").stdout
    assert f"Līmenis: Bronze (pirkumu summa 12 mēnešos: 120,50{NBSP}€)" in latvian
    assert f"; līdz līmenim Silver vēl trūkst 179,50{NBSP}€" in latvian
    russian = loyalty("statement", card, "--lang", "ru").stdout
    assert f"Уровень: Bronze (сумма покупок за 12 месяцев: 120,50{NBSP}€)" in russian
    assert f"; до уровня Silver не хватает 179,50{NBSP}€" in russian


def test_expiring_points_are_listed_by_month_in_the_members_language(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    loyalty("purchase", card, "10", "--at", "2025-11-15")  # expires at the end of 2026-11
    loyalty("purchase", card, "21", "--at", "2026-01-15")  # 2027-01
    english = unwrapped(loyalty("statement", card).stdout)
    assert "November 2026: 10 points, December 2026: 0 points, January 2027: 21 points" in english
    latvian = unwrapped(loyalty("statement", card, "--lang", "lv").stdout)
    assert "Punkti, kas zaudēs derīgumu mēneša beigās: novembris 2026: 10 punktu" in latvian
    assert "janvāris 2027: 21 punkts" in latvian
    russian = unwrapped(loyalty("statement", card, "--lang", "ru").stdout)
    assert "ноябрь 2026: 10 баллов, декабрь 2026: 0 баллов, январь 2027: 21 балл" in russian


def test_monthly_statements_are_each_in_the_members_language(loyalty, tmp_path):
    cards = {}
    for name, code in (("Anna", None), ("Baiba", "lv"), ("Boris", "ru")):
        cards[name] = loyalty.enroll(name, "--at", "2026-01-01")
        loyalty("purchase", cards[name], "12,30", "--at", "2026-10-05")
        if code:
            speaks(loyalty, cards[name], code)
    loyalty("statements", "--month", "2026-10", "--output-dir", tmp_path, "--format", "html")

    def page(name: str) -> str:
        return (tmp_path / f"statement-2026-10-{cards[name]}.html").read_text(encoding="utf-8")

    assert '<html lang="en">' in page("Anna") and "€12.30" in page("Anna")
    assert '<html lang="lv">' in page("Baiba") and "Pirkums" in page("Baiba")
    assert '<html lang="ru">' in page("Boris") and "Покупка" in page("Boris")


def test_monthly_statements_report_to_the_operator_in_the_operators_language(loyalty, tmp_path):
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty.enroll("Berta", "--at", "2026-01-01")
    loyalty("purchase", card, "10", "--at", "2026-10-05")
    latvian = loyalty("--lang", "lv", "statements", "--month", "2026-10", "--output-dir", tmp_path / "lv")
    assert latvian.stdout.startswith("Ierakstīts 1 izraksts par 2026-10 mapē ")
    assert "(izlaists 1 dalībnieks bez operācijām un punktiem)" in latvian.stdout
    russian = loyalty("--lang", "ru", "statements", "--month", "2026-10", "--output-dir", tmp_path / "ru")
    assert russian.stdout.startswith("Записана 1 выписка за 2026-10 в папку ")
    assert "(пропущен 1 участник без операций и баллов)" in russian.stdout
    english = loyalty("statements", "--month", "2026-10", "--output-dir", tmp_path / "en")
    assert english.stdout.startswith("Wrote 1 statement for 2026-10 to ")
    assert "(1 member without entries or points skipped)" in english.stdout


def test_the_file_written_is_named_in_the_operators_language(loyalty, anna, tmp_path):
    speaks(loyalty, anna, "lv")
    result = loyalty("--lang", "ru", "statement", anna, "--output", tmp_path / "anna.txt")
    assert f"Выписка по карте {anna} записана в файл" in result.stderr
    assert "Pirkums" in (tmp_path / "anna.txt").read_text(encoding="utf-8")


def test_a_period_the_wrong_way_round_is_refused_in_the_operators_language(loyalty, anna):
    result = loyalty(
        "--lang", "lv", "statement", anna, "--from", "2026-11-10", "--to", "2026-11-01", expect=2
    )
    assert "perioda sākums (10.11.2026.) ir vēlāks par tā beigām (1.11.2026.)" in result.stderr


def test_an_unknown_statement_language_is_a_usage_error(loyalty, anna):
    result = loyalty("statement", anna, "--lang", "de", expect=2)
    assert "'de' is not a language loyalty speaks" in result.stderr


def test_a_write_dated_before_the_latest_entry_is_refused_in_the_operators_language(loyalty, anna):
    result = loyalty("--lang", "lv", "redeem", anna, "1", "--at", "2026-11-02T09:00", expect=1)
    assert (
        "ir ieraksts ar datumu 3.11.2026. 10:00; punktu izmantošanu nevar datēt agrāk par to" in result.stderr
    )
    result = loyalty("--lang", "ru", "purchase", anna, "5", "--at", "2026-09-01", expect=1)
    assert f"участник {anna} зарегистрирован 01.10.2026, 12:00; покупку нельзя датировать" in result.stderr


def test_statement_help_is_in_the_operators_language(loyalty):
    latvian = loyalty("--lang", "lv", "statement", "--help").stdout
    assert "Parādīt dalībnieka izrakstu" in latvian and "Rakstīt izrakstu šajā valodā" in latvian
    russian = loyalty("--lang", "ru", "statements", "--help").stdout
    assert "Записать выписку для каждого участника" in russian
    assert "loyalty statements --month 2026-10 --output-dir statements/2026-10 --format html" in russian


def test_a_member_without_a_tier_is_told_so_in_their_language(loyalty, anna):
    assert "Tier: no tier (spend over 12 months €12.30)" in loyalty("statement", anna).stdout
    assert f"Līmenis: bez līmeņa (pirkumu summa 12 mēnešos: 12,30{NBSP}€)" in (
        loyalty("statement", anna, "--lang", "lv").stdout
    )
    assert "Уровень: без уровня" in loyalty("statement", anna, "--lang", "ru").stdout


def test_an_entry_reads_as_one_entry_where_a_report_column_reads_otherwise(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    write_entry(loyalty, card, "2026-11-02T10:00:00", kind="bonus", points=5, lots={"2027-11": 5})
    loyalty("redeem", card, "2", "--at", "2026-11-03")
    write_entry(loyalty, card, "2026-11-04T10:00:00", kind="expire", points=-1, lots={"2027-11": -1})
    latvian = loyalty("statement", card, "--lang", "lv").stdout
    assert "Bonuss" in latvian and "Punkti izmantoti" in latvian and "Punkti zaudēja derīgumu" in latvian
    russian = loyalty("statement", card, "--lang", "ru").stdout
    assert "Бонус " in russian and "Списание баллов" in russian and "Баллы сгорели" in russian
    described = [entry["description"] for entry in loyalty.json("statement", card)["entries"]]
    assert described == ["Bonus", "Points redeemed", "Points expired"]
