"""Money, counts and dates in en, lv and ru agree with CLDR as Babel has it.

loyalty_cli.formats keeps a small table instead of loading Babel at run time; these tests
hold the table to Babel's CLDR data over many values, so the two cannot drift apart.
English dates are ISO 8601 on purpose (SPEC "Languages"); every other form is CLDR's.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal
from hypothesis import assume, given
from hypothesis import strategies as st

from loyalty_cli import formats, language

LANGUAGES = ("en", "lv", "ru")
CURRENCIES = ("EUR", "USD", "GBP", "PLN")
NBSP = "\u00a0"

amounts = st.decimals(
    min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2, allow_nan=False
)
counts = st.integers(min_value=-(10**12), max_value=10**12)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    language.use(language.ENGLISH)


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.parametrize("currency", CURRENCIES)
@given(amount=amounts)
def test_money_is_written_as_cldr_writes_it(code, currency, amount):
    assert formats.money(amount, currency, code) == format_currency(amount, currency, locale=code)


@pytest.mark.parametrize("code", LANGUAGES)
@given(amount=st.decimals(min_value=-1000, max_value=1000, places=4, allow_nan=False))
def test_money_of_more_than_cents_is_rounded_half_up_then_written_as_cldr_writes_it(code, amount):
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assume(cents != 0)  # CLDR would write "-0,00 €" for -0.001; we write no minus before nothing
    assert formats.money(amount, "EUR", code) == format_currency(cents, "EUR", locale=code)


@pytest.mark.parametrize("code", LANGUAGES)
def test_money_that_rounds_to_nothing_has_no_minus_sign(code):
    assert formats.money(Decimal("-0.004"), "EUR", code) == formats.money(Decimal("0"), "EUR", code)
    assert formats.money(Decimal("0.005"), "EUR", code) == formats.money(Decimal("0.01"), "EUR", code)


@pytest.mark.parametrize("code", LANGUAGES)
@given(count=counts)
def test_a_count_is_grouped_as_cldr_groups_it(code, count):
    assert formats.number(count, code) == format_decimal(count, locale=code)


@pytest.mark.parametrize("code", LANGUAGES)
@given(value=st.decimals(min_value=-(10**9), max_value=10**9, places=1, allow_nan=False))
def test_a_decimal_with_one_place_is_written_as_cldr_writes_it(code, value):
    assume(value != 0)  # CLDR keeps the sign of -0.0; a size is never negative
    assert formats.decimal(value, 1, code) == format_decimal(value, format="#,##0.0", locale=code)


@pytest.mark.parametrize("code", ["lv", "ru"])
@given(day=days)
def test_a_day_is_cldr_short_numeric_date_in_latvian_and_russian(code, day):
    assert formats.day(day, code) == format_skeleton("yMd", day, locale=code)


@given(day=days)
def test_an_english_day_stays_iso_8601(day):
    assert formats.day(day, "en") == day.isoformat()


@pytest.mark.parametrize("code", ["lv", "ru"])
@given(moment=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2199, 12, 31)))
def test_a_moment_joins_day_and_time_as_cldr_does(code, moment):
    joined = Locale.parse(code).datetime_formats["short"]
    time = format_skeleton("Hm", moment, locale=code)
    expected = joined.format(time, format_skeleton("yMd", moment.date(), locale=code))
    assert formats.moment(moment, code) == expected


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.parametrize("month", range(1, 13))
def test_a_month_heading_is_cldr_standalone_month_and_year(code, month):
    expected = format_date(date(2026, month, 1), "LLLL y", locale=code)
    assert formats.month(2026, month, code) == expected


@pytest.mark.parametrize("code", ("lv", "ru"))
@pytest.mark.parametrize("month", range(1, 13))
def test_a_month_in_figures_is_cldr_s_year_and_month(code, month):
    expected = format_skeleton("yMM", date(2027, month, 1), locale=code)
    assert formats.month_number(2027, month, code) == expected


def test_a_month_in_figures_is_iso_in_english():
    assert formats.month_number(2027, 1, "en") == "2027-01"


@pytest.mark.parametrize(
    ("code", "money", "count", "day", "month"),
    [
        ("en", "€1,234.50", "1,234", "2026-11-03", "November 2026"),
        ("lv", f"1{NBSP}234,50{NBSP}€", f"1{NBSP}234", "3.11.2026.", "novembris 2026"),
        ("ru", f"1{NBSP}234,50{NBSP}€", f"1{NBSP}234", "03.11.2026", "ноябрь 2026"),
    ],
)
def test_the_forms_of_the_spec_table(code, money, count, day, month):
    assert formats.money(Decimal("1234.5"), "EUR", code) == money
    assert formats.number(1234, code) == count
    assert formats.day(date(2026, 11, 3), code) == day
    assert formats.month(2026, 11, code) == month


def test_the_active_language_is_the_default():
    language.use("lv")
    assert formats.money(Decimal("12.3"), "EUR") == f"12,30{NBSP}€"
    language.use("en")
    assert formats.money(Decimal("12.3"), "EUR") == "€12.30"
