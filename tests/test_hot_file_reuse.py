"""The oldest rotating backup becomes the next hot file, written over rather than deleted.

Once ten backups are kept, every write pushes the oldest out. Its file is moved to the
temp name and written over in place (files.write_atomic `reusing`), which spares the file
system freeing and allocating the blocks of a 10 MB file on every command. Nothing else
changes: the same ten backups, the same bytes, the same all-or-nothing write.
"""

from __future__ import annotations

import os

import pytest
from inspection import temp_files

from loyalty_cli import files
from loyalty_cli.errors import DataProblem
from loyalty_cli.storage.folder.store import BACKUPS_KEPT, Store

pytestmark = pytest.mark.folder_only


def _writes(loyalty, card: str, count: int, prefix: str = "R") -> None:
    for number in range(count):
        loyalty("purchase", card, "1", "--receipt", f"{prefix}{number}")


def test_a_write_past_the_tenth_backup_becomes_the_oldest_backups_file(loyalty):
    card = loyalty.enroll()
    _writes(loyalty, card, BACKUPS_KEPT + 2)
    store = Store(loyalty.data_dir)
    oldest = store.backups()[0]
    oldest_inode = oldest.stat().st_ino
    previous = store.hot_path.read_bytes()
    loyalty("purchase", card, "2.50", "--receipt", "NEW")
    backups = store.backups()
    assert len(backups) == BACKUPS_KEPT
    assert oldest not in backups
    assert store.hot_path.stat().st_ino == oldest_inode
    assert backups[-1].read_bytes() == previous
    assert b'"NEW"' in store.hot_path.read_bytes()
    assert temp_files(loyalty.data_dir) == []
    assert loyalty("verify").exit_code == 0


def test_the_backups_stay_the_previous_versions_in_order(loyalty):
    card = loyalty.enroll()
    versions = []
    for number in range(BACKUPS_KEPT + 5):
        versions.append((loyalty.data_dir / "loyalty.json").read_bytes())
        loyalty("purchase", card, "1", "--receipt", f"R{number}")
    kept = [path.read_bytes() for path in Store(loyalty.data_dir).backups()]
    assert kept == versions[-BACKUPS_KEPT:]


def test_a_reused_file_longer_than_the_new_content_is_cut_to_it(tmp_path):
    old = tmp_path / "old.json"
    old.write_bytes(b"x" * 100_000)
    target = tmp_path / "target.json"
    files.write_atomic(target, [b"new ", memoryview(b"content")], reusing=old)
    assert target.read_bytes() == b"new content"
    assert not old.exists()
    assert temp_files(tmp_path) == []


def test_a_file_with_another_link_is_never_written_over(tmp_path):
    old = tmp_path / "old.json"
    old.write_bytes(b"kept elsewhere")
    sibling = tmp_path / "sibling.json"
    os.link(old, sibling)
    target = tmp_path / "target.json"
    files.write_atomic(target, b"new", reusing=old)
    assert target.read_bytes() == b"new"
    assert sibling.read_bytes() == b"kept elsewhere"
    assert target.stat().st_ino != sibling.stat().st_ino


def test_a_symbolic_link_is_never_followed_to_reuse_what_it_points_to(tmp_path):
    victim = tmp_path / "victim.json"
    victim.write_bytes(b"someone else's file")
    old = tmp_path / "old.json"
    old.symlink_to(victim)
    target = tmp_path / "target.json"
    files.write_atomic(target, b"new", reusing=old)
    assert target.read_bytes() == b"new"
    assert victim.read_bytes() == b"someone else's file"


def test_a_missing_file_to_reuse_means_a_new_file(tmp_path):
    target = tmp_path / "target.json"
    files.write_atomic(target, b"new", reusing=tmp_path / "gone.json")
    assert target.read_bytes() == b"new"
    assert oct(target.stat().st_mode & 0o777) == oct(files.FILE_MODE)


def test_a_reused_file_gets_the_private_mode(tmp_path):
    old = tmp_path / "old.json"
    old.write_bytes(b"old")
    old.chmod(0o644)
    target = tmp_path / "target.json"
    files.write_atomic(target, b"new", reusing=old)
    assert oct(target.stat().st_mode & 0o777) == oct(files.FILE_MODE)


def test_a_failed_write_over_a_reused_file_leaves_the_hot_file_as_it_was(loyalty, monkeypatch):
    card = loyalty.enroll()
    _writes(loyalty, card, BACKUPS_KEPT + 1)
    store = Store(loyalty.data_dir)
    before = store.hot_path.read_bytes()

    def full_disk(fd, pieces):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_pieces", full_disk)
    with pytest.raises(DataProblem, match="could not write"), store.transaction() as shop:
        member = shop.members.get(card)
        member["name"] = "Changed"
        shop.members.put(member)
    assert store.hot_path.read_bytes() == before
    assert temp_files(loyalty.data_dir) == []
