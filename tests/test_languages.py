"""The operator's language: how it is chosen, and what speaks it (help, Click's own texts, messages).

Also the programme's default language for new members (`program set language`), and the
Latvian and Russian of the programme, backup and data-file messages.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from loyalty_cli.commands.translated import choose_language

from loyalty_cli import language
from loyalty_cli.cli import cli
from loyalty_cli.language import ngettext
from loyalty_cli.program import Programme

# The system's language settings, all unset: each test names the ones it means.
UNSET = dict.fromkeys(language.ENVIRONMENT)


@pytest.fixture(autouse=True)
def english_afterwards():
    """The active language is process-wide: leave it English for the tests that follow."""
    yield
    language.use(language.ENGLISH)


def run(*args: str, env: dict | None = None):
    """`loyalty ARGS` in-process, with only the given language settings."""
    return CliRunner().invoke(
        cli, list(args), env={**UNSET, **(env or {})}, catch_exceptions=False, prog_name="loyalty"
    )


# -- which language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "chosen"),
    [
        ({}, "en"),
        ({"LOYALTY_LANG": "ru", "LANGUAGE": "lv", "LC_ALL": "lv", "LC_MESSAGES": "lv", "LANG": "lv"}, "ru"),
        ({"LANGUAGE": "lv", "LC_ALL": "ru_RU.UTF-8", "LC_MESSAGES": "ru", "LANG": "ru"}, "lv"),
        ({"LC_ALL": "ru_RU.UTF-8", "LC_MESSAGES": "lv", "LANG": "lv"}, "ru"),
        ({"LC_MESSAGES": "lv_LV.UTF-8", "LANG": "ru_RU.UTF-8"}, "lv"),
        ({"LANG": "lv_LV.UTF-8"}, "lv"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANGUAGE": "de:ru:en"}, "ru"),
        ({"LANG": "C"}, "en"),
        ({"LC_ALL": "C", "LANG": "lv_LV.UTF-8"}, "en"),
        ({"LC_ALL": "POSIX", "LANG": "ru_RU.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LOYALTY_LANG": "de", "LANG": "lv_LV.UTF-8"}, "lv"),
        ({"LOYALTY_LANG": "LV"}, "lv"),
    ],
)
def test_the_environment_chooses_in_gettext_order_after_loyalty_lang(environment, chosen):
    assert language.of_environment(environment) == chosen


def test_lang_option_beats_loyalty_lang():
    result = run("--lang", "lv", "--help", env={"LOYALTY_LANG": "ru", "LANG": "ru_RU.UTF-8"})
    assert result.exit_code == 0
    assert result.stdout.startswith("Lietošana: loyalty")


def test_loyalty_lang_beats_the_system_language():
    result = run("--help", env={"LOYALTY_LANG": "ru", "LANGUAGE": "lv", "LANG": "lv_LV.UTF-8"})
    assert result.stdout.startswith("Использование: loyalty")


def test_the_system_language_serves_when_loyalty_lang_is_not_set():
    assert run("--help", env={"LANG": "lv_LV.UTF-8"}).stdout.startswith("Lietošana: loyalty")
    assert run("--help", env={"LC_ALL": "C", "LANG": "lv_LV.UTF-8"}).stdout.startswith("Usage: loyalty")


def test_a_loyalty_lang_we_do_not_speak_falls_through_to_the_system_language():
    assert run("--help", env={"LOYALTY_LANG": "de", "LANG": "ru_RU.UTF-8"}).stdout.startswith(
        "Использование:"
    )


def test_lang_option_of_a_language_we_do_not_speak_is_a_usage_error():
    result = run("--lang", "de", "--help")
    assert result.exit_code == 2
    assert "'de' is not a language loyalty speaks; choose one of en, lv, ru" in result.stderr


def test_lang_after_the_subcommand_is_not_the_operators_language(monkeypatch):
    for name in language.ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    choose_language(["statement", "29123456", "--lang", "ru"])
    assert language.active() == "en"
    choose_language(["--data-dir", "shop", "--operator", "anna", "statement", "--lang", "ru"])
    assert language.active() == "en"
    choose_language(["--data-dir", "shop", "--lang", "lv", "statement", "29123456", "--lang", "ru"])
    assert language.active() == "lv"
    choose_language(["--lang=ru", "member", "show"])
    assert language.active() == "ru"


def test_a_usage_error_after_the_subcommand_stays_in_the_operators_language():
    result = run("member", "shwo", "--lang", "ru")
    assert result.exit_code == 2
    assert "No such command 'shwo'. Did you mean 'show'?" in result.stderr


def test_version_answers_without_loading_gettext_or_click():
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "loyalty_cli", "--version"],
        capture_output=True,
        text=True,
        env={**os.environ, "LOYALTY_LANG": "lv"},
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("loyalty ")
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "gettext" not in imported
    assert not any(name == "click" or name.startswith("click.") for name in imported)


# -- help and Click's own texts ---------------------------------------------------------------


def test_root_help_in_latvian():
    result = run("--lang", "lv", "--help")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("Lietošana: loyalty [OPTIONS] COMMAND [ARGS]...")
    assert "Veikala lojalitātes programma: dalībnieki, punkti, līmeņi, izlozes un" in out
    assert "Piemērs:" in out and 'loyalty enroll "Anna Bērziņa" --phone 29123456' in out
    assert "Opcijas:" in out and "Komandas:" in out
    assert "Parādīt šo palīdzību un beigt." in out
    assert "Kas strādā pie kases" in out
    assert "noklusējums: 10" in out


def test_root_help_in_russian():
    out = run("--lang", "ru", "--help").stdout
    assert out.startswith("Использование: loyalty")
    assert "Программа лояльности магазина: участники, баллы, уровни, розыгрыши" in out
    assert "Параметры:" in out and "Команды:" in out
    assert "Показать версию и выйти." in out


def test_a_subcommands_help_in_russian():
    result = run("--lang", "ru", "purchase", "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Использование: loyalty purchase [OPTIONS] MEMBER AMOUNT")
    assert "Параметры:" in result.stdout and "Показать эту справку и выйти." in result.stdout


def test_program_set_help_describes_every_setting_in_latvian():
    out = run("--lang", "lv", "program", "set", "--help").stdout
    assert "Mainīt vienu iestatījumu." in out and "Iestatījumi:" in out
    assert "expiry.months" in out and "punkti zaudē derīgumu (0 = nekad)" in out
    assert "language" in out and "turpmāk reģistrēto dalībnieku valoda: en, lv vai ru" in out
    assert "loyalty program set language lv" in out


@pytest.mark.parametrize(
    ("code", "usage", "error", "missing", "hint"),
    [
        (
            "lv",
            "Lietošana:",
            "Kļūda:",
            "Trūkst argumenta 'MEMBER'.",
            "Lai saņemtu palīdzību, izmantojiet 'loyalty purchase --help'.",
        ),
        (
            "ru",
            "Использование:",
            "Ошибка:",
            "Не указан аргумент 'MEMBER'.",
            "Справка: «loyalty purchase --help».",
        ),
    ],
)
def test_a_missing_argument_is_told_in_the_operators_language(code, usage, error, missing, hint):
    result = run("--lang", code, "purchase")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{usage} loyalty purchase [OPTIONS] MEMBER AMOUNT\n{hint}\n")
    assert f"{error} {missing}" in result.stderr


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("lv", "Kļūda: Nav tādas komandas 'shwo'. Vai domājāt 'show'?"),
        ("ru", "Ошибка: Нет такой команды 'shwo'. Возможно, вы имели в виду 'show'?"),
    ],
)
def test_a_mistyped_subcommand_is_told_with_a_hint_in_the_operators_language(code, expected):
    result = run("--lang", code, "member", "shwo")
    assert result.exit_code == 2
    assert expected in result.stderr


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("lv", "Nav tādas komandas 'purchse'. Vai domājāt 'purchase'?"),
        ("ru", "Нет такой команды 'purchse'. Возможно, вы имели в виду 'purchase'?"),
    ],
)
def test_a_mistyped_command_is_told_with_a_hint_in_the_operators_language(code, expected):
    assert expected in run("--lang", code, "purchse").stderr


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("lv", "Kļūda: Nav tādas opcijas '--jsn'. Vai domājāt '--json'?"),
        ("ru", "Ошибка: Нет такого параметра '--jsn'. Возможно, вы имели в виду '--json'?"),
    ],
)
def test_an_unknown_option_is_told_in_the_operators_language(code, expected):
    result = run("--lang", code, "program", "show", "--jsn")
    assert result.exit_code == 2
    assert expected in result.stderr


def test_a_usage_error_is_red_on_a_terminal_in_latvian_too():
    result = run("--lang", "lv", "purchase", env={"TTY_COMPATIBLE": "1", "NO_COLOR": None})
    assert "\x1b[31mKļūda: Trūkst argumenta" in result.stderr


def test_text_that_is_not_utf8_is_refused_in_russian():
    result = run("--lang", "ru", "enroll", "Anna\udcff")
    assert result.exit_code == 2
    assert "не текст UTF-8: 'Anna\\udcff'" in result.stderr


def test_an_internal_error_is_one_latvian_line(monkeypatch, capsys):
    from loyalty_cli.commands import root

    from loyalty_cli import cli as entry_point

    def broken(**_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(root.cli, "main", broken)
    monkeypatch.setattr(sys, "argv", ["loyalty", "verify"])
    monkeypatch.delenv("LOYALTY_DEBUG", raising=False)
    language.use("lv")
    with pytest.raises(SystemExit) as done:
        entry_point.main()
    assert done.value.code == 70
    err = capsys.readouterr().err
    assert err == "Kļūda: iekšēja kļūda (RuntimeError: a bug); nekas netika ierakstīts\n"


# -- the programme's language for new members ---------------------------------------------------


def test_a_new_programme_gives_new_members_english(loyalty):
    assert loyalty.json("program", "show")["language"] == "en"


@pytest.mark.parametrize("code", ["lv", "ru", "en"])
def test_program_set_language_is_kept_and_shown(loyalty, code):
    assert loyalty("program", "set", "language", code).stdout == f"language = {code}\n"
    assert loyalty.json("program", "show")["language"] == code
    shown = loyalty("program", "show").stdout.splitlines()
    assert any(line.split() == ["language:", code] for line in shown)


def test_program_set_language_takes_any_case(loyalty):
    loyalty("program", "set", "language", "LV")
    assert loyalty.json("program", "show")["language"] == "lv"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "Error: earn.rate must be a number, not 'abc'\n"),
        ("lv", "Kļūda: earn.rate: jābūt skaitlim, nevis 'abc'\n"),
        ("ru", "Ошибка: earn.rate: нужно число, а не 'abc'\n"),
    ],
)
def test_a_setting_that_is_not_a_number_is_named_once(loyalty, code, expected):
    before = loyalty.snapshot()
    assert loyalty("--lang", code, "program", "set", "earn.rate", "abc", expect=2).stderr == expected
    assert loyalty.snapshot() == before


@pytest.mark.parametrize("value", ["de", "", "lv_LV", "latviešu"])
def test_program_set_language_refuses_a_language_we_do_not_speak_and_writes_nothing(loyalty, value):
    before = loyalty.snapshot()
    result = loyalty("program", "set", "language", value, expect=2)
    assert "is not a language loyalty speaks; choose one of en, lv, ru" in result.stderr
    assert loyalty.snapshot() == before


def test_a_programme_set_up_before_languages_gives_english():
    assert Programme({"name": "Old shop"}).language == "en"
    assert Programme({"name": "Shop", "language": "ru"}).language == "ru"


# -- plural forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "count", "expected"),
    [
        ("lv", 0, "0 dalībnieku"),
        ("lv", 1, "1 dalībnieks"),
        ("lv", 2, "2 dalībnieki"),
        ("lv", 11, "11 dalībnieku"),
        ("lv", 21, "21 dalībnieks"),
        ("ru", 1, "1 участник"),
        ("ru", 3, "3 участника"),
        ("ru", 5, "5 участников"),
        ("ru", 11, "11 участников"),
        ("ru", 21, "21 участник"),
        ("en", 1, "1 member"),
        ("en", 0, "0 members"),
    ],
)
def test_members_are_counted_with_the_right_plural_form(code, count, expected):
    language.use(code)
    assert ngettext("{count} member", "{count} members", count).format(count=count) == expected


@pytest.mark.parametrize(
    ("code", "count", "expected"),
    [
        ("lv", -1, "-1 punkts"),
        ("lv", -11, "-11 punktu"),
        ("lv", -51, "-51 punkts"),
        ("lv", -52, "-52 punkti"),
        ("ru", -1, "-1 балл"),
        ("ru", -3, "-3 балла"),
        ("ru", -21, "-21 балл"),
        ("ru", -25, "-25 баллов"),
        ("en", -1, "-1 point"),
        ("en", -2, "-2 points"),
    ],
)
def test_a_negative_count_takes_the_plural_form_of_its_size(code, count, expected):
    language.use(code)
    assert ngettext("{count} point", "{count} points", count).format(count=count) == expected


def test_a_negative_balance_after_a_refund_is_counted_right_in_latvian_and_russian(loyalty):
    loyalty("program", "set", "bonus.welcome", "0")
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "72", "--receipt", "A1")
    loyalty("redeem", card, "51")
    loyalty("refund", "A1")  # the 51 points already spent are owed: balance -51
    assert "-51 punkts (" in loyalty("--lang", "lv", "member", "show", card).stdout
    assert "Конечный баланс: -51 балл\n" in loyalty("statement", card, "--lang", "ru").stdout


# -- programme, backup and data messages in Latvian and Russian ----------------------------------


def test_init_refuses_an_existing_programme_in_latvian(loyalty):
    result = loyalty("--lang", "lv", "init", expect=1)
    assert "Kļūda: mapē" in result.stderr and "jau ir programma; nekas netika mainīts" in result.stderr


def test_init_says_what_it_created_in_russian(empty_loyalty):
    result = empty_loyalty("--lang", "ru", "init", "--name", "Maiznīca")
    assert result.stdout.startswith("Программа лояльности 'Maiznīca' создана в ")


def test_a_setting_that_is_not_one_is_refused_in_russian(loyalty):
    result = loyalty("--lang", "ru", "program", "set", "nosuch", "1", expect=2)
    assert "Ошибка: 'nosuch' — не настройка программы; известные настройки: name," in result.stderr


def test_backup_counts_members_and_entries_in_latvian(loyalty, tmp_path):
    anna = loyalty.enroll("Anna Bērziņa")
    loyalty.enroll("Jānis Ozols")
    loyalty("purchase", anna, "12,30", "--receipt", "R1")
    archive = tmp_path / "shop.tar.gz"
    out = loyalty("--lang", "lv", "backup", "--output", str(archive)).stdout
    assert out.startswith(
        f"Izveidota rezerves kopija {archive}: 2 dalībnieki un 1 žurnāla ieraksts (1 fails, "
    )
    assert re.fullmatch("[0-9\u00a0]+ bait[usi]\\)\n", out.rpartition("(1 fails, ")[2])


def test_restore_check_says_the_archive_is_sound_in_russian(loyalty, tmp_path):
    loyalty.enroll("Anna Bērziņa")
    archive = tmp_path / "shop.tar.gz"
    loyalty("backup", "--output", str(archive))
    result = loyalty("--lang", "ru", "restore", str(archive))
    assert f"{archive} в порядке: 1 участник и " in result.stdout
    assert "Ничего не изменено." in result.stdout
    assert f"`loyalty restore {archive} --yes` заменит данные в" in result.stderr


def test_restore_of_a_file_that_is_not_an_archive_is_refused_in_latvian(loyalty, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    before = loyalty.snapshot()
    result = loyalty("--lang", "lv", "restore", str(junk), "--yes", expect=3)
    assert f"Kļūda: {junk} nav nolasāms rezerves kopijas arhīvs" in result.stderr
    assert loyalty.snapshot() == before


@pytest.mark.folder_only
def test_a_damaged_data_file_is_told_in_russian(loyalty):
    hot = loyalty.data_dir / "loyalty.json"
    hot.write_bytes(b"{ not json")
    for old in (loyalty.data_dir / "backups").glob("loyalty-*.json"):
        old.unlink()
    result = loyalty("--lang", "ru", "member", "list", expect=3)
    assert f"Ошибка: {hot} повреждён (" in result.stderr
    assert "ни одна резервная копия в backups/ не исправна" in result.stderr


def test_no_programme_is_told_in_latvian(empty_loyalty):
    result = empty_loyalty("--lang", "lv", "program", "show", expect=1)
    assert "nav lojalitātes programmas; izveidojiet to ar `loyalty init`" in result.stderr


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "Error: Invalid value for 'FILE': File '{path}' does not exist."),
        ("lv", "Kļūda: Nederīga 'FILE' vērtība: Fails '{path}' nepastāv."),
        ("ru", "Ошибка: Недопустимое значение для 'FILE': Файл '{path}' не существует."),
    ],
)
def test_a_missing_file_is_told_whole_in_the_operators_language(loyalty, tmp_path, code, expected):
    missing = tmp_path / "missing.tar.gz"
    result = loyalty("--lang", code, "restore", str(missing), expect=2)
    assert expected.format(path=missing) in result.stderr


def test_one_process_can_speak_latvian_then_english():
    # Click makes --help (and path kinds) once per process: the first language must not stick.
    assert "Parādīt šo palīdzību un beigt." in run("--lang", "lv", "backup", "--help").stdout
    assert run("--lang", "lv", "restore", "missing.tar.gz").stderr.endswith(
        "Fails 'missing.tar.gz' nepastāv.\n"
    )
    english = run("--lang", "en", "backup", "--help").stdout
    assert "Show this message and exit." in english and "Parādīt" not in english
    assert run("restore", "missing.tar.gz").stderr.endswith("File 'missing.tar.gz' does not exist.\n")
