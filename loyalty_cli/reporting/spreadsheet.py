"""CSV that is safe to open in a spreadsheet: text never runs as a formula.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
by spreadsheet software, so a member named `=HYPERLINK(...)` could run code on the shop
owner's computer. Such text cells get a leading apostrophe, which spreadsheets show as
text. Money and points columns are declared numeric: a real number there stays a number
(a refund of -5 points is still summable); anything else in them is escaped like text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def safe_cell(value):
    """A text cell a spreadsheet shows as text, never runs as a formula ("" for None)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def number_cell(value):
    """A cell of a numeric column: numbers stay numbers, anything else is escaped text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return safe_cell(str(value))
    if isinstance(value, (int, Decimal)):
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return value
    return safe_cell(str(value))


def write_csv(
    handle: TextIO,
    rows: Iterable[dict],
    columns: list[str],
    numeric: Iterable[str] = (),
    *,
    delimiter: str = ",",
    lineterminator: str = "\n",
    decimal_comma: bool = False,
) -> None:
    """A header row and one row per dict; cells escaped, `numeric` columns kept as numbers
    (written 12,30 with `decimal_comma`)."""
    numbers = set(numeric)
    writer = csv.writer(handle, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        cells = []
        for column in columns:
            if column in numbers:
                cell = number_cell(row.get(column))
                if decimal_comma and not isinstance(cell, int):
                    cell = str(cell).replace(".", ",")
            else:
                cell = safe_cell(row.get(column))
            cells.append(cell)
        writer.writerow(cells)


def excel_text(rows: Iterable[dict], columns: list[str], numeric: Iterable[str], region: str) -> str:
    """CSV a double-click opens in a spreadsheet: `;`-separated, UTF-8 with a byte-order
    mark (so letters such as ā and ж survive), CRLF, and a decimal comma where the shop's
    region writes one."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    write_csv(
        buffer,
        rows,
        columns,
        numeric,
        delimiter=";",
        lineterminator="\r\n",
        decimal_comma=uses_decimal_comma(region),
    )
    return buffer.getvalue()


def uses_decimal_comma(region: str) -> bool:
    """True when the region (LV, DE, RU ...) writes 12,30; False where it writes 12.30 (CLDR)."""
    return str(region).upper() not in DECIMAL_POINT_REGIONS


# Regions whose usual language writes a decimal point (CLDR); most others write a comma.
DECIMAL_POINT_REGIONS = frozenset(
    [
        "US",
        "GB",
        "IE",
        "AU",
        "NZ",
        "CA",
        "IN",
        "PK",
        "BD",
        "LK",
        "NP",
        "CN",
        "HK",
        "MO",
        "TW",
        "JP",
        "KR",
        "SG",
        "MY",
        "PH",
        "TH",
        "MX",
        "IL",
        "CH",
        "LI",
        "NG",
        "KE",
        "GH",
        "UG",
        "TZ",
        "ZW",
        "BW",
        "MT",
        "GT",
        "HN",
        "SV",
        "NI",
        "DO",
        "PR",
        "PA",
    ]
)


def csv_text(rows: Iterable[dict], columns: list[str], numeric: Iterable[str] = ()) -> str:
    """The same as write_csv, as a string."""
    buffer = io.StringIO()
    write_csv(buffer, rows, columns, numeric)
    return buffer.getvalue()
