"""Click's texts that Click fills in itself (a number's kind, "[required]") in the operator's language."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from loyalty_cli import language
from loyalty_cli.cli import cli

UNSET = dict.fromkeys(language.ENVIRONMENT)


@pytest.fixture(autouse=True)
def english_afterwards():
    """The active language is process-wide: leave it English for the tests that follow."""
    yield
    language.use(language.ENGLISH)


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env=UNSET, catch_exceptions=False, prog_name="loyalty")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "'abc' is not a whole number."),
        ("lv", "'abc' nav vesels skaitlis."),
        ("ru", "'abc' — не целое число."),
    ],
)
def test_a_count_that_is_not_a_whole_number_is_told_in_a_whole_sentence(tmp_path, code, expected):
    result = run(
        "--data-dir",
        str(tmp_path),
        "--lang",
        code,
        "draw",
        "run",
        "autumn",
        "--month",
        "2026-10",
        "--winners",
        "abc",
    )
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "integer" not in result.stderr


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "'soon' is not a number."),
        ("lv", "'soon' nav skaitlis."),
        ("ru", "'soon' — не число."),
    ],
)
def test_a_wait_that_is_not_a_number_is_told_in_the_operators_language(tmp_path, code, expected):
    result = run("--data-dir", str(tmp_path), "--lang", code, "--wait", "soon", "verify")
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "float" not in result.stderr


@pytest.mark.parametrize(
    ("code", "expected"), [("en", "[required]"), ("lv", "[obligāta]"), ("ru", "[обязательный]")]
)
def test_a_required_option_is_marked_required_in_the_operators_language(code, expected):
    result = run("--lang", code, "draw", "schedule", "--help")
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if "--every" in line and "[month]" in line)
    assert line.rstrip().endswith(expected)
