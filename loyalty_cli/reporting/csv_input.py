"""Reading the CSV files shops really have: what a spreadsheet or a till wrote.

The delimiter is sniffed from the header row (`,`, `;` or tab); a UTF-8 byte-order mark is
dropped; another encoding is named with `--encoding`. Header names ignore case and
surrounding spaces. The apostrophe that every CSV this tool writes puts before a cell that
would run as a formula is removed again, so exports and rejects import back.

No row is ever lost without a word: a cell never holds a line break in these files, so a
record that runs over several lines means a quote was left open. Each line it swallowed is
rejected on its own, with its line number, and so is a line with a cell longer than any a
shop types. `imported + skipped + rejected` always equals the rows of the file.

A survey tool's export is the exception: its free-text answers keep the line breaks people
typed, inside quotes. Read with `cells_over_lines`, a quoted cell may run over several
lines, each row is numbered by the line it starts on, and a quote left open is reported at
the row where it was opened (the rows after it cannot be told apart).
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

from loyalty_cli import files, formats
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import _, ngettext
from loyalty_cli.reporting.spreadsheet import FORMULA_STARTS

DELIMITERS = (",", ";", "\t")
# Longer than any name, e-mail, receipt or note typed into a shop's spreadsheet.
MAX_CELL = 10_000
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_GUARDED = tuple("'" + start for start in FORMULA_STARTS)


@dataclass(frozen=True)
class BadLine:
    """A line that could not be read as a row, and why."""

    line: int
    row: dict
    reason: str


@dataclass
class Sheet:
    """A CSV file read: its columns, its rows with their line numbers, the lines it could not read."""

    path: Path
    header: list[str]
    columns: list[str]
    delimiter: str = ","
    bom: bool = False
    rows: list[tuple[int, dict]] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)

    @property
    def size(self) -> int:
        """The rows of the file: those read and those that could not be."""
        return len(self.rows) + len(self.bad_lines)


def read(
    path: Path, required: tuple[str, ...], encoding: str | None = None, *, cells_over_lines: bool = False
) -> Sheet:
    """The header and rows of a CSV file; InvalidInput (exit 2) when it cannot be read at all.

    With `cells_over_lines`, a quoted cell may hold line breaks (see the module's docstring).
    """
    text, bom = _decode(path, encoding)
    lines = io.StringIO(text, newline="").readlines()
    if not lines:
        raise InvalidInput(_("{path} is empty; it needs a header row naming its columns").format(path=path))
    delimiter = _sniff(lines[0])
    header = [cell.strip() for cell in next(csv.reader(lines[:1], delimiter=delimiter))]
    columns = [name.lower() for name in header]
    _check_header(path, header, columns, required, delimiter)
    sheet = Sheet(path, header, columns, delimiter, bom)
    if cells_over_lines:
        _read_records(sheet, text)
    else:
        _read_rows(sheet, lines, text)
    return sheet


def _decode(path: Path, encoding: str | None) -> tuple[str, bool]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(
            _("cannot read {path}: {reason}").format(path=path, reason=files.reason(error))
        ) from None
    codec, marked = encoding or "utf-8", encoding is not None
    for mark, name in _BOMS:
        if data.startswith(mark):  # a byte-order mark says the encoding, whatever was given
            codec, marked = name, True
            break
    try:
        return data.decode(codec), marked
    except LookupError:
        raise InvalidInput(
            _("--encoding {encoding}: no such encoding (try utf-8, cp1257, cp1251)").format(encoding=encoding)
        ) from None
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        if codec in ("utf-8", "utf-8-sig"):
            raise InvalidInput(
                _(
                    "{path} is not UTF-8 text (line {line}); name the encoding it was saved in "
                    "with --encoding, such as --encoding cp1257 (Baltic) or cp1251 (Cyrillic)"
                ).format(path=path, line=line)
            ) from None
        raise InvalidInput(
            _("{path} is not {encoding} text (line {line}); check --encoding").format(
                path=path, encoding=codec, line=line
            )
        ) from None


def _sniff(first_line: str) -> str:
    # The header row names the columns: the separator is what it holds most of.
    counts = [first_line.count(candidate) for candidate in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))] if max(counts) else ","


def _check_header(path: Path, header: list[str], columns: list[str], required, delimiter: str) -> None:
    named = [c for c in columns if c]
    twice = sorted({c for c in named if named.count(c) > 1})
    if twice:
        raise InvalidInput(
            ngettext(
                "{path}: the column {columns} appears twice in the header row",
                "{path}: the columns {columns} appear twice in the header row",
                len(twice),
            ).format(path=path, columns=", ".join(twice))
        )
    missing = [c for c in required if c not in columns]
    if missing:
        found = delimiter.join(header) or _("nothing")
        raise InvalidInput(
            ngettext(
                "{path} lacks the column {columns} in its header row (it has: {found})",
                "{path} lacks the columns {columns} in its header row (it has: {found})",
                len(missing),
            ).format(path=path, columns=", ".join(missing), found=found)
        )


def _read_rows(sheet: Sheet, lines: list[str], text: str) -> None:
    if len(text) >= csv.field_size_limit():
        csv.field_size_limit(min(len(text) + 1, sys.maxsize))  # a long cell is ours to report
    long_lines: set[int] = set()
    if max(map(len, lines)) > MAX_CELL:
        long_lines = {number for number, line in enumerate(lines, start=1) if len(line) > MAX_CELL}
    guarded = "'" in text
    reader = csv.reader(lines, delimiter=sheet.delimiter)
    next(reader)
    # The lean path: one record a line, numbered as they come. Should a record have run
    # over several lines (the reader has read more lines than it gave records), read again
    # line by line: that path knows where each record began.
    number, rows, columns, width = 1, sheet.rows, sheet.columns, len(sheet.columns)
    plain = not long_lines and not guarded
    for number, record in enumerate(reader, start=2):
        if plain and len(record) == width and record[0]:
            rows.append((number, dict(zip(columns, record, strict=True))))
        else:
            _take(sheet, number, record, long_lines, guarded)
    if reader.line_num != number:
        sheet.rows.clear()
        sheet.bad_lines.clear()
        for number, record in _one_line_records(sheet, lines):
            _take(sheet, number, record, long_lines, guarded)
        sheet.bad_lines.sort(key=lambda bad: bad.line)
    _check_last_line(sheet, lines)


def _read_records(sheet: Sheet, text: str) -> None:
    """Rows whose quoted cells may hold line breaks, each numbered by the line it starts on."""
    if len(text) >= csv.field_size_limit():
        csv.field_size_limit(min(len(text) + 1, sys.maxsize))  # a long cell is ours to report
    guarded = "'" in text
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sheet.delimiter, strict=True)
    start = 1
    try:
        next(reader)  # the header row, read already (a quote left open in it is reported here)
        start = reader.line_num + 1
        for record in reader:
            if any(record):  # not a blank line
                _take(sheet, start, record, {start}, guarded)
            start = reader.line_num + 1
    except csv.Error as error:
        if "end of data" in str(error):
            reason = _("a quote opened on this line is not closed before the file ends")
        else:
            reason = _("a quote on this line is neither at the start nor at the end of a cell")
        sheet.bad_lines.append(BadLine(start, {}, reason))


def _check_last_line(sheet: Sheet, lines: list[str]) -> None:
    """A quote opened on the last line runs to the end of the file and takes its line end."""
    if sheet.rows and sheet.rows[-1][0] == len(lines):
        number = sheet.rows[-1][0]
        if lines[-1].count('"') % 2 and not _parses_strictly(lines[-1], sheet.delimiter):
            sheet.rows.pop()
            swallowed = _swallowed(lines, number, number, sheet.columns, sheet.delimiter)
            sheet.bad_lines.extend(
                BadLine(
                    bad.line, bad.row, _("a quote opened on this line is not closed before the file ends")
                )
                for bad in swallowed
            )


def _parses_strictly(line: str, delimiter: str) -> bool:
    try:
        list(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return True


def _take(sheet: Sheet, number: int, record: list[str], long_lines: set[int], guarded: bool) -> None:
    width = len(sheet.columns)
    if len(record) != width:
        if not record or not any(record):
            return  # a blank line
        if len(record) > width and any(record[width:]):
            reason = _too_many(record, width, sheet.delimiter)
            sheet.bad_lines.append(BadLine(number, dict(zip(sheet.columns, record, strict=False)), reason))
            return
    elif not record[0] and not any(record):
        return  # a row of empty cells, as spreadsheets add them
    if long_lines and number in long_lines and max(map(len, record)) > MAX_CELL:
        reason = ngettext(
            "a cell is longer than {count} character", "a cell is longer than {count} characters", MAX_CELL
        ).format(count=formats.number(MAX_CELL))
        sheet.bad_lines.append(BadLine(number, {}, reason))
        return
    if guarded:
        record = [cell[1:] if cell.startswith(_GUARDED) else cell for cell in record]
    sheet.rows.append((number, dict(zip(sheet.columns, record, strict=False))))


def _one_line_records(sheet: Sheet, lines: list[str]):
    """(line, record) for each record on one line; records over several lines become bad lines."""
    reader = csv.reader(lines, delimiter=sheet.delimiter)
    next(reader)
    last = 1
    for record in reader:
        end = reader.line_num
        first, last = last + 1, end
        if end == first:
            yield end, record
        else:
            sheet.bad_lines.extend(_swallowed(lines, first, end, sheet.columns, sheet.delimiter))


def _swallowed(lines: list[str], first: int, end: int, columns: list[str], delimiter: str) -> list[BadLine]:
    """Each line of a record that ran over several lines: a quote opened on `first` and left open."""
    bad = []
    for number in range(first, end + 1):
        text = lines[number - 1]
        if not text.strip(" \r\n" + delimiter):
            continue
        if number == first:
            reason = _(
                "a quote opened on this line is not closed on it (the cell runs on to line {line})"
            ).format(line=end)
        else:
            reason = _("inside a quote left open on line {line}").format(line=first)
        if len(text) > MAX_CELL:
            cells: list[str] = []
        else:
            cells = next(csv.reader([text.replace('"', "")], delimiter=delimiter), [])
        bad.append(BadLine(number, dict(zip(columns, cells, strict=False)), reason))
    return bad


def _too_many(record: list[str], width: int, delimiter: str) -> str:
    shown = _("tab") if delimiter == "\t" else repr(delimiter)
    return ngettext(
        "the row has {count} cell but the header names {width} "
        "(a {delimiter} inside a cell that is not quoted?)",
        "the row has {count} cells but the header names {width} "
        "(a {delimiter} inside a cell that is not quoted?)",
        len(record),
    ).format(count=len(record), width=width, delimiter=shown)
