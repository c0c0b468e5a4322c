"""What the terminal shows: no stored control characters, tables that fit, red errors, hints.

"On a terminal" is forced with TTY_COMPATIBLE=1 (rich's convention) and the width with
COLUMNS, so these tests run the same under CliRunner as in a real terminal.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import sys
import threading
import time

import pytest

from loyalty_cli import cli as entry_point
from loyalty_cli.storage.folder.lock import DirectoryLock

ESC = "\x1b"
ANSI = re.compile("\x1b\\[[0-9;]*m")
RED = "\x1b[31m"


@pytest.fixture
def terminal(monkeypatch):
    """Output to a terminal 60 columns wide (change COLUMNS to try another width)."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return monkeypatch


def plain(text: str) -> str:
    """Terminal output without its styling."""
    return ANSI.sub("", text)


def store_name(loyalty, card: str, name: str) -> None:
    """Write a name the way data stored before the input checks might hold it."""
    with loyalty.store().transaction() as shop:
        member = shop.members.require(card)
        member["name"] = name
        shop.members.put(member)


# Stored text is printed without control characters


def test_member_list_prints_a_stored_escape_sequence_without_its_controls(loyalty):
    card = loyalty.enroll("Anna")
    store_name(loyalty, card, "Anna\x1b[2J\u202eX")
    out = loyalty("member", "list").stdout
    assert "Anna[2JX" in out and ESC not in out and "\u202e" not in out


def test_member_show_prints_a_stored_escape_sequence_without_its_controls(loyalty):
    card = loyalty.enroll("Anna")
    store_name(loyalty, card, "Anna\x1b]0;owned\x07\x9b2J")
    out = loyalty("member", "show", card).stdout
    assert "Anna]0;owned2J" in out and ESC not in out and "\x07" not in out and "\x9b" not in out


def test_a_statement_prints_a_stored_escape_sequence_without_its_controls(loyalty):
    card = loyalty.enroll("Anna")
    store_name(loyalty, card, "Anna\x1b[2J")
    out = loyalty("statement", card).stdout
    assert "Anna[2J" in out and ESC not in out


def test_a_table_on_a_terminal_prints_stored_controls_stripped(loyalty, terminal):
    card = loyalty.enroll("Anna")
    store_name(loyalty, card, "Anna\x1b[2J")
    out = loyalty("member", "list").stdout
    assert "Anna[2J" in plain(out) and "\x1b[2J" not in out


def test_json_output_escapes_c1_and_bidi_controls_and_keeps_the_text(loyalty):
    card = loyalty.enroll("Anna")
    store_name(loyalty, card, "Anna\x9b2J\u202eX")
    out = loyalty("member", "show", card, "--json").stdout
    assert "\x9b" not in out and "\u202e" not in out
    assert json.loads(out)["name"] == "Anna\x9b2J\u202eX"


def test_csv_output_prints_stored_controls_stripped(loyalty):
    card = loyalty.enroll("Anna")
    store_name(loyalty, card, "Anna\x1b[2J")
    out = loyalty("member", "list", "--csv").stdout
    assert "Anna[2J" in out and ESC not in out


# Tables for people


def test_tables_on_a_terminal_right_align_numbers(sample, terminal):
    terminal.setenv("COLUMNS", "160")
    lines = plain(sample("member", "list").stdout).splitlines()
    header = next(line for line in lines if "Balance" in line)
    end = header.index("Balance") + len("Balance")
    rows = [line for line in lines if re.match(r"[│ ]*\d{12}", line)]
    assert rows and all(re.search(r"\d", row[end - 1]) for row in rows)


@pytest.mark.parametrize("lang", ["en", "lv", "ru"])
def test_money_columns_on_a_terminal_are_right_aligned_in_every_language(sample, terminal, lang):
    terminal.setenv("COLUMNS", "160")
    lines = plain(sample("--lang", lang, "report", "tiers").stdout).splitlines()
    rows = [line for line in lines if "€" in line]
    assert rows, lines
    ends = {len(line.rstrip(" │┃|")) for line in rows}
    assert len(ends) == 1, rows  # the amounts end in one column


def test_a_60_column_terminal_drops_the_email_column_of_member_list(sample, terminal):
    out = plain(sample("member", "list").stdout)
    assert "Email" not in out and "@" not in out
    assert all(len(line) <= 60 for line in out.splitlines())


def test_a_160_column_terminal_shows_every_column_of_member_list(sample, terminal):
    terminal.setenv("COLUMNS", "160")
    out = plain(sample("member", "list").stdout)
    for header in ("Card", "Name", "Phone", "Email", "Status", "Tier", "Balance"):
        assert header in out


def test_a_narrow_terminal_never_breaks_a_card_or_a_phone_number(sample, terminal):
    cards = {row["card"] for row in sample.json("member", "list")}
    phones = {row["phone"] for row in sample.json("member", "list") if row["phone"]}
    for width in ("60", "40"):
        terminal.setenv("COLUMNS", width)
        out = plain(sample("member", "list").stdout)
        assert {c for c in cards if c in out} == cards
        assert {p for p in phones if p in out} == phones


def test_a_narrow_terminal_keeps_a_report_on_60_columns(sample, terminal):
    for report in (["report", "tiers"], ["report", "expiring", "--within", "400"], ["report", "segments"]):
        out = plain(sample(*report).stdout)
        assert all(len(line) <= 60 for line in out.splitlines()), report


def test_a_narrow_terminal_never_drops_the_first_column(sample, terminal):
    assert "Bronze" in plain(sample("report", "tiers").stdout)


def test_an_empty_list_says_so_on_stderr(loyalty):
    result = loyalty("draw", "list")
    assert result.stdout == ""
    assert result.stderr == "Nothing to list.\n"


# Errors


def test_an_error_is_red_on_a_terminal(loyalty, terminal):
    stderr = loyalty("member", "show", "999", expect=1).stderr
    assert stderr.startswith(RED) and "Error: no member" in stderr


def test_a_usage_error_is_red_on_a_terminal(loyalty, terminal):
    stderr = loyalty("purchase", expect=2).stderr
    assert f"{RED}Error: Missing argument" in stderr
    assert "purchase [OPTIONS] MEMBER AMOUNT" in stderr


def test_an_error_is_not_red_with_no_color(loyalty, terminal):
    terminal.setenv("NO_COLOR", "1")
    assert loyalty("member", "show", "999", expect=1).stderr.startswith("Error: no member")


def test_an_error_is_not_red_when_not_on_a_terminal(loyalty):
    assert loyalty("member", "show", "999", expect=1).stderr.startswith("Error: no member")


def test_an_internal_error_exits_70_not_1(monkeypatch, capsys):
    from loyalty_cli.commands import root

    def broken(**_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(root.cli, "main", broken)
    monkeypatch.setattr(sys, "argv", ["loyalty", "verify"])
    monkeypatch.delenv("LOYALTY_DEBUG", raising=False)
    with pytest.raises(SystemExit) as done:
        entry_point.main()
    assert done.value.code == 70
    assert "internal error (RuntimeError: a bug)" in capsys.readouterr().err


def test_help_names_exit_code_70(empty_loyalty):
    assert "70 internal error" in empty_loyalty("--help").stdout


# Messages


def test_a_negative_amount_says_that_amounts_are_positive(loyalty):
    card = loyalty.enroll("Anna")
    before = loyalty.snapshot()
    assert "amounts are positive" in loyalty("purchase", card, "-5", expect=2).stderr
    assert "amounts are positive" in loyalty("purchase", card, "-12,30", expect=2).stderr
    assert loyalty.snapshot() == before


def test_a_negative_refund_amount_says_that_amounts_are_positive(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "10", "--receipt", "K1")
    assert "amounts are positive" in loyalty("refund", "K1", "--amount", "-5", expect=2).stderr


def test_a_mistyped_command_gets_a_did_you_mean(loyalty):
    stderr = loyalty("purchse", "1", "2", expect=2).stderr
    assert "No such command 'purchse'. Did you mean 'purchase'?" in stderr


def test_a_mistyped_subcommand_gets_a_did_you_mean(loyalty):
    stderr = loyalty("member", "shwo", "1", expect=2).stderr
    assert "No such command 'shwo'. Did you mean 'show'?" in stderr


def test_a_command_with_no_close_match_gets_no_suggestion(loyalty):
    stderr = loyalty("xyzzy", expect=2).stderr
    assert "No such command 'xyzzy'." in stderr and "Did you mean" not in stderr


def test_enrol_is_an_alias_of_enroll(loyalty):
    card = loyalty("enrol", "Anna Bērziņa").stdout.strip()
    assert loyalty.json("member", "show", card)["name"] == "Anna Bērziņa"


def test_enrol_is_not_listed_in_help(empty_loyalty):
    assert not re.search(r"^\s+enrol\s", empty_loyalty("--help").stdout, re.MULTILINE)


# Waiting for the lock


def test_a_command_waiting_for_the_lock_says_so_on_stderr(loyalty):
    card = loyalty.enroll("Anna")
    if loyalty.on_postgres:  # another till's transaction holds the meta row for a second
        import psycopg2

        other = psycopg2.connect(loyalty.database)
        other.cursor().execute("SELECT 1 FROM meta WHERE id = 1 FOR UPDATE")
        release = other.close
    else:
        fd = os.open(loyalty.data_dir / ".lock", os.O_RDWR)
        fcntl.flock(fd, fcntl.LOCK_EX)
        release = functools.partial(os.close, fd)
    threading.Timer(1.0, release).start()
    result = loyalty("purchase", card, "10")
    assert result.stderr == "Waiting for another loyalty process...\n"


def test_a_command_that_gets_the_lock_at_once_says_nothing_about_waiting(loyalty):
    card = loyalty.enroll("Anna")
    assert loyalty("purchase", card, "10").stderr == ""


def test_the_lock_calls_its_waiting_callback_once_after_half_a_second(tmp_path):
    calls = []
    fd = os.open(tmp_path / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    threading.Timer(1.2, os.close, [fd]).start()
    started = time.monotonic()
    with DirectoryLock(tmp_path, 5, lambda: calls.append(time.monotonic() - started)):
        pass
    assert len(calls) == 1 and 0.5 <= calls[0] < 1.2


def test_a_statement_on_a_60_column_terminal_fits_and_keeps_card_and_phone_whole(loyalty, terminal):
    card = loyalty.enroll("Anna Bērziņa-Kalniņa", "--phone", "29123456")
    loyalty("purchase", card, "12,30", "--receipt", "K1-004512")
    out = loyalty("statement", card).stdout
    assert all(len(line) <= 60 for line in out.splitlines())
    assert f"card {card[:4]} {card[4:8]} {card[8:]}" in out and "+371 ****3456" in out


def test_a_statement_printed_when_not_on_a_terminal_keeps_its_100_column_layout(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "12,30", "--receipt", "K1-004512")
    assert "K1-004512" in loyalty("statement", card).stdout


def test_a_json_statement_escapes_a_stored_bidi_override_and_keeps_the_text(loyalty):
    card = loyalty.enroll("Anna")
    store_name(loyalty, card, "Anna\u202eX")
    out = loyalty("statement", card, "--format", "json").stdout
    assert "\u202e" not in out and json.loads(out)["name"] == "Anna\u202eX"


def test_draw_show_on_a_60_column_terminal_folds_long_values_under_themselves(loyalty, terminal):
    card = loyalty.enroll("Anna", "--at", "2026-10-01")
    loyalty("purchase", card, "10", "--at", "2026-10-05T10:00")
    loyalty("draw", "run", "cake", "--month", "2026-10", "--prize", "Cake")
    lines = loyalty("draw", "show", "cake").stdout.splitlines()
    assert all(len(line) <= 60 for line in lines)
    seed = lines.index(next(line for line in lines if line.startswith("Seed:")))
    assert lines[seed + 1].startswith(" " * 18)


def test_a_statement_with_large_figures_on_a_60_column_terminal_still_fits(loyalty, terminal):
    card = loyalty.enroll("Anna Bērziņa", "--phone", "29123456")
    loyalty("purchase", card, "1250", "--receipt", "K1-004512")
    loyalty("adjust", card, "50", "--reason", "sorry for the long wait at the till")
    out = loyalty("statement", card).stdout
    assert all(len(line) <= 60 for line in out.splitlines()), out
    assert "€1,250.00" in out and "+1,250" in out


def test_member_show_on_a_narrow_terminal_keeps_each_lot_month_with_its_points(loyalty, terminal):
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    for month, amount in enumerate([5, 123, 7, 1000, 12, 3, 250, 9, 40, 1, 600], start=1):
        loyalty("purchase", card, amount, "--at", f"2026-{month:02d}-05T10:00")
    lines = plain(loyalty("member", "show", card).stdout).splitlines()
    assert all(len(line) <= 60 for line in lines)
    assert not any(line.rstrip().endswith(tuple(f"2027-{m:02d}:" for m in range(1, 13))) for line in lines)
