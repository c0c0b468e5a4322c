"""Damage never spreads: a damaged or changed data file stops the commands that would copy it.

The hot file carries a checksum of itself and records every ledger partition and receipt
shard with its size and checksum. Writers and `backup` check before they write; readers
check every partition and shard they open; `verify` checks everything, the receipt index
against the ledger included.
"""

from __future__ import annotations

import shutil

import orjson
import pytest
from conftest import Loyalty

from loyalty_cli.storage.folder import hot_file, partitions
from loyalty_cli.storage.folder.store import Store

pytestmark = pytest.mark.folder_only  # damaged and changed data files

JANUARY = "2026-01-20T12:00:00+00:00"


@pytest.fixture
def shop(loyalty):
    """Anna and Jānis, each with a purchase."""
    anna = loyalty.enroll("Anna", "--phone", "29123456", "--card", "1001")
    janis = loyalty.enroll("Jānis", "--phone", "29999999", "--card", "1002")
    loyalty("purchase", anna, "20", "--receipt", "R1")
    loyalty("purchase", janis, "30", "--receipt", "R2")
    return loyalty


def hot(loyalty: Loyalty):
    return Store(loyalty.data_dir).hot_path


def damage_row(loyalty: Loyalty, card: str) -> None:
    """Break one member's line of the hot file, as a bad sector or a careless edit might."""
    path = hot(loyalty)
    lines = path.read_bytes().split(b"\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(b'["' + card.encode()))
    lines[index] = lines[index].replace(b",", b";", 3)
    path.write_bytes(b"\n".join(lines))


def test_a_damaged_member_row_stops_a_writer_for_another_member(shop):
    damage_row(shop, "1001")
    before = shop.snapshot()
    result = shop("purchase", "1002", "5", "--receipt", "R3", expect=3)
    assert result.stderr.count("\n") == 1 and str(hot(shop)) in result.stderr
    assert shop.snapshot() == before


def test_the_refusal_names_the_newest_sound_backup(shop):
    damage_row(shop, "1001")
    newest = Store(shop.data_dir).backups()[-1]
    result = shop("purchase", "1002", "5", "--receipt", "R3", expect=3)
    assert f"the newest sound backup is {newest}" in result.stderr


def test_many_refused_writes_leave_every_backup_as_it_was(shop):
    damage_row(shop, "1001")
    backups = {p.name: p.read_bytes() for p in Store(shop.data_dir).backups()}
    for number in range(12):
        shop("purchase", "1002", "1", "--receipt", f"X{number}", expect=3)
    assert {p.name: p.read_bytes() for p in Store(shop.data_dir).backups()} == backups


def test_the_backup_named_brings_the_shop_back(shop):
    damage_row(shop, "1001")
    named = Store(shop.data_dir).newest_sound_backup()
    shutil.copyfile(named, hot(shop))
    assert shop.json("verify")["ok"] is True
    shop("purchase", "1002", "5", "--receipt", "R3")


def test_a_damaged_newer_backup_is_passed_over_for_an_older_sound_one(shop):
    store = Store(shop.data_dir)
    *_, older, newest = store.backups()
    newest.write_bytes(newest.read_bytes()[:-30])
    damage_row(shop, "1001")
    result = shop("purchase", "1002", "5", "--receipt", "R3", expect=3)
    assert f"the newest sound backup is {older}" in result.stderr


def test_a_changed_digit_that_is_still_json_is_caught_before_writing(shop):
    path = hot(shop)
    path.write_bytes(path.read_bytes().replace(b'"Anna"', b'"Anja"'))
    before = shop.snapshot()
    result = shop("purchase", "1002", "5", "--receipt", "R3", expect=3)
    assert "does not match its checksum" in result.stderr
    assert shop.snapshot() == before


def test_backup_refuses_to_archive_a_damaged_hot_file(shop, tmp_path):
    damage_row(shop, "1001")
    archive = tmp_path / "b.tar.gz"
    result = shop("backup", "--output", archive, expect=3)
    assert str(hot(shop)) in result.stderr and not archive.exists()


def test_verify_reports_a_checksum_that_does_not_match(shop):
    path = hot(shop)
    path.write_bytes(path.read_bytes().replace(b'"Anna"', b'"Anja"'))
    assert "does not match its checksum" in shop("verify", expect=3).stdout


def test_an_erasure_leaves_the_backups_it_scrubs_sound(shop):
    shop("member", "erase", "1001", "--yes")
    for path in Store(shop.data_dir).backups():
        assert b"Anna" not in path.read_bytes()
        assert hot_file.damage(path.read_bytes()) is None


def test_an_older_hot_file_with_a_damaged_row_is_not_migrated(shop):
    path = hot(shop)
    data = hot_file.parse(path.read_bytes())
    del data["meta"]["1"]["files"]
    data["meta"]["1"]["schema"] = 2
    path.write_bytes(b"{" + hot_file.render(data).partition(b'",')[2])  # as schema 2 wrote it: no checksum
    damage_row(shop, "1001")
    before = shop.snapshot()
    shop("purchase", "1002", "5", "--receipt", "R3", expect=3)
    assert shop.snapshot() == before


# Partitions and receipt shards


@pytest.fixture
def history(tmp_path) -> Loyalty:
    """Purchases in December and January; on JANUARY, December is in its partitions."""
    loyalty = Loyalty(tmp_path / "shop", now=JANUARY)
    loyalty("init", "--expiry-months", "0", now="2025-12-01T09:00:00+00:00")
    for card in ("1001", "1002"):
        loyalty.enroll(f"Member {card}", "--card", card, now="2025-12-01T09:00:00+00:00")
    for day, card in (("2025-12-03", "1001"), ("2025-12-20", "1002"), ("2026-01-05", "1001")):
        loyalty("purchase", card, "20", "--receipt", f"R-{day}", now=f"{day}T10:00:00+00:00")
    loyalty("redeem", "1001", "5")
    return loyalty


def shard_file(loyalty: Loyalty, receipt: str):
    return loyalty.data_dir / "ledger" / "receipts" / f"{partitions.shard_of(receipt)}.json"


def partition_file(loyalty: Loyalty, month: str, card: str):
    return loyalty.data_dir / "ledger" / f"{month}-{partitions.card_shard(card)}.json"


def test_a_deleted_receipt_shard_stops_a_duplicate_purchase(history):
    shard = shard_file(history, "R-2025-12-03")
    shard.unlink()
    before = history.snapshot()
    result = history("purchase", "1001", "20", "--receipt", "R-2025-12-03", expect=3)
    assert str(shard) in result.stderr and "missing" in result.stderr
    assert history.snapshot() == before


def test_an_emptied_receipt_shard_stops_a_duplicate_purchase(history):
    shard = shard_file(history, "R-2025-12-03")
    shard.write_bytes(b"{}")
    before = history.snapshot()
    result = history("purchase", "1001", "20", "--receipt", "R-2025-12-03", expect=3)
    assert str(shard) in result.stderr and "changed or damaged" in result.stderr
    assert history.snapshot() == before


@pytest.mark.parametrize(
    "command",
    [
        ("statement", "1002", "--from", "2025-12-01", "--to", "2026-01-31"),
        ("report", "summary", "--as-of", "2026-01-31"),
        ("export", "ledger", "--json"),
        ("member", "show", "1002", "--as-of", "2025-12-31"),
    ],
)
def test_a_deleted_month_partition_stops_a_reader_naming_it(history, command):
    path = partition_file(history, "2025-12", "1002")
    path.unlink()
    result = history(*command, expect=3)
    assert str(path) in result.stderr and result.stderr.count("\n") == 1


def test_a_changed_month_partition_stops_a_reader_naming_it(history):
    path = partition_file(history, "2025-12", "1002")
    data = orjson.loads(path.read_bytes())
    data["ledger"] = {}
    path.write_bytes(orjson.dumps(data))
    result = history("statement", "1002", "--from", "2025-12-01", "--to", "2026-01-31", expect=3)
    assert str(path) in result.stderr


def test_a_writer_never_merges_into_a_changed_partition(history):
    path = partition_file(history, "2025-12", "1002")
    path.write_bytes(orjson.dumps({"ledger": {}}))
    before = history.snapshot()
    result = history("purchase", "1002", "5", "--receipt", "LATE", "--at", "2025-12-28", expect=3)
    assert str(path) in result.stderr
    assert history.snapshot() == before


def test_verify_names_a_missing_partition(history):
    path = partition_file(history, "2025-12", "1002")
    path.unlink()
    assert f"{path} is missing" in history("verify", expect=3).stdout


def test_verify_finds_an_entry_missing_from_the_receipt_index(history):
    shard = shard_file(history, "R-2025-12-20")
    index = orjson.loads(shard.read_bytes())
    del index["R-2025-12-20"]
    shard.write_bytes(orjson.dumps(index))
    problems = history.json("verify", expect=3)["problems"]
    assert any("receipt R-2025-12-20 is missing from the receipt index" in p for p in problems)


def test_verify_finds_a_receipt_index_place_the_ledger_does_not_hold(history):
    shard = shard_file(history, "R-2025-12-20")
    index = orjson.loads(shard.read_bytes())
    index["R-2025-12-20"].append([1, "2025-12", "1001"])
    shard.write_bytes(orjson.dumps(index))
    problems = history.json("verify", expect=3)["problems"]
    assert any("lists entry 1 of 2025-12" in p for p in problems)


def test_verify_reports_a_file_in_the_ledger_folder_loyalty_did_not_write(history):
    stray = history.data_dir / "ledger" / "2025-11-0.json"
    stray.write_bytes(orjson.dumps({"ledger": {}}))
    assert f"{stray} is not recorded" in history("verify", expect=3).stdout


def test_backup_refuses_a_changed_partition(history, tmp_path):
    path = partition_file(history, "2025-12", "1002")
    path.write_bytes(orjson.dumps({"ledger": {}}))
    archive = tmp_path / "b.tar.gz"
    result = history("backup", "--output", archive, expect=3)
    assert str(path) in result.stderr and not archive.exists()


def test_untouched_partitions_verify(history):
    assert history.json("verify")["ok"] is True


def test_a_reader_whose_snapshot_predates_a_move_reads_the_moved_files_without_alarm(history):
    expected = [entry.id for entry in Store(history.data_dir).read().ledger.entries()]
    reader = Store(history.data_dir).read()  # has read the hot file, no partition yet
    # The first write of the next day moves yesterday's entries into January's partitions.
    history("purchase", "1002", "5", "--receipt", "NEXT", now="2026-01-21T09:00:00+00:00")
    assert [entry.id for entry in reader.ledger.entries()] == expected
