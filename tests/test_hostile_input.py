"""Inputs the fuzz test found: each is a usage error (exit 2) that writes nothing."""

from __future__ import annotations


def test_a_date_outside_1900_to_2999_is_a_usage_error(loyalty):
    card = loyalty.enroll()
    assert "out of range" in loyalty("member", "show", card, "--as-of", "0999-01-01", expect=2).stderr
    loyalty("purchase", card, "5", "--at", "1899-12-31T10:00", expect=2)


def test_an_argument_that_is_not_utf8_is_a_usage_error(loyalty):
    card = loyalty.enroll()
    before = loyalty.snapshot()
    result = loyalty("adjust", card, "5", "--reason", "caf\udce9", expect=2)
    assert "not UTF-8 text" in result.stderr
    assert loyalty.snapshot() == before


def test_rejects_into_a_missing_folder_is_refused_before_importing(loyalty, tmp_path):
    card = loyalty.enroll()
    rows = tmp_path / "till.csv"
    rows.write_text(f"card,amount,receipt,at\n{card},10,R1,\nnobody,5,R2,\n")
    before = loyalty.snapshot()
    result = loyalty("import", "purchases", rows, "--rejects", tmp_path / "no" / "bad.csv", expect=2)
    assert "is not a folder you can write to" in result.stderr
    assert loyalty.snapshot() == before


def test_backup_into_a_missing_folder_is_a_usage_error(loyalty, tmp_path):
    result = loyalty("backup", "--output", tmp_path / "no" / "b.tar.gz", expect=2)
    assert "is not a folder you can write to" in result.stderr
