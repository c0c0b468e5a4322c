"""What the nightly jobs say they did: whole sentences, each count in its plural form, per language."""

from __future__ import annotations

import pytest

NEXT_DAY = "2026-11-23T10:00:00+00:00"


@pytest.fixture
def lapsed(loyalty):
    """Points expire a month after the month they were earned in: a shop to fill with lapsed points."""
    loyalty("program", "set", "expiry.months", "1")

    def earn(*amounts: str) -> None:
        for amount in amounts:
            card = loyalty.enroll("Anna", "--at", "2026-09-01")
            loyalty("purchase", card, amount, "--at", "2026-09-10")

    return earn


@pytest.mark.parametrize(
    ("amounts", "lang", "summary"),
    [
        (["21"], "lv", "Derīgumu zaudēja 21 punkts 1 dalībniekam uz 1.11.2026.\n"),
        (["5", "6"], "lv", "Derīgumu zaudēja 11 punktu 2 dalībniekiem uz 1.11.2026.\n"),
        (["12"], "lv", "Derīgumu zaudēja 12 punktu 1 dalībniekam uz 1.11.2026.\n"),
        (["21"], "ru", "Сгорел 21 балл у 1 участника на 01.11.2026.\n"),
        (["1", "2"], "ru", "Сгорело 3 балла у 2 участников на 01.11.2026.\n"),
        (["5", "6"], "ru", "Сгорело 11 баллов у 2 участников на 01.11.2026.\n"),
        (["21"], "en", "Expired 21 points of 1 member as of 2026-11-01.\n"),
    ],
)
def test_expire_says_how_many_points_of_how_many_members_expired(loyalty, lapsed, amounts, lang, summary):
    lapsed(*amounts)
    assert loyalty("--lang", lang, "expire", "--as-of", "2026-11-01").stdout == summary


def test_a_dry_run_of_expire_says_what_would_expire(loyalty, lapsed):
    lapsed("2", "2")
    result = loyalty("--lang", "ru", "expire", "--as-of", "2026-11-01", "--dry-run")
    assert result.stdout == "Сгорело бы 4 балла у 2 участников на 01.11.2026.\n"
    result = loyalty("--lang", "lv", "expire", "--as-of", "2026-11-01", "--dry-run")
    assert result.stdout == "Derīgumu zaudētu 4 punkti 2 dalībniekiem uz 1.11.2026.\n"


@pytest.mark.parametrize(
    ("lang", "summary"),
    [
        (
            "lv",
            "Apstrādātas 2 dienas, no 22.11.2026. līdz 23.11.2026.: 21 punkts zaudēja derīgumu "
            "(1 dalībnieks), 0 dzimšanas dienas bonusu, 0 līmeņa maiņu, 0 izložu.\n",
        ),
        (
            "ru",
            "Обработаны 2 дня, с 22.11.2026 по 23.11.2026: 21 балл сгорел (1 участник), "
            "0 бонусов ко дню рождения, 0 смен уровня, 0 розыгрышей.\n",
        ),
        (
            "en",
            "Done 2 days, from 2026-11-22 to 2026-11-23: 21 points expired (1 member), "
            "0 birthday bonuses, 0 tier changes, 0 draws.\n",
        ),
    ],
)
def test_maintain_sums_up_its_days_in_the_operators_language(loyalty, lapsed, lang, summary):
    lapsed("21")
    assert loyalty("--lang", lang, "maintain", now=NEXT_DAY).stdout == summary


def test_maintain_counts_members_and_draws_in_their_plural_forms(loyalty, lapsed):
    lapsed("5", "5", "5")
    loyalty(
        "draw",
        "schedule",
        "monthly",
        "--every",
        "month",
        "--prize",
        "Coffee",
        now="2026-10-05T09:00:00+00:00",
    )
    summary = loyalty("--lang", "ru", "maintain", now=NEXT_DAY).stdout
    assert "15 баллов сгорело (3 участника)" in summary and "1 розыгрыш." in summary
    assert loyalty("--lang", "lv", "maintain", now=NEXT_DAY).stdout == (
        "Nav ko darīt: darbi ir izpildīti līdz 23.11.2026. ieskaitot.\n"
    )


def test_a_dry_run_of_maintain_says_what_it_would_do(loyalty):
    result = loyalty("--lang", "lv", "maintain", "--as-of", "2026-11-22", "--dry-run")
    assert result.stdout.startswith("Tiktu apstrādāta 1 diena, no 22.11.2026. līdz 22.11.2026.: 0 punktu")


def test_tiers_review_counts_the_members_it_moved_in_russian(loyalty):
    result = loyalty("--lang", "ru", "tiers", "review")
    assert result.stderr == "Уровень изменился у 0 участников.\n"


def test_a_job_for_a_later_day_is_refused_in_latvian(loyalty):
    result = loyalty("--lang", "lv", "expire", "--as-of", "2026-12-01", expect=2)
    assert "--as-of 2026-12-01 ir pēc šodienas; apskatiet to ar --dry-run" in result.stderr
