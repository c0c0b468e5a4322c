"""Printed member cards: credit-card-sized cards, ten to an A4 sheet, to cut out and hand over.

Each card carries the shop's name, the member's name, the card number as people read it
(in groups of four) and a Code 128 barcode of the card number, which a till's scanner
types back as the card number. The few words on a card are in the member's language.

The PDF is drawn with fpdf2 and the barcode's bars come from python-barcode (its Code 128
encoder picks the code sets and the check symbol); both are imported only when a sheet
is drawn. The letters are DejaVu Sans, bundled with the package (`fonts/`, cut down to the
Latin, Greek and Cyrillic alphabets), so a sheet looks the same on every computer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from loyalty_cli import cards, clock, language, members
from loyalty_cli.errors import Refused
from loyalty_cli.language import _
from loyalty_cli.storage.unit_of_work import Shop

# ISO/IEC 7810 ID-1, the size of a bank card, in millimetres.
CARD_WIDTH = 85.6
CARD_HEIGHT = 54.0
PAGE_WIDTH, PAGE_HEIGHT = 210.0, 297.0  # A4
COLUMNS, ROWS = 2, 5
PER_PAGE = COLUMNS * ROWS
# The cards touch: one cut between two of them. What is left of the page is the margin.
LEFT = (PAGE_WIDTH - COLUMNS * CARD_WIDTH) / 2
TOP = (PAGE_HEIGHT - ROWS * CARD_HEIGHT) / 2
# Cut marks: short lines in the margin, continuing each cut, clear of the cards.
MARK_GAP, MARK_LENGTH = 2.0, 6.0
INSET = 5.0  # nothing is printed nearer to a card's edge than this (a cut may stray)
# Code 128: the narrowest bar (the module) at most a third of a millimetre, at least 0.19
# (what an ordinary laser printer and a till scanner manage); ten modules of white each side.
MODULE_MAX, MODULE_MIN = 0.33, 0.19
QUIET_MODULES = 10
BAR_HEIGHT = 13.0
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"


@dataclass(frozen=True)
class PrintedCard:
    """What goes on one member's card."""

    card: str
    name: str
    shop: str
    language: str


@dataclass(frozen=True)
class Sheets:
    """A PDF of cards, and the letters of each card that the font could not print."""

    pdf: bytes
    cards: tuple[PrintedCard, ...]
    pages: int
    missing: dict[str, str]  # card -> letters printed as empty boxes
    font_lacked: frozenset[str] = frozenset()  # every letter fpdf2 itself found missing


def chosen(shop: Shop, refs: Iterable[str]) -> list[PrintedCard]:
    """The cards of the members named (card or phone), in the order given, each once.

    A member who is blocked or closed gets no card (MemberNotActive), nor one whose card
    was replaced (CardMoved): a card is printed to be used.
    """
    found: dict[str, dict] = {}
    for ref in refs:
        member = members.find(shop, ref)
        members.require_active(member)
        found.setdefault(member["card"], member)
    return [_printed(shop, member) for member in found.values()]


def enrolled_since(shop: Shop, day: date, today: date) -> list[PrintedCard]:
    """The cards of the active members enrolled on `day` or later, oldest enrolment first.

    None at all is refused: there is nothing to print.
    """
    tz = shop.programme().tz
    since = clock.iso(clock.start_of_day(day, tz))
    until = clock.iso(clock.end_of_day(max(day, today), tz))
    found = sorted(
        (
            member
            for member in shop.members.enrolled_between(since, until)
            if member.get("status") == "active" and not member.get("merged_into")
        ),
        key=lambda member: (member["enrolled_at"], member["card"]),
    )
    if not found:
        from loyalty_cli import formats

        raise Refused(
            _("no active member was enrolled since {day}; nothing was written").format(day=formats.day(day))
        )
    return [_printed(shop, member) for member in found]


def sheets(printed: list[PrintedCard], made_at: datetime) -> Sheets:
    """The PDF: ten cards to an A4 page, two across and five down, with cut marks."""
    import logging

    from fpdf import FPDF

    # fpdf2 logs letters missing from the font; they are collected and told per card instead.
    logging.getLogger("fpdf").setLevel(logging.ERROR)
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0  # texts start where the line under the shop name starts
    pdf.set_creation_date(made_at)
    pdf.set_creator("loyalty")
    pdf.set_title(_("Member cards"))
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    missing: dict[str, str] = {}
    for index, card in enumerate(printed):
        place = index % PER_PAGE
        if place == 0:
            pdf.add_page()
            _cut_marks(pdf)
        x = LEFT + (place % COLUMNS) * CARD_WIDTH
        y = TOP + (place // COLUMNS) * CARD_HEIGHT
        lacking = _draw_card(pdf, card, x, y)
        if lacking:
            missing[card.card] = lacking
    document = bytes(pdf.output())
    lacked = frozenset(
        chr(code) for font in pdf.fonts.values() for code in getattr(font, "missing_glyphs", ())
    )
    return Sheets(document, tuple(printed), pdf.page, missing, lacked)


def barcode_modules(card: str) -> str:
    """The Code 128 symbol of `card` as modules, "1" a bar and "0" a space, without the
    quiet zones (python-barcode encodes it: code set C packs two digits in a symbol).

    The symbol is read back before it is used. python-barcode 0.16 drops a leading "99"
    from a number in code set C (its issue #251: one generated card in ninety starts so),
    and a card must never scan as another number: such a card is encoded in code set B,
    one character a symbol, which reads back right.
    """
    from barcode.charsets import code128
    from barcode.codex import Code128

    modules = Code128(card).build()[0]
    if _read_back(modules, code128) == card:
        return modules
    values = [code128.START_CODES["B"], *(ord(char) - 32 for char in card)]
    check = (values[0] + sum(place * value for place, value in enumerate(values[1:], start=1))) % 103
    modules = "".join(code128.CODES[value] for value in [*values, check]) + code128.STOP + "11"
    if _read_back(modules, code128) != card:
        raise ValueError(f"no Code 128 symbol reads back as {card!r}")  # a bug, not a refusal
    return modules


def _read_back(modules: str, code128) -> str | None:
    """What a scanner reads from the modules (digits and letters), or None if the check
    symbol is wrong."""
    patterns = {pattern: value for value, pattern in enumerate(code128.CODES)}
    body = modules[: -(len(code128.STOP) + 2)]
    values = [patterns.get(body[at : at + 11]) for at in range(0, len(body), 11)]
    if None in values or len(values) < 2:
        return None
    *values, check = values
    if (values[0] + sum(place * value for place, value in enumerate(values[1:], start=1))) % 103 != check:
        return None
    sets = {value: name for name, value in code128.START_CODES.items()}
    switches = {99: "C", 100: "B", 101: "A"}  # in the other two sets
    characters = {"A": 64, "B": 96}  # values that are a character (space onwards) in A and B
    current, text = sets.get(values[0]), ""
    for value in values[1:]:
        if current == "C" and value < 100:
            text += f"{value:02d}"
        elif value < characters.get(current, 0):
            text += chr(value + 32)
        elif switches.get(value, current) != current:
            current = switches[value]
        else:
            return None
    return text


def _printed(shop: Shop, member: dict) -> PrintedCard:
    speaks = member.get("language") or members.default_language(shop.programme())
    return PrintedCard(member["card"], member["name"], shop.programme().name, speaks)


def _cut_marks(pdf) -> None:
    """Lines in the margins that continue every cut: where the guillotine goes."""
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    right = LEFT + COLUMNS * CARD_WIDTH
    bottom = TOP + ROWS * CARD_HEIGHT
    for column in range(COLUMNS + 1):
        x = LEFT + column * CARD_WIDTH
        pdf.line(x, TOP - MARK_GAP - MARK_LENGTH, x, TOP - MARK_GAP)
        pdf.line(x, bottom + MARK_GAP, x, bottom + MARK_GAP + MARK_LENGTH)
    for row in range(ROWS + 1):
        y = TOP + row * CARD_HEIGHT
        pdf.line(LEFT - MARK_GAP - MARK_LENGTH, y, LEFT - MARK_GAP, y)
        pdf.line(right + MARK_GAP, y, right + MARK_GAP + MARK_LENGTH, y)


def _draw_card(pdf, card: PrintedCard, x: float, y: float) -> str:
    """One card with its top left corner at (x, y); the letters the font lacks."""
    width = CARD_WIDTH - 2 * INSET
    with language.speaking(card.language):
        label = _("Loyalty card")
        hint = _("Show this card at the till")
    lacking: list[str] = []
    pdf.set_text_color(110)
    pdf.set_font(FONT, "", 6.5)
    label_width = pdf.get_string_width(label)
    _text(pdf, label, x + CARD_WIDTH - INSET - label_width, y + INSET, label_width, 3.5, lacking)
    pdf.set_text_color(0)
    _fitted(pdf, card.shop, "B", 11, x + INSET, y + INSET - 0.7, width - label_width - 3, lacking)
    pdf.set_draw_color(150)
    pdf.set_line_width(0.3)
    pdf.line(x + INSET, y + INSET + 5.5, x + CARD_WIDTH - INSET, y + INSET + 5.5)
    _fitted(pdf, card.name, "", 12, x + INSET, y + 15, width, lacking)
    pdf.set_font(FONT, "B", 10.5)
    _text(pdf, cards.display(card.card), x + INSET, y + 21.5, width, 5, lacking)
    _barcode(pdf, card.card, x + INSET, y + 29, width)
    pdf.set_text_color(110)
    _fitted(pdf, hint, "", 6.5, x + INSET, y + CARD_HEIGHT - INSET - 3.5, width, lacking)
    pdf.set_text_color(0)
    return "".join(dict.fromkeys(lacking))


def _fitted(pdf, text: str, style: str, size: float, x: float, y: float, width: float, lacking: list) -> None:
    """`text` on one line of `width`: smaller type for a long name, cut short if even 6 pt
    is too wide (a card has one line for it)."""
    while size > 6 and _width_at(pdf, text, style, size) > width:
        size -= 0.5
    pdf.set_font(FONT, style, size)
    if pdf.get_string_width(text) > width:
        while text and pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        text = text.rstrip() + "…"
    _text(pdf, text, x, y, width, size * 0.45, lacking)


def _width_at(pdf, text: str, style: str, size: float) -> float:
    pdf.set_font(FONT, style, size)
    return pdf.get_string_width(text)


def _text(pdf, text: str, x: float, y: float, width: float, height: float, lacking: list) -> None:
    font = pdf.current_font
    lacking.extend(char for char in text if not char.isspace() and ord(char) not in font.cmap)
    pdf.set_xy(x, y)
    pdf.cell(width, height, text)


def _barcode(pdf, card: str, x: float, y: float, width: float) -> None:
    """The card number's Code 128 at (x, y), white quiet zones included, within `width`."""
    modules = barcode_modules(card)
    module = min(MODULE_MAX, width / (len(modules) + 2 * QUIET_MODULES))
    module = max(module, MODULE_MIN)  # a 32-letter card: the bars are as thin as they may be
    pdf.set_fill_color(0)
    left = x + QUIET_MODULES * module
    start = None
    for index, bit in enumerate(modules + "0"):
        if bit == "1" and start is None:
            start = index
        elif bit == "0" and start is not None:
            pdf.rect(left + start * module, y, (index - start) * module, BAR_HEIGHT, style="F")
            start = None
