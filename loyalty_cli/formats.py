"""Money, counts and dates as people read them in each language (CLDR).

A small table for our three languages instead of Babel at run time: Babel's locale data
would cost every command tens of milliseconds to load. tests/test_formats.py checks the
table against Babel's CLDR data, so the two cannot drift apart.

    money(Decimal("1234.5"), "EUR", "lv")  ->  "1 234,50 €"   (no-break spaces)
    money(Decimal("12.3"), "EUR", "en")    ->  "€12.30"

English keeps ISO dates (2026-11-30): the shops are in Latvia, where "11/30/26" would be
read wrongly. Machine formats (JSON, CSV) never come here.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from loyalty_cli import language

NBSP = "\u00a0"
# CLDR: decimal mark, group mark, and whether the currency goes before the amount.
_NUMBERS = {"en": (".", ",", True), "lv": (",", NBSP, False), "ru": (",", NBSP, False)}
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "lv": (
        "janvāris",
        "februāris",
        "marts",
        "aprīlis",
        "maijs",
        "jūnijs",
        "jūlijs",
        "augusts",
        "septembris",
        "oktobris",
        "novembris",
        "decembris",
    ),
    "ru": (
        "январь",
        "февраль",
        "март",
        "апрель",
        "май",
        "июнь",
        "июль",
        "август",
        "сентябрь",
        "октябрь",
        "ноябрь",
        "декабрь",
    ),
}


def money(amount: Decimal, currency: str, code: str | None = None) -> str:
    """An amount of `currency` as written in language `code` (default: the active one)."""
    code = code or language.active()
    point, group_mark, symbol_first = _NUMBERS.get(code, _NUMBERS["en"])
    cents = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    whole, _, fraction = f"{abs(cents):f}".partition(".")
    digits = _grouped(whole, group_mark) + point + (fraction or "00")
    symbol = _SYMBOLS.get(currency, currency)
    if symbol_first:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{digits}{NBSP}{symbol}"


def number(value: int, code: str | None = None) -> str:
    """A whole number (points, people) with the language's group mark: 1,234 / 1 234."""
    code = code or language.active()
    group_mark = _NUMBERS.get(code, _NUMBERS["en"])[1]
    sign = "-" if value < 0 else ""
    return sign + _grouped(str(abs(int(value))), group_mark)


def decimal_mark(code: str | None = None) -> str:
    """The language's decimal mark: "." (en) or "," (lv, ru)."""
    return _NUMBERS.get(code or language.active(), _NUMBERS["en"])[0]


def percent(value: Decimal, code: str | None = None) -> str:
    """The number of a percentage as people write it, no trailing zeros: 3, 2.5 / 2,5."""
    places = max(-Decimal(value).normalize().as_tuple().exponent, 0)
    return decimal(value, places, code)


def decimal(value: Decimal, places: int, code: str | None = None) -> str:
    """A number rounded to `places` decimals (a size, a share): 3,072.5 / 3 072,5."""
    code = code or language.active()
    point, group_mark, _symbol_first = _NUMBERS.get(code, _NUMBERS["en"])
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    return sign + _grouped(whole, group_mark) + (point + fraction if fraction else "")


def day(value: date, code: str | None = None) -> str:
    """A calendar date: 2026-11-03 (en), 3.11.2026. (lv), 03.11.2026 (ru)."""
    code = code or language.active()
    if code == "lv":
        return f"{value.day}.{value.month:02d}.{value.year}."
    if code == "ru":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return value.isoformat()


def moment(value: datetime, code: str | None = None) -> str:
    """A date and a time of day (24-hour clock), in the shop's zone as given."""
    code = code or language.active()
    joint = ", " if code == "ru" else " "
    return f"{day(value.date(), code)}{joint}{value.hour:02d}:{value.minute:02d}"


def month(year: int, number_of_month: int, code: str | None = None) -> str:
    """A month of a year as a heading: November 2026 / novembris 2026 / ноябрь 2026."""
    code = code or language.active()
    return f"{_MONTHS.get(code, _MONTHS['en'])[number_of_month - 1]} {year}"


def month_number(year: int, number_of_month: int, code: str | None = None) -> str:
    """A month in figures, for inside a sentence or a list: 2027-01 / 01.2027. / 01.2027."""
    code = code or language.active()
    if code == "lv":
        return f"{number_of_month:02d}.{year}."
    if code == "ru":
        return f"{number_of_month:02d}.{year}"
    return f"{year}-{number_of_month:02d}"


def _grouped(digits: str, mark: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return mark.join(groups)
