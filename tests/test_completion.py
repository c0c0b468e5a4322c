"""Tab completion: the scripts for bash, zsh and fish, and what `loyalty` answers a Tab with.

Answers are asked the way the scripts ask them (Click's protocol): `_LOYALTY_COMPLETE`
names the shell, COMP_WORDS holds the words typed and COMP_CWORD the one being completed
(its index; for fish, the word itself).
"""

from __future__ import annotations

import ast
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from loyalty_cli.cli import cli

LOYALTY = Path(sys.executable).with_name("loyalty")


def tab(loyalty, *words: str, shell: str = "bash") -> list[tuple[str, str]]:
    """What a Tab after `loyalty WORDS` offers: (value, description) pairs; the last word
    is the one being completed (empty: a Tab after a space)."""
    typed = ["loyalty", *(loyalty.where() if loyalty else []), *words]
    env = {
        "_LOYALTY_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": " ".join(typed),
        "COMP_CWORD": words[-1] if shell == "fish" else str(len(typed) - 1),
    }
    result = CliRunner().invoke(cli, [], env=env, prog_name="loyalty")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line]  # nothing: one empty line
    if shell == "zsh":  # type, value, description ("_": none), a line each
        return [(lines[i + 1], lines[i + 2]) for i in range(0, len(lines), 3)]
    if shell == "fish":  # type,value<TAB>description
        return [tuple((line.split(",", 1)[1] + "\t").split("\t")[:2]) for line in lines]
    return [(line.split(",", 1)[1], "") for line in lines]  # type,value


def values(pairs) -> list[str]:
    return [value for value, _help in pairs]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script_of_each_shell(shell):
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0
    assert "_LOYALTY_COMPLETE=" + ("zsh" if shell == "zsh" else shell) + "_complete" in result.stdout
    assert "_loyalty_completion" in result.stdout


@pytest.mark.parametrize("shell, check", [("bash", ["-n"]), ("zsh", ["-n"]), ("fish", ["--no-execute"])])
def test_each_shell_accepts_its_script(shell, check, tmp_path):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    script = tmp_path / f"loyalty.{shell}"
    script.write_text(CliRunner().invoke(cli, ["completion", shell]).stdout)
    subprocess.run([shell, *check, str(script)], check=True)


def test_an_unknown_shell_is_a_usage_error():
    result = CliRunner().invoke(cli, ["completion", "powershell"])
    assert result.exit_code == 2


def test_a_command_completes_from_its_first_letters():
    assert values(tab(None, "pur")) == ["purchase"]
    assert values(tab(None, "re")) == ["redeem", "refund", "report", "restore", "reward"]
    assert values(tab(None, "member", "sh")) == ["show"]


def test_zsh_and_fish_show_what_each_command_does():
    assert tab(None, "pur", shell="zsh") == [("purchase", "Record a purchase of AMOUNT, the receipt...")]
    assert tab(None, "card", "pr", shell="fish") == [("print", "Print member cards: a PDF of...")]


def test_options_complete_after_a_dash():
    assert {"--receipt", "--pay-points", "--json"} <= set(values(tab(None, "purchase", "--")))
    assert values(tab(None, "card", "print", "--new")) == ["--new-since"]


def test_a_bash_tab_loads_no_command_module():
    # The names come from the table in loyalty_cli/cli.py; bash shows no descriptions.
    code = (
        "import sys\n"
        "from loyalty_cli.commands.root import cli\n"
        "try:\n"
        "    cli.main(prog_name='loyalty')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('loyalty_cli.commands.')))\n"
    )
    env = {**os.environ, "_LOYALTY_COMPLETE": "bash_complete", "COMP_WORDS": "loyalty ", "COMP_CWORD": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tempfile.gettempdir(),  # outside the checkout: the installed package is imported
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "plain,purchase" in done.stdout
    loaded = ast.literal_eval(done.stdout.splitlines()[-1])
    from loyalty_cli.cli import COMMANDS

    commands = {f"loyalty_cli.commands.{target.split(':')[0]}" for target in COMMANDS.values()}
    assert "loyalty_cli.commands.completion" in loaded  # what answered
    assert set(loaded) & (commands - {"loyalty_cli.commands.completion"}) == set()


def test_program_set_completes_the_settings_and_their_values():
    assert values(tab(None, "program", "set", "earn.m")) == ["earn.min_purchase", "earn.mode"]
    assert tab(None, "program", "set", "bonus.b", shell="zsh") == [
        ("bonus.birthday", "points on the member's birthday")
    ]
    assert values(tab(None, "program", "set", "language", "")) == ["en", "lv", "ru"]
    assert values(tab(None, "program", "set", "earn.mode", "c")) == ["cashback"]
    assert "Europe/Riga" in values(tab(None, "program", "set", "timezone", "Europe/R"))
    assert values(tab(None, "program", "set", "earn.rate", "")) == []


def test_a_setting_is_described_in_the_operators_language(monkeypatch):
    monkeypatch.setenv("LOYALTY_LANG", "lv")
    assert tab(None, "program", "set", "bonus.b", shell="zsh") == [
        ("bonus.birthday", "punkti dalībnieka dzimšanas dienā")
    ]


def test_a_member_completes_from_the_start_of_the_card(loyalty):
    anna = loyalty.enroll("Anna Bērziņa", "--card", "123400000001")
    ivars = loyalty.enroll("Ivars Ozols", "--card", "123499990002")
    loyalty.enroll("Other One", "--card", "555500000003")
    assert values(tab(loyalty, "purchase", "1234")) == [anna, ivars]
    assert values(tab(loyalty, "member", "show", "1234-9")) == [ivars]  # dashes as people write them
    assert tab(loyalty, "statement", "12340", shell="zsh") == [(anna, "Anna Bērziņa")]


def test_a_member_completes_from_the_start_of_a_name_without_diacritics(loyalty):
    anna = loyalty.enroll("Anna Bērziņa")
    berzins = loyalty.enroll("Jānis Bērziņš")
    loyalty.enroll("Ivars Ozols")
    assert tab(loyalty, "redeem", "berz", shell="zsh") == [(anna, "Anna Bērziņa"), (berzins, "Jānis Bērziņš")]
    assert tab(loyalty, "card", "print", "BĒRZ", shell="fish") == [
        (anna, "Anna Bērziņa"),
        (berzins, "Jānis Bērziņš"),
    ]
    assert values(tab(loyalty, "member", "show", "jan")) == [berzins]  # bash: one name, its card
    assert values(tab(loyalty, "member", "show", "berz")) == []  # bash: two would lose what was typed


def test_a_closed_member_is_not_offered(loyalty):
    card = loyalty.enroll("Anna Bērziņa")
    loyalty("member", "close", card)
    assert tab(loyalty, "purchase", "anna", shell="zsh") == []


def test_a_tab_writes_nothing_and_needs_no_shop(loyalty, tmp_path):
    loyalty.enroll("Anna Bērziņa")
    before = loyalty.snapshot()
    assert len(tab(loyalty, "purchase", "")) == 1
    assert loyalty.snapshot() == before
    nowhere = tmp_path / "no-shop"
    env = {"_LOYALTY_COMPLETE": "bash_complete", "COMP_CWORD": "4"}
    env["COMP_WORDS"] = f"loyalty --data-dir {nowhere} purchase a"
    result = CliRunner().invoke(cli, [], env=env, prog_name="loyalty")
    assert (result.exit_code, result.output.strip()) == (0, "")
    assert not nowhere.exists()


@pytest.mark.skipif(not LOYALTY.exists(), reason="needs the installed loyalty command")
def test_bash_completes_a_member_through_the_script(loyalty, tmp_path):
    card = loyalty.enroll("Anna Bērziņa")
    script = tmp_path / "loyalty.bash"
    script.write_text(CliRunner().invoke(cli, ["completion", "bash"]).stdout)
    words = " ".join(shlex.quote(word) for word in ["loyalty", *loyalty.where(), "member", "show", "ann"])
    run = (
        f"source {script}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); "
        '_loyalty_completion loyalty; echo "${COMPREPLY[@]}"'
    )
    env = {**os.environ, "PATH": f"{LOYALTY.parent}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", run], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == [card]


def test_a_database_that_cannot_be_reached_completes_nothing():
    env = {"_LOYALTY_COMPLETE": "bash_complete", "COMP_CWORD": "4"}
    env["COMP_WORDS"] = "loyalty --database postgresql://nobody@127.0.0.1:1/loyalty purchase a"
    result = CliRunner().invoke(cli, [], env=env, prog_name="loyalty")
    assert (result.exit_code, result.output.strip()) == (0, "")


def test_the_cards_of_a_merge_a_replacement_and_a_referrer_complete_too(loyalty):
    anna = loyalty.enroll("Anna Bērziņa", "--card", "123400000001")
    assert values(tab(loyalty, "member", "merge", "1234")) == [anna]
    assert values(tab(loyalty, "member", "merge", anna, "1234")) == [anna]
    assert values(tab(loyalty, "member", "replace-card", "1234")) == [anna]
    assert values(tab(loyalty, "enroll", "Ivars", "--referred-by", "1234")) == [anna]


def test_zsh_and_fish_describe_commands_and_options_in_the_operators_language(monkeypatch):
    monkeypatch.setenv("LOYALTY_LANG", "ru")
    assert tab(None, "card", "pr", shell="zsh")[0][1].startswith("Напечатать карты участников")
    assert tab(None, "card", "print", "--new", shell="fish") == [
        ("--new-since", "Все активные участники, зарегистрированные в этот день или позже.")
    ]


def test_nps_record_completes_its_member(loyalty):
    anna = loyalty.enroll("Anna Bērziņa", "--card", "123400000001")
    assert values(tab(loyalty, "nps", "record", "1234")) == [anna]
    assert tab(loyalty, "nps", "record", "berz", shell="zsh") == [(anna, "Anna Bērziņa")]
    assert values(tab(loyalty, "nps", "record", anna, "")) == []  # the score is not a member


def test_mail_offer_completes_the_tiers_of_the_programme_in_any_case(loyalty):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:500:1.25,Gold:1000:1.5")
    assert values(tab(loyalty, "mail", "offer", "--tier", "")) == ["Bronze", "Silver", "Gold"]
    assert values(tab(loyalty, "mail", "offer", "--tier", "g")) == ["Gold"]
    assert tab(loyalty, "mail", "offer", "--tier", "SIL", shell="zsh") == [
        ("Silver", "12-month spend from €500.00")
    ]


def test_a_programme_without_tiers_or_a_missing_shop_completes_no_tier(loyalty, tmp_path):
    assert values(tab(loyalty, "mail", "offer", "--tier", "")) == []
    env = {"_LOYALTY_COMPLETE": "bash_complete", "COMP_CWORD": "6"}
    env["COMP_WORDS"] = f"loyalty --data-dir {tmp_path / 'no-shop'} mail offer --tier G"
    result = CliRunner().invoke(cli, [], env=env, prog_name="loyalty")
    assert (result.exit_code, result.output.strip()) == (0, "")


def test_a_tier_is_described_in_the_operators_language(loyalty, monkeypatch):
    loyalty("program", "set", "tiers", "Bronze:0:1,Gold:1000:1.5")
    monkeypatch.setenv("LOYALTY_LANG", "lv")
    assert tab(loyalty, "mail", "offer", "--tier", "G", shell="zsh") == [
        ("Gold", "pirkumu summa (12 mēnešos) no 1\u00a0000,00\u00a0€")
    ]
