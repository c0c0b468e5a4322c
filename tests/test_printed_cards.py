"""`card print`: sheets of member cards, read back as a person and a till scanner would.

The PDF is turned into pictures with pdftoppm and its barcodes are read with zbarimg (the
poppler-utils and zbar-tools packages, which .ci/run installs when missing); its words and
where they stand come from pdftotext and its page size from pdfinfo.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import stat
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from loyalty_cli import printed_cards

TOOLS = ("pdftoppm", "pdftotext", "pdfinfo", "zbarimg")
MM = 72 / 25.4  # PDF points in a millimetre


@pytest.fixture(autouse=True)
def tools():
    """The tools that read a sheet: missing on a developer's machine, a skip; in CI, a failure."""
    lacking = [tool for tool in TOOLS if shutil.which(tool) is None]
    if lacking and os.environ.get("CI"):
        pytest.fail(f"missing {', '.join(lacking)}: .ci/run installs poppler-utils and zbar-tools")
    if lacking:
        pytest.skip(f"needs {', '.join(lacking)} (poppler-utils, zbar-tools)")


def barcodes(pdf: Path, tmp_path: Path, dpi: int = 200) -> list[list[str]]:
    """The Code 128 barcodes zbarimg reads on each page of `pdf`, page by page."""
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = []
    for picture in sorted(tmp_path.glob("page-*.png")):
        read = subprocess.run(["zbarimg", "-q", str(picture)], capture_output=True, text=True)
        assert read.returncode in (0, 4), read.stderr  # 4: no barcode found on the page
        pages.append(sorted(line.removeprefix("CODE-128:") for line in read.stdout.split()))
    return pages


def words(pdf: Path) -> list[tuple[int, float, float, str]]:
    """Every word of `pdf` as (page, left, top, text), in PDF points from the top left."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True)
    found, page = [], 0
    for line in html.stdout.splitlines():
        if "<page " in line:
            page += 1
        hit = re.search(r'xMin="([0-9.]+)" yMin="([0-9.]+)"[^>]*>([^<]*)</word>', line)
        if hit:
            found.append((page, float(hit[1]), float(hit[2]), hit[3]))
    return found


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def cards_of(loyalty, count: int) -> list[str]:
    return [row["card"] for row in loyalty.json("member", "list")][:count]


def test_every_barcode_reads_back_as_its_card_number(sample, tmp_path):
    chosen = cards_of(sample, 12)
    output = tmp_path / "cards.pdf"
    result = sample.json("card", "print", *chosen, "--output", output)
    assert result["cards"] == chosen and result["pages"] == 2
    pages = barcodes(output, tmp_path)
    assert [len(page) for page in pages] == [10, 2]
    assert sorted(pages[0] + pages[1]) == sorted(chosen)


def test_a_card_number_of_letters_and_digits_reads_back_too(loyalty, tmp_path):
    long_card = "LV" + "7" * 20 + "AB12CD34EF"  # 32 letters and digits, the longest allowed
    loyalty("enroll", "Anna Bērziņa", "--card", long_card)
    loyalty("enroll", "Ivars Ozols", "--card", "0042")
    output = tmp_path / "cards.pdf"
    loyalty("card", "print", long_card, "0042", "--output", output)
    assert barcodes(output, tmp_path, dpi=300) == [sorted([long_card, "0042"])]


def test_a_card_starting_with_99_reads_back_whole(loyalty, tmp_path):
    # python-barcode 0.16 alone drops the leading "99" (its issue #251): it would scan as 2886567997.
    loyalty("enroll", "Anna Bērziņa", "--card", "992886567997")
    loyalty("enroll", "Ivars Ozols", "--card", "9900")
    output = tmp_path / "cards.pdf"
    loyalty("card", "print", "992886567997", "9900", "--output", output)
    assert barcodes(output, tmp_path) == [["9900", "992886567997"]]


def test_cards_are_bank_card_sized_ten_to_an_a4_page(sample, tmp_path):
    chosen = cards_of(sample, 11)
    output = tmp_path / "cards.pdf"
    sample("card", "print", *chosen, "--output", output)
    info = subprocess.run(["pdfinfo", str(output)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+2\n", info)
    assert "595.28 x 841.89 pts (A4)" in info
    # The shop's name on each card: two columns 85.6 mm apart, five rows 54 mm apart.
    first_page = {
        (round(x, 2), round(y, 2)) for page, x, y, text in words(output) if (page, text) == (1, "Maiznīca")
    }
    assert len(first_page) == 10
    columns = sorted({x for x, _y in first_page})
    rows = sorted({y for _x, y in first_page})
    assert len(columns) == 2 and len(rows) == 5
    assert columns[1] - columns[0] == pytest.approx(85.6 * MM, abs=0.05)
    assert [b - a for a, b in itertools.pairwise(rows)] == pytest.approx([54 * MM] * 4, abs=0.05)


def test_cut_marks_continue_every_cut_in_the_margins(loyalty, tmp_path):
    card = loyalty.enroll("Anna Bērziņa")
    output = tmp_path / "cards.pdf"
    loyalty("card", "print", card, "--output", output)
    dpi = 254  # ten pixels a millimetre
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(output), str(tmp_path / "p")], check=True
    )
    from PIL import Image

    picture = Image.open(next(tmp_path.glob("p-*.png"))).convert("L")
    top_margin = [picture.getpixel((x, 70)) for x in range(picture.width)]  # 7 mm from the top
    left_margin = [picture.getpixel((145, y)) for y in range(picture.height)]  # 14.5 mm from the left
    # Where the dark lines cross the margins: the cuts between and around the cards, in mm.
    assert _lines(top_margin) == pytest.approx([19.4, 105.0, 190.6], abs=0.25)
    assert _lines(left_margin) == pytest.approx([13.5 + 54 * row for row in range(6)], abs=0.25)


def _lines(pixels: list[int]) -> list[float]:
    """The middles of the dark runs of a row of pixels, in millimetres (ten pixels each)."""
    runs, start = [], None
    for at, value in enumerate([*pixels, 255]):
        if value < 128 and start is None:
            start = at
        elif value >= 128 and start is not None:
            runs.append((start + at - 1) / 2 / 10)
            start = None
    return runs


def test_each_card_speaks_its_members_language_in_every_alphabet(loyalty, tmp_path):
    latvian = loyalty.enroll("Zane Ābele-Šķēle Žūriņa", "--language", "lv")
    russian = loyalty.enroll("Анна Кузнецова", "--language", "ru")
    english = loyalty.enroll("Mary Smith", "--language", "en")
    output = tmp_path / "cards.pdf"
    result = loyalty.json("card", "print", latvian, russian, english, "--output", output)
    assert result["missing_letters"] == {}
    text = pdf_text(output)
    for name in ("Zane Ābele-Šķēle Žūriņa", "Анна Кузнецова", "Mary Smith"):
        assert name in text
    assert "Lojalitātes karte" in text and "Карта лояльности" in text and "Loyalty card" in text
    assert sorted(barcodes(output, tmp_path)[0]) == sorted([latvian, russian, english])


def test_a_name_the_font_cannot_print_is_told_and_the_sheet_is_still_made(loyalty, tmp_path):
    card = loyalty.enroll("王小明 Wang")
    output = tmp_path / "cards.pdf"
    result = loyalty("card", "print", card, "--output", output)
    assert f"card {card}: the font has no '王', '小', '明'; they print as empty boxes" in result.stderr
    assert barcodes(output, tmp_path) == [[card]]


def test_new_since_prints_the_active_members_enrolled_from_that_day(loyalty, tmp_path):
    early = loyalty.enroll("Early Bird", now="2026-10-31T22:30:00+00:00")  # 1 November in Riga already
    loyalty.enroll("Before", now="2026-10-31T12:00:00+00:00")
    late = loyalty.enroll("Late Comer", now="2026-11-20T09:00:00+00:00")
    blocked = loyalty.enroll("Blocked One", now="2026-11-21T09:00:00+00:00")
    loyalty("member", "block", blocked)
    output = tmp_path / "new.pdf"
    result = loyalty.json("card", "print", "--new-since", "2026-11-01", "--output", output)
    assert result["cards"] == [early, late]
    assert sorted(barcodes(output, tmp_path)[0]) == sorted([early, late])


def test_the_sheet_is_private_and_says_what_it_wrote(loyalty, tmp_path):
    card = loyalty.enroll()
    output = tmp_path / "cards.pdf"
    result = loyalty("card", "print", card, card, "--output", output)
    assert result.stdout == f"Wrote 1 card to {output} (1 page)\n"
    assert stat.S_IMODE(output.stat().st_mode) == 0o600


def test_a_member_named_by_phone_gets_their_card(loyalty, tmp_path):
    card = loyalty.enroll("Anna Bērziņa", "--phone", "29123456")
    output = tmp_path / "cards.pdf"
    assert loyalty.json("card", "print", "29123456", "--output", output)["cards"] == [card]


@pytest.mark.parametrize(
    "how, status, message",
    [
        (["UNKNOWN1"], 1, "Error: no member with card or phone 'UNKNOWN1'"),
        (["--new-since", "2026-11-22"], 1, "Error: no active member was enrolled since 2026-11-22"),
        ([], 2, "Error: name members or give --new-since"),
        (
            ["{card}", "--new-since", "2026-11-01"],
            2,
            "Error: name the members, or give --new-since, but not both",
        ),
        (["{blocked}"], 1, "Error: member {blocked} is blocked"),
    ],
)
def test_a_refused_sheet_leaves_no_file_and_writes_nothing(loyalty, tmp_path, how, status, message):
    card = loyalty.enroll(now="2026-10-01T09:00:00+00:00")
    blocked = loyalty.enroll("Blocked One", now="2026-10-01T09:00:00+00:00")
    loyalty("member", "block", blocked)
    before = loyalty.snapshot()
    output = tmp_path / "cards.pdf"
    args = [part.format(card=card, blocked=blocked) for part in how]
    result = loyalty("card", "print", *args, "--output", output, expect=status)
    assert result.stderr.strip().splitlines()[-1].startswith(message.format(blocked=blocked))
    assert not output.exists() and not list(tmp_path.glob(".tmp-*"))
    assert loyalty.snapshot() == before


def test_an_output_in_a_folder_that_cannot_be_written_is_refused_before_any_work(loyalty, tmp_path):
    card = loyalty.enroll()
    result = loyalty("card", "print", card, "--output", tmp_path / "missing" / "cards.pdf", expect=2)
    assert "is not a folder you can write to" in result.stderr
    assert not (tmp_path / "missing").exists()


def test_a_failed_write_leaves_the_old_sheet_as_it_was(loyalty, tmp_path, monkeypatch):
    card = loyalty.enroll()
    output = tmp_path / "cards.pdf"
    output.write_bytes(b"old sheet")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("loyalty_cli.files.write_atomic", full_disk)
    result = loyalty("card", "print", card, "--output", output, expect=3)
    assert (
        result.stderr.strip()
        == f"Error: could not write {output}: No space left on device; {output} is as it was"
    )
    assert output.read_bytes() == b"old sheet"


def test_a_card_in_latvian_for_the_operator_in_russian(loyalty, tmp_path):
    card = loyalty.enroll("Kārlis Vītols", "--language", "lv")
    output = tmp_path / "cards.pdf"
    result = loyalty("--lang", "ru", "card", "print", card, "--output", output)
    assert result.stdout == f"Записана 1 карта в {output} (1 страница)\n"
    assert "Lojalitātes karte" in pdf_text(output)


def test_the_barcode_symbol_is_code_128_of_the_card():
    # start C (11010011100), then 12 34 in code set C, the check symbol and the stop pattern
    modules = printed_cards.barcode_modules("1234")
    assert modules.startswith("11010011100") and modules.endswith("1100011101011")
    assert len(modules) == 11 * 4 + 13


def test_the_font_has_every_letter_of_latvian_russian_and_greek_names_as_fpdf2_sees_it():
    names = [
        "Zane Ābele-Šķēle Žūriņa Ūdre Ģirts Ļaudis",
        "Анна Кузнецова-Ёлкина Щукина",
        "Γιώργος Παπαδόπουλος",
    ]
    printed = [
        printed_cards.PrintedCard(f"12340000000{i}", name, "Maiznīca Rīts", "lv")
        for i, name in enumerate(names)
    ]
    made = printed_cards.sheets(printed, datetime(2026, 11, 22, tzinfo=timezone.utc))
    assert made.font_lacked == frozenset() and made.missing == {}


def test_letters_the_font_lacks_are_found_as_fpdf2_finds_them():
    printed = [printed_cards.PrintedCard("123400000001", "王小明 Wang", "Shop", "en")]
    made = printed_cards.sheets(printed, datetime(2026, 11, 22, tzinfo=timezone.utc))
    assert made.font_lacked == frozenset("王小明")
    assert made.missing == {"123400000001": "王小明"}


@pytest.mark.parametrize("card", ["992886567997", "99", "129934567890", "123456789099", "ABCD1234", "0042"])
def test_every_barcode_symbol_reads_back_as_its_card(card):
    from barcode.charsets import code128

    assert printed_cards._read_back(printed_cards.barcode_modules(card), code128) == card


def test_a_sheet_of_nobody_says_what_to_name_in_the_operators_language(loyalty, tmp_path):
    output = tmp_path / "cards.pdf"
    latvian = loyalty("--lang", "lv", "card", "print", "--output", output, expect=2)
    assert "norādiet dalībniekus vai --new-since" in latvian.stderr
    russian = loyalty("--lang", "ru", "card", "print", "--output", output, expect=2)
    assert "укажите участников или --new-since" in russian.stderr
    assert not output.exists()
