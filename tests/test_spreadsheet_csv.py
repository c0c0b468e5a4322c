"""CSV files as shops really have them: spreadsheets' encodings, delimiters, dates and amounts.

Every row of a file is accounted for (imported + skipped + rejected = rows), a rejected row
is named by its line, and every CSV the tool writes imports back.
"""

from __future__ import annotations

import errno

import pytest

from loyalty_cli import files

SPREADSHEET = "\ufeffCard;Amount;Receipt;At\r\n"


def enrolled(loyalty, name="Anna Bērziņa", *args):
    """A member enrolled early in the year, so that the files' purchases come after it."""
    return loyalty.enroll(name, "--at", "2026-01-02T10:00", *args)


def test_a_cp1257_semicolon_file_with_capitalised_headers_imports_with_its_encoding(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_bytes(
        "Name;Phone;Email;Birthday\r\nJānis Bērziņš;29123456;janis@example.lv;05.11.1980\r\n"
        "Šarlote Ķēniņa;29123457;;1990-02-01\r\n".encode("cp1257")
    )
    result = loyalty.json("import", "members", source, "--encoding", "cp1257")
    assert (result["imported"], result["rejected"]) == (2, 0)
    member = loyalty.json("member", "show", "29123456")
    assert (member["name"], member["birthday"]) == ("Jānis Bērziņš", "1980-11-05")
    assert loyalty.json("member", "show", "29123457")["name"] == "Šarlote Ķēniņa"


def test_a_file_that_is_not_utf8_is_refused_naming_encoding_and_nothing_is_written(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_bytes("name;phone\nJānis;29123456\n".encode("cp1257"))
    before = loyalty.snapshot()
    result = loyalty("import", "members", source, expect=2)
    assert "is not UTF-8 text (line 2)" in result.stderr
    assert "--encoding" in result.stderr
    assert loyalty.snapshot() == before


def test_an_unknown_encoding_is_a_usage_error(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text("name\nAnna\n", encoding="utf-8")
    assert (
        "is not an encoding" in loyalty("import", "members", source, "--encoding", "latvian", expect=2).stderr
    )


def test_a_file_saved_by_a_spreadsheet_with_bom_crlf_semicolons_and_decimal_comma_imports(loyalty, tmp_path):
    card = enrolled(loyalty)
    source = tmp_path / "kase.csv"
    source.write_text(
        SPREADSHEET + f"{card};1\u00a0234,50;K1;05.11.2026 14:30\r\n{card};12,30;K2;06.11.2026\r\n",
        encoding="utf-8",
    )
    result = loyalty.json("import", "purchases", source)
    assert (result["imported"], result["rejected"]) == (2, 0)
    assert loyalty.json("member", "show", card)["balance"] == 1234 + 12


def test_a_day_first_moment_without_offset_is_shop_time(loyalty, tmp_path):
    card = enrolled(loyalty)
    source = tmp_path / "kase.csv"
    source.write_text(SPREADSHEET + f"{card};10;K1;05.11.2026 14:30\r\n", encoding="utf-8")
    loyalty("import", "purchases", source)
    entries = loyalty.json("statement", card, "--format", "json", "--from", "2026-11-01")["entries"]
    assert entries[0]["at"] == "2026-11-05T12:30:00+00:00"  # Riga is UTC+2 in November


def test_a_tab_separated_file_is_read(loyalty, tmp_path):
    card = enrolled(loyalty)
    source = tmp_path / "kase.tsv"
    source.write_text(f"card\tamount\treceipt\tat\n{card}\t10,00\tK1\t2026-11-05\n", encoding="utf-8")
    assert loyalty.json("import", "purchases", source)["imported"] == 1


def test_header_names_ignore_case_and_surrounding_spaces(loyalty, tmp_path):
    card = enrolled(loyalty)
    source = tmp_path / "kase.csv"
    source.write_text(f" CARD , Amount ,RECEIPT, At\n{card},10,K1,2026-11-05\n", encoding="utf-8")
    assert loyalty.json("import", "purchases", source)["imported"] == 1


def test_the_card_column_of_a_purchase_may_hold_the_members_phone(loyalty, tmp_path):
    card = enrolled(loyalty, "Anna", "--phone", "29123456")
    source = tmp_path / "kase.csv"
    source.write_text("card,amount,receipt,at\n+371 2912 3456,10,K1,2026-11-05\n", encoding="utf-8")
    assert loyalty.json("import", "purchases", source)["imported"] == 1
    assert loyalty.json("member", "show", card)["balance"] == 10


def test_a_stray_quote_rejects_every_line_it_swallowed_with_its_number(loyalty, tmp_path):
    card = enrolled(loyalty)
    rows = [f"{card},{n},K{n},2026-11-05" for n in range(1, 301)]
    rows[9] = f'"{card},10,K10,2026-11-05'  # line 11: a quote opens and is never closed
    source = tmp_path / "kase.csv"
    source.write_text("card,amount,receipt,at\n" + "\n".join(rows) + "\n", encoding="utf-8")
    rejects = tmp_path / "bad.csv"
    result = loyalty.json("import", "purchases", source, "--rejects", rejects, expect=1)
    assert (result["rows"], result["imported"], result["rejected"]) == (300, 9, 291)
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[1].split(",")[4:6] == [
        "11",
        "a quote opened on this line is not closed on it (the cell runs on to line 301)",
    ]
    assert lines[-1].split(",")[4:] == ["301", "inside a quote left open on line 11"]


def test_a_huge_cell_is_rejected_with_its_line_instead_of_an_internal_error(loyalty, tmp_path):
    card = enrolled(loyalty)
    source = tmp_path / "kase.csv"
    source.write_text(
        f"card,amount,receipt,at\n{card},10,{'X' * 200_000},2026-11-05\n{card},5,K2,2026-11-05\n",
        encoding="utf-8",
    )
    result = loyalty("import", "purchases", source, expect=1)
    assert "line 2: a cell is longer than 10,000 characters" in result.stderr
    assert loyalty.json("member", "show", card)["balance"] == 5


def test_a_row_with_more_cells_than_the_header_is_rejected(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text("name;phone\nBērziņa; Anna;29123456\n", encoding="utf-8")
    result = loyalty("import", "members", source, expect=1)
    assert "line 2: the row has 3 cells but the header names 2" in result.stderr
    assert loyalty.json("member", "list") == []


def test_blank_lines_and_rows_of_empty_cells_are_not_rows(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text("name;phone\n\nAnna;29123456\n;\n\nnobody;123\n", encoding="utf-8")
    result = loyalty("import", "members", source, expect=1)
    assert result.stdout.startswith("2 rows: imported 1, skipped 0 already recorded, rejected 1")
    assert "line 6:" in result.stderr


def test_an_import_with_rejected_rows_exits_1_keeps_the_good_rows_and_names_the_rejects_file(
    loyalty, tmp_path
):
    card = enrolled(loyalty)
    source = tmp_path / "kase.csv"
    source.write_text(f"card,amount,receipt,at\n{card},10,K1,2026-11-05\n{card},ten,K2,2026-11-05\n")
    rejects = tmp_path / "bad.csv"
    result = loyalty("import", "purchases", source, "--rejects", rejects, expect=1)
    assert f"the rejected rows are in {rejects}" in result.stdout
    assert loyalty.json("member", "show", card)["balance"] == 10


def test_strict_imports_nothing_when_a_row_is_rejected(loyalty, tmp_path):
    card = enrolled(loyalty)
    source = tmp_path / "kase.csv"
    source.write_text(f"card,amount,receipt,at\n{card},10,K1,2026-11-05\n{card},ten,K2,2026-11-05\n")
    before = loyalty.snapshot()
    result = loyalty("import", "purchases", source, "--strict", expect=1)
    assert "nothing was imported (--strict)" in result.stdout
    assert loyalty.snapshot() == before


def test_a_clean_file_exits_0(loyalty, tmp_path):
    card = enrolled(loyalty)
    source = tmp_path / "kase.csv"
    source.write_text(f"card,amount,receipt,at\n{card},10,K1,2026-11-05\n")
    loyalty("import", "purchases", source, "--strict")
    assert loyalty("import", "purchases", source).stdout.startswith("1 row: imported 0, skipped 1")


def test_the_rejects_file_escapes_a_formula_in_the_header_row(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text('name,=cmd|"/c calc"!A1\n,x\n', encoding="utf-8")
    rejects = tmp_path / "bad.csv"
    loyalty("import", "members", source, "--rejects", rejects, expect=1)
    assert rejects.read_text(encoding="utf-8").splitlines()[0].startswith("name,\"'=cmd|")


def test_the_rejects_file_is_written_like_the_file_it_came_from(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text("\ufeffName;Phone\r\nAnna;12\r\n", encoding="utf-8")
    rejects = tmp_path / "bad.csv"
    loyalty("import", "members", source, "--rejects", rejects, expect=1)
    assert rejects.read_bytes().startswith("\ufeffName;Phone;line;reason\r\nAnna;12;2;".encode())


def test_a_fixed_rejects_file_imports_back(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text("name,phone\nAnna,29123456\n=Bad,12\n", encoding="utf-8")
    rejects = tmp_path / "bad.csv"
    loyalty("import", "members", source, "--rejects", rejects, expect=1)
    fixed = rejects.read_text(encoding="utf-8").replace(",12,", ",29123457,")
    rejects.write_text(fixed, encoding="utf-8")
    assert loyalty.json("import", "members", rejects)["imported"] == 1
    assert loyalty.json("member", "show", "29123457")["name"] == "=Bad"  # the guard is gone


def test_a_full_disk_while_writing_the_rejects_says_so_and_imports_nothing(loyalty, tmp_path, monkeypatch):
    card = enrolled(loyalty)
    source = tmp_path / "kase.csv"
    source.write_text(f"card,amount,receipt,at\n{card},10,K1,2026-11-05\n{card},ten,K2,2026-11-05\n")
    rejects = tmp_path / "bad.csv"
    real = files.write_atomic

    def full(path, data, *args, **kwargs):
        if path == rejects:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, *args, **kwargs)

    monkeypatch.setattr(files, "write_atomic", full)
    before = loyalty.snapshot()
    result = loyalty("import", "purchases", source, "--rejects", rejects, expect=3)
    assert "could not write the rejected rows to" in result.stderr
    assert "No space left on device; nothing was imported" in result.stderr
    assert "internal error" not in result.stderr
    assert loyalty.snapshot() == before
    assert not rejects.exists()


def test_exported_members_import_back_into_another_shop(loyalty, tmp_path, empty_loyalty):
    loyalty.enroll("Anna Bērziņa", "--phone", "29123456", "--email", "anna@example.lv")
    export = tmp_path / "members.csv"
    loyalty("export", "members", "--excel", "--output", export)
    other = type(loyalty)(tmp_path / "other")
    other("init")
    assert other.json("import", "members", export)["imported"] == 1
    assert other.json("member", "show", "29123456")["email"] == "anna@example.lv"
    assert other.json("import", "members", export)["skipped"] == 1


def test_exported_members_import_back_with_their_languages(loyalty, tmp_path):
    loyalty.enroll("Olga Ivanova", "--phone", "29000111", "--language", "ru")
    loyalty.enroll("Anna Bērziņa", "--phone", "29123456", "--language", "lv")
    export = tmp_path / "members.csv"
    loyalty("export", "members", "--output", export)
    other = type(loyalty)(tmp_path / "other")
    other("init")
    other("import", "members", export)
    assert other.json("member", "show", "29000111")["language"] == "ru"
    assert other.json("member", "show", "29123456")["language"] == "lv"


def test_a_ledger_export_imports_back_as_its_purchases(loyalty, tmp_path):
    card = enrolled(loyalty)
    loyalty("purchase", card, "12,30", "--receipt", "K1", "--at", "2026-11-05T10:00")
    loyalty("adjust", card, "5", "--reason", "goodwill")
    export = tmp_path / "ledger.csv"
    loyalty("export", "ledger", "--excel", "--output", export)
    other = type(loyalty)(tmp_path / "other")
    other("init")
    members = tmp_path / "members.csv"
    members.write_text(f"name,card,enrolled\nAnna,{card},02.01.2026\n", encoding="utf-8")
    other("import", "members", members)
    result = other.json("import", "purchases", export)
    assert (result["imported"], result["skipped"], result["rejected"]) == (1, 1, 0)
    assert other.json("member", "show", card)["balance"] == 12


def test_the_same_member_file_imported_twice_imports_nobody_twice(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text(
        "name,phone,email,birthday,card\n"
        "Anna Bērziņa,29123456,,,\n"
        "Jānis Ozols,,,,5005\n"
        "Līga Kalniņa,,liga@example.lv,,\n"
        "Pēteris Liepiņš,,,1970-03-04,\n",
        encoding="utf-8",
    )
    assert loyalty.json("import", "members", source)["imported"] == 4
    again = loyalty.json("import", "members", source)
    assert (again["imported"], again["skipped"], again["rejected"]) == (0, 4, 0)
    assert len(loyalty.json("member", "list")) == 4


def test_a_member_file_imported_again_after_a_card_was_replaced_skips_that_member(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text("name,card\nJānis Ozols,5005\n", encoding="utf-8")
    loyalty("import", "members", source)
    loyalty("member", "replace-card", "5005", "--card", "6006")
    again = loyalty.json("import", "members", source)
    assert (again["imported"], again["skipped"], again["rejected"]) == (0, 1, 0)
    assert [m["card"] for m in loyalty.json("member", "list")] == ["6006"]


def test_a_row_sharing_only_the_name_with_a_member_is_rejected_as_a_possible_duplicate(loyalty, tmp_path):
    loyalty.enroll("Līga Kalniņa")
    source = tmp_path / "klienti.csv"
    source.write_text("name\nLīga Kalniņa\n", encoding="utf-8")
    result = loyalty("import", "members", source, expect=1)
    assert "possible duplicate" in result.stderr
    assert "--allow-duplicates" in result.stderr
    assert len(loyalty.json("member", "list")) == 1


def test_allow_duplicates_enrols_a_namesake(loyalty, tmp_path):
    loyalty.enroll("Līga Kalniņa")
    source = tmp_path / "klienti.csv"
    source.write_text("name\nLīga Kalniņa\n", encoding="utf-8")
    assert loyalty.json("import", "members", source, "--allow-duplicates")["imported"] == 1
    assert len(loyalty.json("member", "list")) == 2


def test_imported_members_get_no_welcome_bonus_unless_asked(loyalty, tmp_path):
    loyalty("program", "set", "bonus.welcome", "50")
    source = tmp_path / "klienti.csv"
    source.write_text("name,card\nAnna,5005\n", encoding="utf-8")
    loyalty("import", "members", source)
    assert loyalty.json("member", "show", "5005")["balance"] == 0
    source.write_text("name,card\nJānis,6006\n", encoding="utf-8")
    loyalty("import", "members", source, "--welcome")
    assert loyalty.json("member", "show", "6006")["balance"] == 50


def test_opening_points_and_spend_migrate_a_member_with_their_tier(loyalty, tmp_path):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:500:1.25")
    source = tmp_path / "klienti.csv"
    source.write_text("Name;Card;Enrolled;Points;Spend_12m\nAnna;5005;01.03.2019;1 200;612,40\n")
    loyalty("import", "members", source)
    member = loyalty.json("member", "show", "5005")
    assert (member["balance"], member["spend_12m"], member["tier"]) == (1200, "612.40", "Silver")
    assert member["enrolled_at"].startswith("2019-03-01")
    assert loyalty.json("verify")["ok"] is True


def test_a_row_with_bad_opening_points_enrols_nobody(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text("name,card,points\nAnna,5005,lots\n", encoding="utf-8")
    assert "not a whole number" in loyalty("import", "members", source, expect=1).stderr
    assert loyalty.json("member", "list") == []


def test_export_excel_writes_semicolons_bom_crlf_and_the_regions_decimal_comma(loyalty, tmp_path):
    card = enrolled(loyalty, "Anna Bērziņa")
    loyalty("purchase", card, "12.30", "--receipt", "K1")
    data = loyalty("export", "ledger", "--excel").stdout_bytes
    assert data.startswith("\ufeffid;at;date;time;card;kind;points;amount;".encode())
    assert b";12,30;" in data
    assert data.endswith(b"tester\r\n")


def test_export_excel_keeps_the_decimal_point_where_the_region_writes_one(loyalty):
    loyalty("program", "set", "region", "US")
    card = enrolled(loyalty, "Anna")
    loyalty("purchase", card, "12.30", "--receipt", "K1")
    assert ";12.30;" in loyalty("export", "ledger", "--excel").stdout


def test_a_quote_left_open_on_the_last_line_is_rejected(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text('name,phone\nAnna,29123456\n"Bob,29123457', encoding="utf-8")
    result = loyalty("import", "members", source, expect=1)
    assert "line 3: a quote opened on this line is not closed before the file ends" in result.stderr
    assert [m["name"] for m in loyalty.json("member", "list")] == ["Anna"]


def test_a_utf16_file_with_its_byte_order_mark_is_read(loyalty, tmp_path):
    source = tmp_path / "klienti.txt"  # what a spreadsheet saves as "Unicode text"
    source.write_bytes("name\tphone\r\nĀnna\t29123456\r\n".encode("utf-16"))
    assert loyalty.json("import", "members", source)["imported"] == 1
    assert loyalty.json("member", "show", "29123456")["name"] == "Ānna"


def test_a_dry_run_with_rejected_rows_exits_1_and_writes_nothing(loyalty, tmp_path):
    source = tmp_path / "klienti.csv"
    source.write_text("name,phone\nAnna,29123456\nBob,12\n", encoding="utf-8")
    before = loyalty.snapshot()
    result = loyalty("import", "members", source, "--dry-run", expect=1)
    assert result.stdout.startswith("2 rows: would import 1, skipped 0 already recorded, rejected 1")
    assert loyalty.snapshot() == before


def test_json_reports_imported_skipped_rejected_and_the_rejects_file(loyalty, tmp_path):
    loyalty.enroll("Anna", "--phone", "29123456")
    source = tmp_path / "klienti.csv"
    source.write_text("name,phone\nAnna,29123456\nBob,29123457\nCarl,12\n", encoding="utf-8")
    rejects = tmp_path / "bad.csv"
    result = loyalty.json("import", "members", source, "--rejects", rejects, expect=1)
    assert (result["imported"], result["skipped"], result["rejected"]) == (1, 1, 1)
    assert (result["rows"], result["rejects"], result["written"]) == (3, str(rejects), True)


def purchases_file(tmp_path, card, count: int):
    """A till's file of `count` purchases of the member with `card`."""
    source = tmp_path / f"kase-{count}.csv"
    rows = "".join(f"{card},1.00,R{index},2026-11-05\n" for index in range(count))
    source.write_text("card,amount,receipt,at\n" + rows, encoding="utf-8")
    return source


@pytest.mark.parametrize(
    ("lang", "count", "summary"),
    [
        ("lv", 1, "1 rinda: importētas 1, izlaistas 0 (jau ierakstītas), noraidītas 0"),
        ("lv", 2, "2 rindas: importētas 2, izlaistas 0 (jau ierakstītas), noraidītas 0"),
        ("lv", 11, "11 rindu: importētas 11, izlaistas 0 (jau ierakstītas), noraidītas 0"),
        ("lv", 21, "21 rinda: importētas 21, izlaistas 0 (jau ierakstītas), noraidītas 0"),
        ("ru", 1, "1 строка: импортировано 1, пропущено 0 (уже записаны), отклонено 0"),
        ("ru", 3, "3 строки: импортировано 3, пропущено 0 (уже записаны), отклонено 0"),
        ("ru", 5, "5 строк: импортировано 5, пропущено 0 (уже записаны), отклонено 0"),
        ("ru", 21, "21 строка: импортировано 21, пропущено 0 (уже записаны), отклонено 0"),
    ],
)
def test_import_summary_takes_the_plural_form_of_its_count(loyalty, tmp_path, lang, count, summary):
    source = purchases_file(tmp_path, enrolled(loyalty), count)
    assert loyalty("--lang", lang, "import", "purchases", source).stdout == summary + "\n"


def test_a_dry_run_in_russian_says_what_it_would_import(loyalty, tmp_path):
    source = purchases_file(tmp_path, enrolled(loyalty), 2)
    result = loyalty("--lang", "ru", "import", "purchases", source, "--dry-run")
    assert result.stdout.startswith("2 строки: было бы импортировано 2, пропущено 0")


@pytest.mark.parametrize(
    ("lang", "refusal"),
    [
        ("lv", "nav UTF-8 teksts (2. rinda); norādiet ar --encoding kodējumu"),
        ("ru", "— не текст в UTF-8 (строка 2); укажите через --encoding кодировку"),
    ],
)
def test_a_file_that_is_not_utf8_is_refused_in_the_operators_language(loyalty, tmp_path, lang, refusal):
    source = tmp_path / "klienti.csv"
    source.write_bytes("name;phone\nJānis;29123456\n".encode("cp1257"))
    before = loyalty.snapshot()
    result = loyalty("--lang", lang, "import", "members", source, expect=2)
    assert f"{source} {refusal}" in result.stderr
    assert "--encoding cp1257" in result.stderr
    assert "UTF-8 text" not in result.stderr
    assert loyalty.snapshot() == before


def test_rejected_rows_are_explained_in_latvian_and_the_rejects_file_keeps_its_columns(loyalty, tmp_path):
    card = enrolled(loyalty)
    source = tmp_path / "kase.csv"
    source.write_text(f"card,amount,receipt,at\n{card},10,K1,2026-11-05\n999,5,K2,\n", encoding="utf-8")
    rejects = tmp_path / "bad.csv"
    result = loyalty("--lang", "lv", "import", "purchases", source, "--rejects", rejects, expect=1)
    assert result.stdout == (
        "2 rindas: importētas 1, izlaistas 0 (jau ierakstītas), noraidītas 1; "
        f"noraidītās rindas ir failā {rejects}\n"
    )
    assert "3. rinda: nezināma karte '999'" in result.stderr
    assert rejects.read_text(encoding="utf-8").splitlines()[0] == "card,amount,receipt,at,line,reason"


def test_a_strict_import_in_russian_says_nothing_was_imported(loyalty, tmp_path):
    card = enrolled(loyalty)
    source = tmp_path / "kase.csv"
    source.write_text(f"card,amount,receipt,at\n{card},10,K1,2026-11-05\n{card},5,K1,\n", encoding="utf-8")
    result = loyalty("--lang", "ru", "import", "purchases", source, "--strict", expect=1)
    assert result.stdout.endswith("; ничего не импортировано (--strict)\n")
    assert "строка 3: чек K1 встречается в файле дважды" in result.stderr


def test_import_json_is_the_same_in_every_language(loyalty, tmp_path):
    card = enrolled(loyalty)
    documents = {
        lang: loyalty.json(
            "--lang", lang, "import", "purchases", purchases_file(tmp_path, card, 2), "--dry-run"
        )
        for lang in ("en", "lv", "ru")
    }
    assert documents["lv"] == documents["ru"] == documents["en"]
    assert documents["en"]["imported"] == 2
