"""`report summary --chart`: the last twelve months as bars, for an owner who would rather look.

One row a month: the points issued, redeemed and expired (one scale for the three, so
their bars compare) and the purchases recorded (a scale of their own). A wide terminal
shows the four side by side; a narrow one (under 100 columns) shows the points first and
the purchases below. On a terminal the bars are coloured blocks drawn by rich, in eighths
of a character; piped into a file or a program they are plain `#` signs, sized for
COLUMNS (80 unless set).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from loyalty_cli import formats
from loyalty_cli.language import N_, _

WIDE = 100  # columns from which the four series fit side by side
PIPED_WIDTH = 80
MONTH_WIDTH = 7  # 2026-11
GAP = 2
EIGHTHS = " ▏▎▍▌▋▊▉"
SERIES = (
    ("issued", N_("chart|Issued"), "green"),
    ("redeemed", N_("chart|Redeemed"), "cyan"),
    ("expired", N_("chart|Expired"), "red"),
)
CASHBACK_TITLE = N_("Cashback per month, and purchases")
POINTS_TITLE = N_("Points per month, and purchases")
PURCHASES = ("purchases", N_("chart|Purchases"), "yellow")


@dataclass(frozen=True)
class _Column:
    key: str
    heading: str
    style: str
    values: list[int]
    shown: list[str]
    top: int  # the value a full bar stands for


def lines(monthly, width: int, *, show=str, cashback: bool = False, on_terminal: bool = False):
    """The chart as lines of `width` columns at most: plain strings, or rich Text on a terminal."""
    from loyalty_cli.language import in_context

    points_top = max([1] + [getattr(f, key) for f in monthly for key, _h, _s in SERIES])
    points = [
        _column(monthly, key, in_context(heading), style, show, points_top) for key, heading, style in SERIES
    ]
    key, heading, style = PURCHASES
    purchases_top = max([1] + [f.purchases for f in monthly])
    purchases = _column(monthly, key, in_context(heading), style, formats.number, purchases_top)
    title = _(CASHBACK_TITLE if cashback else POINTS_TITLE)
    months = [f.month for f in monthly]
    blocks = [[*points, purchases]] if width >= WIDE else [points, [purchases]]
    out = [_plain(title, on_terminal, "bold")]
    for block in blocks:
        out.append(_plain("", on_terminal))
        out.extend(_table(months, block, width, on_terminal))
    return out


def width_for(on_terminal: bool) -> int:
    """The columns to fill: the terminal's; piped, COLUMNS or 80."""
    import shutil

    if on_terminal:
        return shutil.get_terminal_size().columns
    try:
        return max(int(os.environ.get("COLUMNS", PIPED_WIDTH)), 40)
    except ValueError:
        return PIPED_WIDTH


def _column(monthly, key, heading, style, show, top) -> _Column:
    values = [getattr(f, key) for f in monthly]
    return _Column(key, heading, style, values, [show(v) for v in values], top)


def _table(months: list[str], columns: list[_Column], width: int, on_terminal: bool) -> list:
    """A heading line, then a line a month: the month, then each column's figure and bar."""
    figures = [max(len(s) for s in c.shown) for c in columns]
    spare = width - MONTH_WIDTH - len(columns) * (GAP + 1) - sum(figures)
    bar = max(spare // len(columns), 3)
    heading = [" " * MONTH_WIDTH]
    for column, figure in zip(columns, figures, strict=True):
        heading.append(" " * GAP + column.heading[: bar + 1 + figure].ljust(bar + 1 + figure))
    rows = [_plain("".join(heading).rstrip(), on_terminal, "bold")]
    for index, month in enumerate(months):
        pieces = [(month.ljust(MONTH_WIDTH), "")]
        for column, figure in zip(columns, figures, strict=True):
            drawn = _bar(column.values[index], column.top, bar, on_terminal)
            pieces.append((" " * GAP + column.shown[index].rjust(figure) + " ", ""))
            pieces.append((drawn.ljust(bar), column.style))
        rows.append(_joined(pieces, on_terminal))
    return rows


def _bar(value: int, top: int, width: int, on_terminal: bool) -> str:
    """A bar of `value` out of `top` in `width` characters; never empty for a value above zero."""
    if value <= 0:
        return ""
    if not on_terminal:
        return "#" * max(1, round(value * width / top))
    eighths = max(1, round(value * width * 8 / top))
    return "█" * (eighths // 8) + EIGHTHS[eighths % 8].strip()


def _plain(text: str, on_terminal: bool, style: str = ""):
    return _joined([(text, style)], on_terminal)


def _joined(pieces: list[tuple[str, str]], on_terminal: bool):
    if not on_terminal:
        return "".join(text for text, _style in pieces).rstrip()
    from rich.text import Text

    line = Text()
    for text, style in pieces:
        line.append(text, style=style or None)
    line.rstrip()
    return line
