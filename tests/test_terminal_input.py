"""Free text that could drive a terminal is refused on the way in (exit 2, naming the field)."""

from __future__ import annotations

import pytest

from loyalty_cli import text_fields

ESC = "\x1b[2J"  # clears the screen
CSI = "\x9b2J"  # the same, as one C1 control
RLO = "\u202e"  # right-to-left override: shows the text after it reversed


@pytest.fixture
def anna(loyalty) -> str:
    card = loyalty.enroll("Anna", "--phone", "29123456")
    loyalty("purchase", card, "50", "--receipt", "K1")
    return card


def refused(loyalty, *args: str) -> str:
    """Run a command that must be refused with exit 2 and write nothing; its stderr."""
    before = loyalty.snapshot()
    result = loyalty(*args, expect=2)
    assert loyalty.snapshot() == before
    return result.stderr


def test_a_name_with_a_c1_control_is_refused(loyalty):
    assert "the name must not contain control characters" in refused(loyalty, "enroll", f"Anna{CSI}")


def test_a_name_with_a_bidi_override_is_refused(loyalty):
    assert "the name must not contain control characters" in refused(loyalty, "enroll", f"Anna {RLO}ansI")


def test_an_email_with_an_escape_sequence_is_refused(loyalty):
    stderr = refused(loyalty, "enroll", "Anna", "--email", f"anna{ESC}@example.lv")
    assert "the e-mail must not contain control characters" in stderr


def test_an_edited_email_with_an_escape_sequence_is_refused(loyalty, anna):
    stderr = refused(loyalty, "member", "edit", anna, "--email", f"a{ESC}@example.lv")
    assert "the e-mail must not contain control characters" in stderr


def test_a_receipt_with_a_control_character_is_refused(loyalty, anna):
    assert "the receipt must not contain" in refused(loyalty, "purchase", anna, "5", "--receipt", f"K{CSI}")


def test_a_store_with_an_escape_sequence_is_refused(loyalty, anna):
    assert "the store must not contain" in refused(loyalty, "purchase", anna, "5", "--store", f"Riga{ESC}")


def test_a_redemption_reason_with_a_bidi_override_is_refused(loyalty, anna):
    assert "the reason must not contain" in refused(loyalty, "redeem", anna, "5", "--reason", f"{RLO}eeffoc")


def test_an_adjustment_reason_with_an_escape_sequence_is_refused(loyalty, anna):
    assert "the reason must not contain" in refused(loyalty, "adjust", anna, "5", "--reason", f"ok{ESC}")


def test_a_refund_reason_with_an_escape_sequence_is_refused(loyalty, anna):
    assert "the reason must not contain" in refused(loyalty, "refund", "K1", "--reason", f"stale{ESC}")


def test_a_refund_reason_longer_than_200_characters_is_refused(loyalty, anna):
    assert "at most 200 characters" in refused(loyalty, "refund", "K1", "--reason", "x" * 201)


def test_a_block_reason_with_an_escape_sequence_is_refused(loyalty, anna):
    assert "the reason must not contain" in refused(loyalty, "member", "block", anna, "--reason", f"x{ESC}")


def test_a_block_reason_longer_than_200_characters_is_refused(loyalty, anna):
    assert "at most 200 characters" in refused(loyalty, "member", "block", anna, "--reason", "x" * 201)


def test_an_operator_with_an_escape_sequence_is_refused(loyalty, anna):
    from loyalty_cli.cli import cli

    before = loyalty.snapshot()
    result = loyalty.runner.invoke(
        cli,
        ["--data-dir", str(loyalty.data_dir), "--operator", f"till{ESC}", "purchase", anna, "5"],
        env={"LOYALTY_NOW": loyalty.now},
    )
    assert result.exit_code == 2
    assert "the operator must not contain control characters" in result.stderr
    assert loyalty.snapshot() == before


def test_a_prize_with_an_escape_sequence_is_refused(loyalty, anna):
    stderr = refused(loyalty, "draw", "run", "cake", "--month", "2026-10", "--prize", f"Cake{ESC}")
    assert "the prize must not contain control characters" in stderr


def test_a_draw_name_with_an_escape_sequence_is_refused(loyalty, anna):
    stderr = refused(loyalty, "draw", "commit", f"cake{ESC}", "--month", "2026-12", "--prize", "Cake")
    assert "the draw name must not contain control characters" in stderr


def test_a_tier_name_with_an_escape_sequence_is_refused(loyalty):
    stderr = refused(loyalty, "program", "set", "tiers", f"Bronze:0:1,Gold{ESC}:500:2")
    assert "the tier name must not contain control characters" in stderr


def test_a_shop_name_with_a_c1_control_is_refused(loyalty):
    assert "must not contain control characters" in refused(loyalty, "program", "set", "name", f"Shop{CSI}")


def test_an_imported_purchase_with_a_control_character_in_its_receipt_is_rejected(loyalty, anna, tmp_path):
    rows = tmp_path / "till.csv"
    rows.write_text(f"card,amount,receipt,at\n{anna},10,R{ESC},\n{anna},10,R2,\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    loyalty("import", "purchases", rows, "--rejects", rejects, expect=None)
    assert "the receipt must not contain control characters" in rejects.read_text(encoding="utf-8")


def test_tabs_and_line_breaks_in_a_reason_become_single_spaces(loyalty, anna):
    done = loyalty.json("adjust", anna, "5", "--reason", "late\tdelivery\nagain")
    assert done["reason"] == "late delivery again"


def test_clean_names_the_code_point_it_refuses():
    with pytest.raises(text_fields.InvalidInput, match="U\\+009B"):
        text_fields.clean(f"x{CSI}", "reason")
