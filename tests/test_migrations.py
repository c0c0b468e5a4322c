"""Data written by an older version is migrated once, under the lock, and reads the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Loyalty

from loyalty_cli.storage.folder import hot_file, member_rows
from loyalty_cli.storage.folder.shop import SCHEMA_VERSION
from loyalty_cli.storage.folder.store import Store

NOW = "2026-04-20T12:00:00+00:00"
VIEWS = (
    ("member", "show", "1001", "--json"),
    ("member", "list", "--json"),
    ("statement", "1001", "--from", "2025-12-01", "--to", "2026-03-31", "--format", "json"),
    ("export", "ledger", "--json"),
)


@pytest.fixture
def old_shop(tmp_path) -> Loyalty:
    """A shop with months of history, turned back into the layout of schema 1."""
    loyalty = Loyalty(tmp_path / "shop", now=NOW)
    loyalty("init", "--expiry-months", "0")
    anna = loyalty.enroll("Anna", "--card", "1001", "--phone", "29123456", "--at", "2025-12-01")
    ilze = loyalty.enroll("Ilze", "--card", "1002", "--at", "2025-12-01")
    for number, (day, card) in enumerate((("2025-12-03", anna), ("2026-01-20", ilze), ("2026-02-05", anna))):
        loyalty("purchase", card, f"{20 + number}", "--receipt", f"R{number}", "--at", day)
    loyalty("redeem", anna, "5")
    loyalty.views = [loyalty(*view).stdout for view in VIEWS]
    to_schema_1(loyalty.data_dir)
    return loyalty


def to_schema_1(root: Path) -> None:
    """Members as TinyDB documents, one partition file a month, receipt places without cards."""
    hot = root / "loyalty.json"
    data = json.loads(hot.read_text())
    data["members"] = {str(i): member_rows.from_row(row) for i, row in enumerate(data["members"], 1)}
    ledger = root / "ledger"
    for month in data["meta"]["1"]["partitions"]:
        docs = {}
        for path in sorted(ledger.glob(f"{month}-*.json")):
            docs.update(json.loads(path.read_text())["ledger"])
            path.unlink()
        ordered = dict(sorted(docs.items(), key=lambda item: int(item[0])))
        (ledger / f"{month}.json").write_text(json.dumps({"ledger": ordered}))
    for path in (ledger / "receipts").glob("*.json"):
        index = json.loads(path.read_text())
        path.write_text(json.dumps({r: [p[:2] for p in places] for r, places in index.items()}))
    data["meta"]["1"]["schema"] = 1
    hot.write_text(json.dumps(data))


def test_an_older_data_directory_reads_the_same_after_its_migration(old_shop):
    assert [old_shop(*view).stdout for view in VIEWS] == old_shop.views
    data = json.loads((old_shop.data_dir / "loyalty.json").read_text())
    assert data["meta"]["1"]["schema"] == SCHEMA_VERSION
    assert isinstance(data["members"], list)
    assert sorted(p.name for p in (old_shop.data_dir / "ledger").glob("????-??.json")) == []
    assert old_shop.json("verify")["ok"] is True


def test_a_migrated_shop_still_refuses_a_receipt_of_an_old_month(old_shop):
    result = old_shop("purchase", "1001", "20", "--receipt", "R0", expect=1)
    assert "receipt R0 is already recorded" in result.stderr


def test_a_migrated_shop_still_finds_members_by_phone(old_shop):
    assert old_shop.json("purchase", "29123456", "3")["card"] == "1001"


def test_a_migration_interrupted_half_way_is_done_again(old_shop, monkeypatch):
    from loyalty_cli.storage.folder import store

    def die(self, data):
        raise KeyboardInterrupt  # killed after the new partitions, before the hot file

    monkeypatch.setattr(store.Store, "_commit", die)
    with pytest.raises(KeyboardInterrupt):
        Store(old_shop.data_dir).read()
    monkeypatch.undo()
    assert json.loads((old_shop.data_dir / "loyalty.json").read_text())["meta"]["1"]["schema"] == 1
    assert [old_shop(*view).stdout for view in VIEWS] == old_shop.views
    assert old_shop.json("verify")["entries"] == 4


def test_a_shop_of_schema_4_reads_its_members_without_a_language_and_moves_to_the_current_schema(tmp_path):
    loyalty = Loyalty(tmp_path / "shop", now=NOW)
    loyalty("init")
    loyalty.enroll("Anna", "--card", "1001", "--language", "lv")
    loyalty("purchase", "1001", "20", "--receipt", "R1")
    hot = loyalty.data_dir / "loyalty.json"
    data = json.loads(hot.read_text())
    data.pop("checksum")
    data["members"] = [row[:-1] for row in data["members"]]  # rows of schema 4 end with `other`
    data["meta"]["1"]["schema"] = 4
    hot.write_bytes(hot_file.render(data))

    assert loyalty.json("member", "show", "1001")["language"] is None
    loyalty("purchase", "1001", "5", "--receipt", "R2")
    assert json.loads(hot.read_text())["meta"]["1"]["schema"] == SCHEMA_VERSION == 7
    assert loyalty.json("member", "show", "1001")["balance"] == 25
    assert loyalty.json("verify")["ok"] is True


def test_a_member_s_language_has_a_column_of_its_own_in_the_stored_row():
    doc = {"card": "1001", "name": "Anna", "status": "active", "language": "ru", "points": {"balance": 0}}
    row = member_rows.to_row(doc)
    assert row[-1] == "ru" and row[-2] is None
    assert member_rows.from_row(row)["language"] == "ru"
    assert "language" not in member_rows.from_row(row[:-1])  # a row of schema 4


def test_a_shop_of_schema_5_moves_to_the_current_schema_with_its_entries_as_they_were(tmp_path):
    # Schema 6 adds a purchase's bill, `confirm` entries and pending lots: nothing to rewrite.
    loyalty = Loyalty(tmp_path / "shop", now=NOW)
    loyalty("init")
    loyalty.enroll("Anna", "--card", "1001")
    loyalty("purchase", "1001", "20", "--receipt", "R1")
    hot = loyalty.data_dir / "loyalty.json"
    data = json.loads(hot.read_text())
    data.pop("checksum")
    data["meta"]["1"]["schema"] = 5
    hot.write_bytes(hot_file.render(data))
    before = loyalty("statement", "1001").stdout

    loyalty("program", "set", "discount.percent", "5")
    assert json.loads(hot.read_text())["meta"]["1"]["schema"] == SCHEMA_VERSION == 7
    assert loyalty("statement", "1001").stdout == before
    assert loyalty.json("verify")["ok"] is True
