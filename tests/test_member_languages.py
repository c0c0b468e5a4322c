"""A member's language (enroll/member edit --language), and the member commands in lv and ru."""

from __future__ import annotations

import json

import pytest

NBSP = "\u00a0"


@pytest.fixture
def anna(loyalty) -> str:
    """Anna, enrolled in January, with a birthday, 21 points and a tier to reach."""
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:500:1.25")
    card = loyalty.enroll(
        "Anna Bērziņa", "--phone", "29123456", "--birthday", "1990-04-17", "--at", "2026-01-02T10:00:00+00:00"
    )
    loyalty("purchase", card, "21", "--at", "2026-05-01T10:00:00+00:00")
    return card


def set_programme_language(loyalty, code: str) -> None:
    """The programme's language, stored the way `program set language` keeps it."""
    with loyalty.store().transaction() as shop:
        shop.save_settings({**shop.programme().settings, "language": code})


# The member's language


@pytest.mark.parametrize("code", ["en", "lv", "ru"])
def test_enrol_with_a_language_keeps_it_on_the_member(loyalty, code):
    card = loyalty.enroll("Anna", "--language", code)
    assert loyalty.json("member", "show", card)["language"] == code


def test_enrol_takes_a_language_written_as_a_locale(loyalty):
    card = loyalty.enroll("Anna", "--language", "LV_lv.UTF-8")
    assert loyalty.json("member", "show", card)["language"] == "lv"


def test_a_member_enrolled_without_a_language_gets_english_by_default(loyalty):
    card = loyalty.enroll("Anna")
    assert loyalty.json("member", "show", card)["language"] == "en"


def test_a_member_enrolled_without_a_language_gets_the_programmes_language(loyalty):
    set_programme_language(loyalty, "ru")
    card = loyalty.enroll("Ivan")
    assert loyalty.json("member", "show", card)["language"] == "ru"


def test_the_programmes_language_does_not_change_members_enrolled_before(loyalty):
    card = loyalty.enroll("Anna")
    set_programme_language(loyalty, "lv")
    assert loyalty.json("member", "show", card)["language"] == "en"


def test_member_edit_changes_the_language(loyalty):
    card = loyalty.enroll("Anna", "--language", "lv")
    assert loyalty.json("member", "edit", card, "--language", "ru")["language"] == "ru"
    assert loyalty.json("member", "show", card)["language"] == "ru"


def test_member_edit_of_the_language_keeps_the_other_details(loyalty):
    card = loyalty.enroll("Anna", "--phone", "29123456", "--consent")
    shown = loyalty.json("member", "edit", card, "--language", "lv")
    assert (shown["phone"], shown["consent"]) == ("+37129123456", True)


@pytest.mark.parametrize(
    "args",
    [("enroll", "Anna", "--language", "de"), ("member", "edit", "CARD", "--language", "klingon")],
)
def test_an_unknown_language_is_refused_with_exit_2_on_one_line_and_nothing_written(loyalty, args):
    card = loyalty.enroll("Jānis", "--language", "lv")
    before = loyalty.snapshot()
    result = loyalty(*[card if a == "CARD" else a for a in args], expect=2)
    assert result.stderr.startswith("Error: ") and "en, lv, ru" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert loyalty.snapshot() == before


def test_member_edit_with_an_empty_language_is_refused(loyalty):
    card = loyalty.enroll("Anna", "--language", "lv")
    loyalty("member", "edit", card, "--language", "", expect=2)
    assert loyalty.json("member", "show", card)["language"] == "lv"


def test_import_members_takes_a_language_column(loyalty, tmp_path):
    source = tmp_path / "members.csv"
    source.write_text("name,phone,language\nAnna,29123456,lv\nIvan,29000001,ru\nJohn,29000002,\n")
    assert loyalty.json("import", "members", str(source))["imported"] == 3
    languages = {
        m["name"]: m["language"]
        for m in (loyalty.json("member", "show", p) for p in ("29123456", "29000001", "29000002"))
    }
    assert languages == {"Anna": "lv", "Ivan": "ru", "John": "en"}


def test_import_members_rejects_a_row_with_an_unknown_language(loyalty, tmp_path):
    source, rejects = tmp_path / "members.csv", tmp_path / "rejects.csv"
    source.write_text("name,language\nAnna,lv\nHans,de\n")
    result = loyalty.json("import", "members", str(source), "--rejects", str(rejects), expect=None)
    assert (result["imported"], result["rejected"]) == (1, 1)
    assert "'de' is not a language" in rejects.read_text()


@pytest.mark.parametrize(("code", "name"), [("en", "English"), ("lv", "latviešu"), ("ru", "русский")])
def test_member_show_names_the_members_language_in_that_language(loyalty, code, name):
    card = loyalty.enroll("Anna", "--language", code)
    assert f"Language:             {name}" in loyalty("member", "show", card).stdout


# Member commands in Latvian and Russian


def test_member_show_in_latvian_translates_labels_and_writes_money_dates_and_points_the_latvian_way(
    loyalty, anna
):
    text = loyalty("--lang", "lv", "member", "show", anna).stdout
    assert "Vārds:" in text and "Atlikums:" in text and "Līmenis:" in text
    assert "Atlikums:                   21 punkts\n" in text  # 21: the form of 1
    assert f"Bronze (vēl 479,00{NBSP}€ līdz līmenim Silver)" in text
    assert f"Pirkumu summa (12 mēnešos): 21,00{NBSP}€" in text
    assert "Dzimšanas diena:            17.04.1990." in text
    assert "Reģistrēts:                 2.01.2026. 12:00" in text
    assert "Statuss:                    aktīvs" in text
    assert "Piekrišana:                 nē" in text


def test_member_show_in_russian_translates_labels_and_writes_money_dates_and_points_the_russian_way(
    loyalty, anna
):
    text = loyalty("--lang", "ru", "member", "show", anna).stdout
    assert "Имя:" in text and "Баланс:" in text and "Уровень:" in text
    assert "Баланс:                         21 балл\n" in text
    assert f"Bronze (ещё 479,00{NBSP}€ до уровня Silver)" in text
    assert f"Сумма покупок (за 12 месяцев):  21,00{NBSP}€" in text
    assert "День рождения:                  17.04.1990\n" in text
    assert "Зарегистрирован:                02.01.2026, 12:00" in text
    assert "Статус:                         активен" in text


@pytest.mark.parametrize(
    ("code", "points", "shown"),
    [
        ("lv", 11, "11 punktu"),
        ("lv", 2, "2 punkti"),
        ("lv", 1234, f"1{NBSP}234 punkti"),
        ("ru", 2, "2 балла"),
        ("ru", 11, "11 баллов"),
        ("ru", 1234, f"1{NBSP}234 балла"),
    ],
)
def test_member_show_gives_the_balance_in_the_right_plural_form(loyalty, code, points, shown):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, str(points))
    assert shown in loyalty("--lang", code, "member", "show", card).stdout


def test_member_show_in_english_writes_money_with_the_euro_sign(loyalty, anna):
    text = loyalty("member", "show", anna).stdout
    assert "Balance:              21 points\n" in text
    assert "Bronze (€479.00 more to Silver)" in text
    assert "Spend, 12 months:     €21.00" in text


def test_member_show_in_latvian_translates_a_blocked_status_and_keeps_the_typed_reason(loyalty, anna):
    loyalty("member", "block", anna, "--reason", "card misuse")
    text = loyalty("--lang", "lv", "member", "show", anna).stdout
    assert "Statuss:                    bloķēts (card misuse)" in text


@pytest.mark.parametrize("code", ["en", "lv", "ru"])
def test_member_show_json_is_the_same_in_every_language(loyalty, anna, code):
    english = loyalty("member", "show", anna, "--json").stdout
    assert loyalty("--lang", code, "member", "show", anna, "--json").stdout == english
    assert json.loads(english)["spend_12m"] == "21.00"


@pytest.mark.parametrize(
    ("code", "filtered", "empty"),
    [
        ("lv", "Neviens dalībnieks neatbilst.", "Dalībnieku vēl nav."),
        ("ru", "Подходящих участников нет.", "Участников пока нет."),
    ],
)
def test_member_list_says_an_empty_result_in_the_operators_language(empty_loyalty, code, filtered, empty):
    empty_loyalty("init", "--name", "Shop")
    assert empty_loyalty("--lang", code, "member", "list").stderr == empty + "\n"
    empty_loyalty.enroll("Anna")
    result = empty_loyalty("--lang", code, "member", "list", "--search", "zzz")
    assert (result.stdout, result.stderr) == ("", filtered + "\n")


@pytest.mark.parametrize(
    ("code", "headers", "status"),
    [("lv", ["Karte", "Vārds", "Atlikums"], "aktīvs"), ("ru", ["Карта", "Имя", "Баланс"], "активен")],
)
def test_member_list_translates_headers_and_status_but_not_csv_or_json(loyalty, anna, code, headers, status):
    table = loyalty("--lang", code, "member", "list").stdout
    assert all(header in table.splitlines()[0] for header in headers)
    assert status in table
    assert (
        loyalty("--lang", code, "member", "list", "--csv").stdout == loyalty("member", "list", "--csv").stdout
    )
    assert loyalty.json("--lang", code, "member", "list") == loyalty.json("member", "list")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("lv", "Kļūda: nav dalībnieka ar karti vai tālruni '999'"),
        ("ru", "Ошибка: нет участника с картой или телефоном '999'"),
    ],
)
def test_an_unknown_member_is_refused_in_the_operators_language(loyalty, code, message):
    result = loyalty("--lang", code, "member", "show", "999", expect=1)
    assert (result.stdout, result.stderr) == ("", message + "\n")


@pytest.mark.parametrize(
    ("code", "said"),
    [("lv", "Dalībnieks {card} bloķēts (bloķēts)"), ("ru", "Участник {card} заблокирован (заблокирован)")],
)
def test_member_block_says_so_in_the_operators_language(loyalty, anna, code, said):
    assert loyalty("--lang", code, "member", "block", anna).stdout == said.format(card=anna) + "\n"


@pytest.mark.parametrize(
    ("code", "said"),
    [("lv", "atlikums 21 punkts"), ("ru", "баланс 21 балл")],
)
def test_replace_card_gives_the_balance_in_the_operators_language(loyalty, anna, code, said):
    assert said in loyalty("--lang", code, "member", "replace-card", anna).stdout


def test_merge_in_russian_counts_the_moved_points_in_the_right_form(loyalty, anna):
    other = loyalty.enroll("Anna B")
    loyalty("purchase", other, "3")
    out = loyalty("--lang", "ru", "member", "merge", anna, other, "--yes").stdout
    assert "(перенесено 3 балла); баланс 24 балла" in out


def test_member_show_in_latvian_translates_the_reasons_loyalty_itself_stores(loyalty, anna):
    other = loyalty.enroll("Anna B")
    loyalty("member", "merge", anna, other, "--yes")
    merged = loyalty("--lang", "lv", "member", "show", other).stdout
    assert f"Statuss:                    slēgts, apvienots ar karti {anna}\n" in merged
    loyalty("member", "erase", anna, "--yes")
    erased = loyalty("--lang", "lv", "member", "show", anna).stdout
    assert "Statuss:                    slēgts (personas dati dzēsti)\n" in erased
    assert loyalty.json("member", "show", anna)["status_reason"] == "personal data erased"
