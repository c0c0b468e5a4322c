"""`backup` and `restore`, and the rotating backups every commit keeps."""

from __future__ import annotations

import errno
import io
import json
import os
import tarfile

import pytest
from conftest import Loyalty
from inspection import has_command, temp_files
from test_moving import spare_database  # noqa: F401 (a fixture)

from loyalty_cli import files
from loyalty_cli.storage.folder.store import BACKUPS_KEPT, RESTORE_READY, Store


@pytest.fixture
def shop(loyalty):
    """A shop with two members and some history."""
    anna = loyalty.enroll(
        "Anna Bērziņa", "--phone", "29123456", "--email", "anna@example.com", "--at", "2026-11-01"
    )
    janis = loyalty.enroll("Jānis Ozols", "--phone", "29999999")
    loyalty("purchase", anna, "12,30", "--receipt", "R1", "--at", "2026-11-22T09:00")
    loyalty("purchase", janis, "40", "--receipt", "R2")
    loyalty("redeem", anna, "5")
    loyalty("adjust", janis, "7", "--reason", "welcome gift")
    return loyalty


def outputs(loyalty: Loyalty) -> dict[str, str]:
    """What a shop owner sees of the data: members, the summary report, verify."""
    seen = {
        "members": loyalty("member", "list", "--json").stdout,
        "verify": loyalty("verify", "--json").stdout,
    }
    if has_command(loyalty, "report", "summary"):
        seen["summary"] = loyalty("report", "summary", "--json").stdout
    return seen


def test_backup_then_restore_elsewhere_gives_identical_outputs(shop, tmp_path):
    archive = tmp_path / "nightly.tar.gz"
    shop("backup", "--output", archive)
    elsewhere = Loyalty(tmp_path / "elsewhere")
    elsewhere("restore", archive, "--yes")
    assert outputs(elsewhere) == outputs(shop)


def test_backup_archive_holds_the_data_and_a_manifest_only(shop, tmp_path):
    if not shop.on_postgres:
        (shop.data_dir / f"{files.TEMP_PREFIX}loyalty.json.4242").write_bytes(b"half a file")
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    assert names == ["MANIFEST.json", "loyalty.json"]
    assert manifest["members"] == 2 and manifest["entries"] == 4
    assert set(manifest["files"]) == {"loyalty.json"}


def test_backup_default_file_is_named_after_the_time(shop, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = shop.json("backup")
    assert result["file"] == "loyalty-backup-20261122T120000Z.tar.gz"
    assert (tmp_path / result["file"]).is_file()


def test_backup_file_is_private(shop, tmp_path):
    old = os.umask(0)
    try:
        shop("backup", "-o", tmp_path / "b.tar.gz")
    finally:
        os.umask(old)
    assert (tmp_path / "b.tar.gz").stat().st_mode & 0o777 == 0o600


def test_backup_of_no_programme_is_refused(empty_loyalty, tmp_path):
    empty_loyalty("backup", "-o", tmp_path / "b.tar.gz", expect=1)
    assert not (tmp_path / "b.tar.gz").exists()


def test_restore_without_yes_checks_and_changes_nothing(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    shop("purchase", "29123456", "3")
    before = shop.snapshot()
    result = shop("restore", archive)
    assert (
        "is sound: 2 members and 4 ledger entries" in result.stdout and "Nothing was changed" in result.stdout
    )
    assert "--yes` would replace the data in" in result.stderr
    assert shop.snapshot() == before


def test_restore_keeps_the_replaced_data_in_an_archive_that_restores(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    shop("purchase", "29123456", "3", "--receipt", "AFTER")
    after = outputs(shop)
    kept = shop.json("restore", archive, "--yes")["previous_data"]
    assert kept.startswith(str(shop.data_dir / "backups" / "before-restore-"))
    assert outputs(shop) != after
    shop("restore", kept, "--yes")
    assert outputs(shop) == after


@pytest.mark.folder_only
def test_restore_clears_the_rotating_backups_of_the_replaced_data(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    shop("restore", archive, "--yes")
    assert Store(shop.data_dir).backups() == []


def test_restore_of_a_damaged_archive_changes_nothing(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    archive.write_bytes(archive.read_bytes()[:-40])
    before = shop.snapshot()
    result = shop("restore", archive, "--yes", expect=3)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert shop.snapshot() == before
    assert temp_files(shop.data_dir) == []


def test_restore_of_a_file_that_is_no_archive_is_a_data_problem(shop, tmp_path):
    bogus = tmp_path / "b.tar.gz"
    bogus.write_text("hello")
    assert "not a readable backup archive" in shop("restore", bogus, "--yes", expect=3).stderr


def test_restore_refuses_an_archive_whose_file_differs_from_its_manifest(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    members = _unpack(archive)
    members["loyalty.json"] = members["loyalty.json"].replace(b'"points":12', b'"points":99')
    _pack(archive, members)
    before = shop.snapshot()
    assert "SHA-256 differs" in shop("restore", archive, "--yes", expect=3).stderr
    assert shop.snapshot() == before


def test_restore_refuses_an_archive_that_does_not_verify(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    members = _unpack(archive)
    members["loyalty.json"] = members["loyalty.json"].replace(b'"points":12', b'"points":99')
    _pack(archive, members, fix_manifest=True)
    before = shop.snapshot()
    assert "does not verify (entry 1" in shop("restore", archive, "--yes", expect=3).stderr
    assert shop.snapshot() == before


def test_restore_refuses_an_archive_with_paths_outside_the_directory(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    members = _unpack(archive)
    members["../escaped.json"] = b"{}"
    _pack(archive, members, fix_manifest=True)
    assert "unexpected file" in shop("restore", archive, "--yes", expect=3).stderr
    assert not (shop.data_dir.parent / "escaped.json").exists()


@pytest.mark.folder_only
def test_an_interrupted_restore_is_finished_by_the_next_command(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    expected = outputs(shop)
    shop("purchase", "29123456", "3", "--receipt", "AFTER")
    # The state right after the commit point: the staged copy renamed, nothing moved yet.
    ready = shop.data_dir / RESTORE_READY
    with tarfile.open(archive) as tar:
        tar.extract("loyalty.json", ready, filter="data")
    (ready / "files.json").write_text('["loyalty.json"]')
    assert outputs(shop) == expected
    assert not ready.exists()


@pytest.mark.folder_only
def test_a_restore_killed_while_removing_its_emptied_folder_is_finished_by_the_next_command(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    shop("restore", archive, "--yes")
    expected = outputs(shop)
    # Every file moved into place and the list removed, but not yet the folder itself.
    (shop.data_dir / RESTORE_READY).mkdir()
    assert outputs(shop) == expected
    shop("purchase", "29123456", "3", "--receipt", "AFTER")
    assert not (shop.data_dir / RESTORE_READY).exists()


@pytest.mark.folder_only
def test_every_commit_keeps_the_previous_file_as_a_backup(loyalty):
    store = Store(loyalty.data_dir)
    before = store.hot_path.read_bytes()
    loyalty.enroll()
    assert store.backups()[-1].read_bytes() == before


@pytest.mark.folder_only
def test_only_the_newest_backups_are_kept(loyalty):
    card = loyalty.enroll()
    for number in range(BACKUPS_KEPT + 3):
        loyalty("purchase", card, "1", "--receipt", f"R{number}")
    assert len(Store(loyalty.data_dir).backups()) == BACKUPS_KEPT


@pytest.mark.folder_only
def test_backups_are_copies_where_the_disk_refuses_hard_links(loyalty, monkeypatch):
    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    store = Store(loyalty.data_dir)
    before = store.hot_path.read_bytes()
    monkeypatch.setattr(os, "link", no_links)
    loyalty.enroll()
    assert store.backups()[-1].read_bytes() == before
    assert store.backups()[-1].stat().st_ino != store.hot_path.stat().st_ino


def _unpack(archive) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def _pack(archive, members: dict[str, bytes], fix_manifest: bool = False) -> None:
    import hashlib

    if fix_manifest:
        manifest = json.loads(members["MANIFEST.json"])
        manifest["files"] = {
            name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in members.items()
            if name != "MANIFEST.json"
        }
        members["MANIFEST.json"] = json.dumps(manifest).encode()
    archive.unlink()
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


@pytest.mark.folder_only
def test_restore_over_damaged_data_keeps_the_damaged_file_aside(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    expected = outputs(shop)
    hot = Store(shop.data_dir).hot_path
    damaged = hot.read_bytes()[:-50]
    hot.write_bytes(damaged)
    shop("verify", expect=3)
    kept = shop.json("restore", archive, "--yes")["previous_data"]
    assert outputs(shop) == expected
    with tarfile.open(kept) as tar:
        assert tar.extractfile("loyalty.json").read() == damaged


@pytest.mark.folder_only
def test_the_newest_backup_sorts_last_even_if_the_clock_was_set_back(loyalty, monkeypatch):
    import time

    store = Store(loyalty.data_dir)
    loyalty.enroll("Anna")
    monkeypatch.setattr(time, "time_ns", lambda: 1)
    before = store.hot_path.read_bytes()
    loyalty.enroll("Jānis")
    assert store.backups()[-1].read_bytes() == before


def test_restore_without_yes_checks_while_another_command_holds_the_lock(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    with shop.store().transaction():  # a writer in the middle of its command
        result = shop("restore", archive)
    assert "is sound" in result.stdout


def test_restore_without_yes_into_a_new_directory_says_it_would_fill_it(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    elsewhere = Loyalty(tmp_path / "elsewhere")
    result = elsewhere.json("restore", archive)
    assert result["restored"] is False and result["replaces_data"] is False
    assert elsewhere.snapshot() == {"files": {}, "rows": {}}


def test_restore_refuses_a_file_larger_than_the_limit_before_unpacking_it(shop, tmp_path, monkeypatch):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    members = _unpack(archive)
    members["ledger/2026-01-0.json"] = b" " * (2 << 20)  # 2 MB of gzip-friendly bytes
    _pack(archive, members, fix_manifest=True)
    monkeypatch.setenv("LOYALTY_ARCHIVE_MAX_FILE_MB", "1")
    before = shop.snapshot()
    result = shop("restore", archive, "--yes", expect=3)
    assert "more than the limit of 1.0 MB" in result.stderr and "nothing was unpacked" in result.stderr
    assert shop.snapshot() == before
    assert temp_files(shop.data_dir) == []


def test_restore_refuses_an_archive_declaring_more_than_the_total_limit(shop, tmp_path, monkeypatch):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    members = _unpack(archive)
    members["ledger/2026-01-0.json"] = b" " * (1 << 20)
    members["ledger/2026-01-1.json"] = b" " * (1 << 20)
    _pack(archive, members, fix_manifest=True)
    monkeypatch.setenv("LOYALTY_ARCHIVE_MAX_TOTAL_MB", "1")
    assert "(LOYALTY_ARCHIVE_MAX_TOTAL_MB)" in shop("restore", archive, expect=3).stderr


def test_restore_refuses_a_declared_size_of_gigabytes_without_reading_the_file(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    members = _unpack(archive)
    manifest = json.loads(members["MANIFEST.json"])
    manifest["files"]["loyalty.json"]["size"] = 3 << 30
    members["MANIFEST.json"] = json.dumps(manifest).encode()
    _pack(archive, members)
    result = shop("restore", archive, expect=3)
    assert "loyalty.json would unpack to 3,072.0 MB" in result.stderr


def test_restore_refuses_a_file_larger_than_its_manifest_says(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    members = _unpack(archive)
    manifest = json.loads(members["MANIFEST.json"])
    manifest["files"]["loyalty.json"]["size"] = 10  # the hash still matches the real file
    members["MANIFEST.json"] = json.dumps(manifest).encode()
    _pack(archive, members)
    before = shop.snapshot()
    assert "not the size its manifest says" in shop("restore", archive, "--yes", expect=3).stderr
    assert shop.snapshot() == before


def test_restore_refuses_an_archive_larger_than_the_free_space(shop, tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(100, 90, 10))
    before = shop.snapshot()
    assert "has only 0.0 MB free" in shop("restore", archive, "--yes", expect=3).stderr
    assert shop.snapshot() == before


def test_verify_against_refuses_an_oversized_manifest_without_reading_it(shop, tmp_path, monkeypatch):
    from loyalty_cli.storage import archives

    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    monkeypatch.setattr(archives, "MANIFEST_LIMIT", 50)
    result = shop("verify", "--against", archive, expect=3)
    assert "MANIFEST.json is" in result.stderr and "not a loyalty backup" in result.stderr


def test_restore_installs_no_backup_files_planted_in_the_archive(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    members = _unpack(archive)
    members["backups/loyalty-00000000000000000001.json"] = b'{"planted": true}'
    _pack(archive, members, fix_manifest=True)
    shop("restore", archive, "--yes")
    assert not (shop.data_dir / "backups" / "loyalty-00000000000000000001.json").exists()
    shop("verify")


@pytest.mark.folder_only
def test_a_restore_folder_in_use_survives_a_writer_and_a_stale_one_is_removed(shop):
    stale = shop.data_dir / f"{files.TEMP_PREFIX}restore-99999-0"
    (stale / "ledger").mkdir(parents=True)
    with files.private_workdir(shop.data_dir, "restore") as held:
        (held / "loyalty.json").write_bytes(b"{}")
        shop("purchase", "29123456", "1")
        assert (held / "loyalty.json").exists()
    assert not stale.exists()


def test_a_backup_of_either_store_restores_into_the_other(shop, tmp_path, spare_database):  # noqa: F811
    from test_moving import other_store

    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    other = other_store(tmp_path, shop, spare_database, "other")
    other("restore", archive, "--yes")
    assert outputs(other) == outputs(shop)
    again = tmp_path / "again.tar.gz"
    other("backup", "-o", again)
    shop("purchase", "29123456", "3", "--receipt", "AFTER")
    shop("restore", again, "--yes")
    assert outputs(shop) == outputs(other)


def test_backup_never_changes_the_programme(shop, tmp_path):
    before = shop.snapshot()
    shop("backup", "-o", tmp_path / "b.tar.gz")
    assert shop.snapshot() == before


def test_a_member_erased_since_the_backup_stays_erased_after_the_restore(shop, tmp_path):
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    shop("member", "erase", "29123456", "--yes")
    card = shop.json("member", "list", "--limit", "1")[0]["card"]
    result = shop.json("restore", archive, "--yes")
    assert result["erased_again"] == [card]
    exported = json.loads(shop("member", "export", card).stdout)["member"]
    assert exported["name"] is None and exported["phone"] is None and exported["email"] is None
    assert "anna@example.com" not in str(shop.snapshot())
    shop("verify")


def test_restore_into_a_new_store_fills_it(shop, tmp_path, spare_database):  # noqa: F811
    archive = tmp_path / "b.tar.gz"
    shop("backup", "-o", archive)
    fresh = Loyalty(tmp_path / "fresh", database=spare_database() if shop.on_postgres else None)
    result = fresh.json("restore", archive, "--yes")
    assert result["restored"] is True and result["previous_data"] is None
    assert outputs(fresh) == outputs(shop)
