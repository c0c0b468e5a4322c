"""The till in the operator's language: purchases, redemptions, adjustments and refunds
answer in English, Latvian or Russian, with the right plural form of points for every
count, and amounts and numbers written as people of that language write them."""

from __future__ import annotations

import pytest

from loyalty_cli import language

NBSP = "\u00a0"
COUNTS = (0, 1, 2, 5, 11, 21, 22)
# The form of "points" after each of COUNTS: lv has 0/11 punktu, 1/21 punkts, 2/5/22 punkti;
# ru has 1/21 балл, 2/22 балла, 0/5/11 баллов.
FORMS = {
    "en": ("points", "point", "points", "points", "points", "points", "points"),
    "lv": ("punktu", "punkts", "punkti", "punkti", "punktu", "punkts", "punkti"),
    "ru": ("баллов", "балл", "балла", "баллов", "баллов", "балл", "балла"),
}


def speak(loyalty, code: str, *args: str, expect: int | None = 0):
    """Run a command with the operator's language `code`."""
    return loyalty("--lang", code, *args, expect=expect)


@pytest.mark.parametrize("code", ["en", "lv", "ru"])
def test_purchase_answer_takes_the_plural_form_of_each_count(loyalty, code):
    card = loyalty.enroll("Andris Krūmiņa")
    for count, word in zip(COUNTS, FORMS[code], strict=True):
        # the default rate earns one point per euro, floored: 0.50 earns none
        amount = "0.50" if count == 0 else str(count)
        answer = speak(loyalty, code, "purchase", card, amount, "--receipt", f"R{count}").stdout
        assert f"({card}): +{count} {word} " in answer


@pytest.mark.parametrize("code", ["en", "lv", "ru"])
def test_redeem_and_adjust_answers_take_the_plural_form_of_each_count(loyalty, code):
    card = loyalty.enroll("Andris Krūmiņa")
    loyalty("adjust", card, "500", "--reason", "opening balance")
    for count, word in zip(COUNTS[1:], FORMS[code][1:], strict=True):
        assert f"{card}: -{count} {word} " in speak(loyalty, code, "redeem", card, str(count)).stdout
        given = speak(loyalty, code, "adjust", card, str(count), "--reason", "gift").stdout
        assert f"{card}: +{count} {word} (gift)" in given
        taken = speak(loyalty, code, "adjust", card, f"-{count}", "--reason", "slip").stdout
        assert f"{card}: -{count} {word} (slip)" in taken


def test_purchase_answer_in_latvian_is_one_sentence_with_euros_after_the_amount(loyalty):
    card = loyalty.enroll("Andris Krūmiņa")
    loyalty("purchase", card, "750", "--receipt", "K1")
    answer = speak(loyalty, "lv", "purchase", card, "15,30", "--receipt", "K1-004512").stdout
    assert answer == (
        f"Andris Krūmiņa ({card}): +15 punktu par 15,30{NBSP}€ (čeks K1-004512); atlikums 765\n"
    )


def test_purchase_answer_in_russian_is_one_sentence_with_grouped_numbers(loyalty):
    card = loyalty.enroll("Andris Krūmiņa")
    loyalty("purchase", card, "1250", "--receipt", "K1")
    answer = speak(loyalty, "ru", "purchase", card, "1234,50", "--receipt", "K2").stdout
    assert answer == (
        f"Andris Krūmiņa ({card}): +1{NBSP}234 балла за 1{NBSP}234,50{NBSP}€ (чек K2); баланс 2{NBSP}484\n"
    )


def test_purchase_answer_in_english_writes_euros_before_the_amount(loyalty):
    card = loyalty.enroll("Andris Krūmiņa")
    answer = loyalty("purchase", card, "12,30", "--receipt", "X").stdout
    assert answer == f"Andris Krūmiņa ({card}): +12 points for €12.30 (receipt X); balance 12\n"


@pytest.mark.parametrize(
    ("code", "refusal"),
    [
        ("lv", "dalībniekam {card} ir 12 punktu; nevar izmantot 13"),
        ("ru", "у участника {card} 12 баллов; нельзя списать 13"),
    ],
)
def test_redeeming_more_than_the_balance_is_refused_in_the_operators_language(loyalty, code, refusal):
    card = loyalty.enroll()
    loyalty("purchase", card, "12,30")
    before = loyalty.snapshot()
    result = speak(loyalty, code, "redeem", card, "13", expect=1)
    assert refusal.format(card=card) in result.stderr
    assert result.stderr.count("\n") == 1
    assert loyalty.snapshot() == before


@pytest.mark.parametrize(
    ("code", "refusal"),
    [
        ("lv", "dalībniekam {card} ir 1 punkts; nevar noņemt 2"),
        ("ru", "у участника {card} 1 балл; нельзя снять 2"),
    ],
)
def test_removing_more_than_the_balance_is_refused_in_the_operators_language(loyalty, code, refusal):
    card = loyalty.enroll()
    loyalty("adjust", card, "1", "--reason", "gift")
    before = loyalty.snapshot()
    result = speak(loyalty, code, "adjust", card, "-2", "--reason", "slip", expect=1)
    assert refusal.format(card=card) in result.stderr
    assert loyalty.snapshot() == before


@pytest.mark.parametrize(("code", "member"), [("lv", "dalībniek"), ("ru", "участник")])
def test_an_unknown_member_is_refused_in_the_operators_language(loyalty, code, member):
    with language.speaking(code):
        translated = language.gettext("no member with card or phone {ref!r}")
    if translated == "no member with card or phone {ref!r}":
        pytest.skip("the members' texts are not translated in this catalogue yet")
    before = loyalty.snapshot()
    result = speak(loyalty, code, "purchase", "999999999999", "10", expect=1)
    assert member in result.stderr and "999999999999" in result.stderr
    assert "no member with" not in result.stderr
    assert loyalty.snapshot() == before


@pytest.mark.parametrize(
    ("code", "refusal"),
    [
        ("lv", "čeks R1 jau ir ierakstīts (dalībnieka {card} pirkums par 12,30\u00a0€, 21.11.2026. 00:30)"),
        ("ru", "чек R1 уже записан (покупка участника {card} на 12,30\u00a0€, 21.11.2026, 00:30)"),
    ],
)
def test_a_duplicate_receipt_is_refused_with_the_date_as_the_language_writes_it(loyalty, code, refusal):
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "12.30", "--receipt", "R1", "--at", "2026-11-20T22:30:00+00:00")
    result = speak(loyalty, code, "purchase", card, "12.30", "--receipt", "R1", expect=1)
    assert refusal.format(card=card) in result.stderr


def test_purchase_above_the_largest_is_refused_with_amounts_in_latvian(loyalty):
    loyalty("program", "set", "purchase.max_amount", "500")
    card = loyalty.enroll()
    result = speak(loyalty, "lv", "purchase", card, "1230", expect=1)
    assert f"1{NBSP}230,00{NBSP}€ pārsniedz lielāko pirkumu (500,00{NBSP}€" in result.stderr
    assert "--confirm" in result.stderr


@pytest.mark.parametrize(
    ("code", "answer"),
    [
        ("en", "{card}: refunded €4.00 of receipt K1, -4 points; balance 8"),
        ("lv", "{card}: atmaksa 4,00\u00a0€ par čeku K1, -4 punkti; atlikums 8"),
        ("ru", "{card}: возврат 4,00\u00a0€ по чеку K1, -4 балла; баланс 8"),
    ],
)
def test_refund_answer_speaks_the_operators_language(loyalty, code, answer):
    card = loyalty.enroll()
    loyalty("purchase", card, "12,30", "--receipt", "K1")
    assert speak(loyalty, code, "refund", "K1", "--amount", "4").stdout == answer.format(card=card) + "\n"


@pytest.mark.parametrize(
    ("code", "returned"),
    [
        ("lv", "+5 izmantotie punkti atdoti atpakaļ"),
        ("ru", "списание баллов отменено: +5 баллов"),
    ],
)
def test_refund_answer_names_redeemed_points_given_back(loyalty, code, returned):
    card = loyalty.enroll()
    loyalty("purchase", card, "20", "--receipt", "K1")
    loyalty("redeem", card, "20", "--receipt", "K1")
    answer = speak(loyalty, code, "refund", "K1", "--amount", "5").stdout
    assert returned in answer


def test_new_tier_and_referral_bonus_are_told_in_russian(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:100:1.5")
    loyalty("program", "set", "bonus.referral", "21")
    referrer = loyalty.enroll("Jānis Kalniņš")
    card = loyalty.enroll("Anna Bērziņa", "--referred-by", referrer)
    answer = speak(loyalty, "ru", "purchase", card, "150").stdout
    assert "Новый уровень: Silver (прежний: Bronze)" in answer
    assert f"Бонус: +21 балл участнику Jānis Kalniņš ({referrer}) за рекомендацию: {card}" in answer


@pytest.mark.parametrize(
    ("code", "refusal"),
    [
        ("lv", "'abc' nav naudas summa (rakstiet 12.30 vai 12,30)"),
        ("ru", "'abc' — не денежная сумма (пишите 12.30 или 12,30)"),
    ],
)
def test_an_amount_that_is_not_money_is_a_usage_error_in_the_operators_language(loyalty, code, refusal):
    card = loyalty.enroll()
    assert refusal in speak(loyalty, code, "purchase", card, "abc", expect=2).stderr


@pytest.mark.parametrize(
    ("code", "refusal"),
    [
        ("lv", "laukā „iemesls” nedrīkst būt vadības rakstzīmju (atrasta U+001B)"),
        ("ru", "поле «причина» не должно содержать управляющих символов (найден U+001B)"),
    ],
)
def test_a_control_character_is_refused_naming_the_field_in_the_operators_language(loyalty, code, refusal):
    card = loyalty.enroll()
    result = speak(loyalty, code, "adjust", card, "5", "--reason", "gift\x1b[2J", expect=2)
    assert refusal in result.stderr


@pytest.mark.parametrize(("code", "words"), [("lv", "Ierakstīt pirkumu"), ("ru", "Записать покупку")])
def test_purchase_help_speaks_the_operators_language(loyalty, code, words):
    shown = speak(loyalty, code, "purchase", "--help").stdout
    assert words in shown
    assert "loyalty purchase 123456789015 12,30 --receipt K1-004512" in shown
