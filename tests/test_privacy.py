"""Personal data: `member erase`, `member export`, and private files."""

from __future__ import annotations

import gc
import json
import os
import stat

import pytest
from conftest import DATABASE_URL, Loyalty, database_of_its_own, snapshot
from inspection import files_holding, has_command

NAME, PHONE, EMAIL, BIRTHDAY = "Anna Bērziņa", "29123456", "anna.berzina@example.com", "1990-04-17"
PERSONAL = (NAME, "+371" + PHONE, EMAIL, BIRTHDAY)


@pytest.fixture
def anna(loyalty) -> str:
    """Anna, with history, a changed phone and many commits (so many backup copies)."""
    return enroll_anna(loyalty)


def enroll_anna(loyalty: Loyalty) -> str:
    card = loyalty.enroll(
        NAME, "--phone", "29000000", "--email", EMAIL, "--birthday", BIRTHDAY, "--at", "2026-01-01"
    )
    loyalty("member", "edit", card, "--phone", PHONE)
    loyalty.enroll("Jānis Ozols", "--phone", "29999999")
    loyalty("purchase", card, "25", "--receipt", "R1", "--at", "2026-09-10")
    loyalty("purchase", card, "10", "--receipt", "R2")
    loyalty("redeem", card, "5", "--receipt", "R3")
    return card


def outputs_about(loyalty: Loyalty, card: str) -> dict[str, str]:
    """Everything the tool prints about the member or the shop (commands that exist here)."""
    runs = [
        (("member", "show"), (card, "--json")),
        (("member", "list"), ("--json",)),
        (("member", "export"), (card,)),
        (("verify",), ()),
        (("statement",), (card, "--format", "json")),
        (("report", "summary"), ("--json",)),
        (("export", "members"), ("--json",)),
        (("export", "ledger"), ("--json",)),
    ]
    return {
        " ".join(words): loyalty(*words, *args).stdout for words, args in runs if has_command(loyalty, *words)
    }


@pytest.mark.folder_only
def test_erase_removes_personal_data_from_every_file_and_output(loyalty, anna, tmp_path):
    loyalty("backup", "-o", tmp_path / "elsewhere.tar.gz")
    loyalty("restore", tmp_path / "elsewhere.tar.gz", "--yes")  # leaves an archive in backups/
    loyalty("member", "edit", anna, "--phone", "29000001")
    loyalty("member", "edit", anna, "--phone", PHONE)
    holding = files_holding(loyalty.data_dir, NAME, "29000000", "29000001", EMAIL)
    assert len([name for name in holding if name.startswith("backups/loyalty-")]) == 2
    assert len([name for name in holding if name.startswith("backups/before-restore-")]) > 1
    loyalty("member", "erase", anna, "--yes")
    assert files_holding(loyalty.data_dir, *PERSONAL, "29000000", "29000001") == []
    for what, text in outputs_about(loyalty, anna).items():
        assert not any(value in text for value in PERSONAL), what


def test_erase_removes_personal_data_from_every_output(loyalty, anna):
    loyalty("member", "erase", anna, "--yes")
    for what, text in outputs_about(loyalty, anna).items():
        assert not any(value in text for value in PERSONAL), what


@pytest.mark.skipif(not DATABASE_URL, reason="LOYALTY_TEST_DATABASE_URL is not set")
def test_erase_on_postgresql_leaves_no_row_version_holding_the_old_document(tmp_path):
    import psycopg2

    with database_of_its_own() as url:
        loyalty = Loyalty(tmp_path / "shop", database=url)
        loyalty("init", "--name", "Test shop")
        anna = enroll_anna(loyalty)
        held = _row_versions_holding_the_name(loyalty, anna, psycopg2)
    assert held == []


def _row_versions_holding_the_name(loyalty: Loyalty, anna: str, psycopg2) -> list[int]:
    conn = psycopg2.connect(loyalty.database)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            try:
                cur.execute("CREATE SCHEMA IF NOT EXISTS page_inspection")
                cur.execute("CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA page_inspection")
            except psycopg2.Error:
                pytest.skip("the pageinspect extension is not installed")
            cur.execute("ALTER TABLE members SET (autovacuum_enabled = false)")
            # The commands above ran in this process: snapshots they left open (a process of
            # its own ends them as it exits) would keep the old row versions from VACUUM.
            gc.collect()
            loyalty("member", "erase", anna, "--yes")
            cur.execute(
                "SELECT current_schema(), pg_relation_size('members') / current_setting('block_size')::int"
            )
            schema, pages = cur.fetchone()
            held = []
            for page in range(pages):
                cur.execute(
                    "SELECT lp, t_data FROM page_inspection.heap_page_items("
                    "page_inspection.get_raw_page(%s, %s))",
                    (f"{schema}.members", page),
                )
                held += [lp for lp, data in cur.fetchall() if data and NAME.encode() in bytes(data)]
    finally:
        conn.close()
    return held


def test_erase_keeps_the_ledger_under_the_card_number(loyalty, anna):
    before = loyalty.json("member", "show", anna)
    loyalty("member", "erase", anna, "--yes")
    after = loyalty.json("member", "show", anna)
    assert after["balance"] == before["balance"] == 30
    assert (after["name"], after["phone"], after["email"], after["birthday"]) == (None,) * 4
    assert after["status"] == "closed"
    loyalty("verify")


def test_erase_is_recorded_as_a_ledger_entry(loyalty, anna):
    loyalty("member", "erase", anna, "--yes")
    last = list(loyalty.store().read().ledger.entries(anna))[-1]
    assert (last.kind, last.points, last.reason) == ("adjust", 0, "personal data erased")


def test_erase_without_yes_is_refused_and_writes_nothing(loyalty, anna):
    before = loyalty.snapshot()
    assert "--yes" in loyalty("member", "erase", anna, expect=1).stderr
    assert loyalty.snapshot() == before


def test_erase_twice_records_one_entry(loyalty, anna):
    loyalty("member", "erase", anna, "--yes")
    entries = len(list(loyalty.store().read().ledger.entries()))
    assert loyalty.json("member", "erase", anna, "--yes")["already_erased"] is True
    assert len(list(loyalty.store().read().ledger.entries())) == entries


def test_erasing_again_says_when_in_shop_time(loyalty, anna):
    loyalty("member", "erase", anna, "--yes")
    again = loyalty("member", "erase", anna, "--yes").stdout
    assert f"Member {anna} was already erased (2026-11-22 14:00)" in again


def test_erased_member_cannot_earn(loyalty, anna):
    loyalty("member", "erase", anna, "--yes")
    loyalty("purchase", anna, "10", expect=1)


def test_erased_member_stays_erased_after_restoring_an_older_backup(loyalty, anna, tmp_path):
    loyalty("backup", "-o", tmp_path / "before.tar.gz")
    loyalty("member", "erase", anna, "--yes")
    result = loyalty.json("restore", tmp_path / "before.tar.gz", "--yes")
    assert result["erased_again"] == [anna]
    assert files_holding(loyalty.data_dir, *PERSONAL) == []
    loyalty("verify")


def test_export_holds_the_member_and_every_entry_of_their_card(loyalty, anna):
    exported = json.loads(loyalty("member", "export", PHONE).stdout)
    assert exported["member"]["name"] == NAME
    assert exported["member"]["email"] == EMAIL
    assert [e["receipt"] for e in exported["entries"]] == ["R1", "R2", "R3"]
    assert exported["member"]["points"]["balance"] == 30


def test_export_of_an_unknown_member_is_refused(loyalty):
    loyalty("member", "export", "999999999999", expect=1)


def test_data_files_are_private_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        loyalty = Loyalty(tmp_path / "shop")
        loyalty("init")
        card = loyalty.enroll()
        loyalty("purchase", card, "10")
        loyalty("backup", "-o", tmp_path / "b.tar.gz")
        loyalty("restore", tmp_path / "b.tar.gz", "--yes")
    finally:
        os.umask(old)
    for path in [loyalty.data_dir, *loyalty.data_dir.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


@pytest.mark.folder_only
def test_erase_refuses_a_backups_folder_that_is_a_link_and_changes_nothing(loyalty, anna, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (loyalty.data_dir / "backups").rename(elsewhere)
    (loyalty.data_dir / "backups").symlink_to(elsewhere)
    before, copies = loyalty.snapshot(), snapshot(elsewhere)
    result = loyalty("member", "erase", anna, "--yes", expect=3)
    assert "is a symbolic link" in result.stderr and result.stderr.count("\n") == 1
    assert loyalty.snapshot() == before and snapshot(elsewhere) == copies


def test_init_tightens_an_existing_data_directory_to_its_owner(tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    folder.chmod(0o777)
    Loyalty(folder)("init")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_init_refuses_a_data_directory_of_another_user_and_writes_nothing(tmp_path, monkeypatch):
    folder = tmp_path / "shop"
    folder.mkdir()
    monkeypatch.setattr(os, "getuid", lambda: folder.stat().st_uid + 1)
    result = Loyalty(folder)("init", expect=1)
    assert "belongs to another user" in result.stderr
    assert list(folder.iterdir()) == []


@pytest.fixture
def referral(loyalty) -> tuple[str, str]:
    """Anna referred Jānis, whose first purchase gave her a referral bonus."""
    loyalty("program", "set", "bonus.referral", "10")
    anna = loyalty.enroll(NAME, "--phone", PHONE)
    janis = loyalty.enroll("Jānis Ozols", "--phone", "29999999", "--referred-by", anna)
    loyalty("purchase", janis, "10", "--receipt", "R1")
    return anna, janis


def test_export_of_a_referrer_counts_the_referred_without_their_cards(loyalty, referral):
    anna, janis = referral
    output = loyalty("member", "export", anna).stdout
    exported = json.loads(output)
    assert janis not in output
    assert exported["referred"] == 1
    assert any(e["reason"] == "referral of another member" for e in exported["entries"])


def test_export_of_a_referred_member_does_not_name_the_referrers_card(loyalty, referral):
    anna, janis = referral
    output = loyalty("member", "export", janis).stdout
    assert anna not in output
    assert json.loads(output)["member"]["referred_by"] == "another member"
