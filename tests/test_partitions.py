"""Ledger partitions: older months leave the hot file, and nothing visible changes."""

from __future__ import annotations

import json

import orjson
import pytest
from conftest import Loyalty

from loyalty_cli.storage.folder.store import Store

JANUARY = "2026-01-20T12:00:00+00:00"
APRIL = "2026-04-20T12:00:00+00:00"


@pytest.fixture
def history(tmp_path) -> Loyalty:
    """A shop with purchases, a redemption and a refund in December and January.

    Each command runs on the day it happened, as at a till; the last ones on JANUARY, so
    that the hot file holds that day's entries and partitions the days before.
    """
    loyalty = Loyalty(tmp_path / "shop", now=JANUARY)
    loyalty("init", "--expiry-months", "0", now="2025-12-01T09:00:00+00:00")
    anna = loyalty.enroll("Anna", "--card", "1001", now="2025-12-01T09:00:00+00:00")
    ilze = loyalty.enroll("Ilze", "--card", "1002", now="2025-12-01T09:00:00+00:00")
    for day, card, amount in (
        ("2025-12-03", anna, "40"),
        ("2025-12-20", ilze, "25.50"),
        ("2026-01-05", anna, "12"),
    ):
        loyalty("purchase", card, amount, "--receipt", f"R-{day}-{card}", now=f"{day}T10:00:00+00:00")
    loyalty("redeem", anna, "30", now="2026-01-20T10:00:00+00:00")
    loyalty("refund", "R-2025-12-20-1002", "--amount", "5.50", now="2026-01-20T11:00:00+00:00")
    return loyalty


def hot_ledger(loyalty: Loyalty) -> dict:
    return json.loads((loyalty.data_dir / "loyalty.json").read_bytes())["ledger"]


def partition_files(loyalty: Loyalty, month: str) -> list:
    return sorted((loyalty.data_dir / "ledger").glob(f"{month}-*.json"))


VIEWS = (
    ("member", "show", "1001", "--as-of", "2026-01-31", "--json"),
    ("member", "list", "--json"),
    ("statement", "1001", "--from", "2025-12-01", "--to", "2026-01-31", "--format", "json"),
    ("export", "ledger", "--json"),
    ("report", "summary", "--as-of", "2026-01-31", "--json"),
)


def views(loyalty: Loyalty, now: str) -> list[str]:
    return [loyalty(*args, now=now).stdout for args in VIEWS]


def test_a_month_rollover_changes_no_output(history):
    before = views(history, JANUARY)
    assert len(hot_ledger(history)) == 2  # today's redemption and refund
    assert Store(history.data_dir).read().meta["partitions"] == ["2025-12", "2026-01"]
    history("maintain", now=APRIL)
    assert hot_ledger(history) == {}
    assert views(history, APRIL) == before
    assert history.json("verify", now=APRIL)["entries"] == 5


def test_the_hot_file_keeps_only_todays_entries(history):
    history("purchase", "1002", "3", "--receipt", "LATER", now="2026-01-21T08:00:00+00:00")
    assert [doc["receipt"] for doc in hot_ledger(history).values()] == ["LATER"]
    moved = [orjson.loads(path.read_bytes())["ledger"] for path in partition_files(history, "2026-01")]
    assert sorted(doc["kind"] for docs in moved for doc in docs.values()) == ["earn", "redeem", "refund"]


def test_a_member_s_history_is_read_from_one_file_a_month(history, monkeypatch):
    from loyalty_cli.storage.folder import partitions

    history("maintain", now=APRIL)
    read = []
    real = partitions.Partitions._file

    def spy(self, name):
        read.append(name)
        return real(self, name)

    monkeypatch.setattr(partitions.Partitions, "_file", spy)
    history("statement", "1001", "--from", "2025-12-01", "--to", "2026-01-31", now=APRIL)
    shard = partitions.card_shard("1001")
    assert sorted(read) == [f"2025-12-{shard}", f"2026-01-{shard}"]


def test_a_receipt_in_a_partition_is_still_refused(history):
    history("maintain", now=APRIL)
    result = history("purchase", "1001", "40", "--receipt", "R-2025-12-03-1001", now=APRIL, expect=1)
    assert "already recorded" in result.stderr


def test_a_partitioned_purchase_can_still_be_refunded(history):
    history("maintain", now=APRIL)
    result = history.json("refund", "R-2025-12-03-1001", now=APRIL)
    assert result["points_taken"] == 40
    history("verify", now=APRIL)


def test_everyday_commands_read_no_partition(history, monkeypatch):
    history("maintain", now=APRIL)
    from loyalty_cli.storage.folder import partitions

    def refuse(self, month):
        raise AssertionError(f"read the partition {month}")

    monkeypatch.setattr(partitions.Partitions, "_file", refuse)
    history("purchase", "1001", "10", "--receipt", "NEW-1", now=APRIL)
    history("redeem", "1001", "5", now=APRIL)
    history("member", "show", "1001", now=APRIL)


def test_a_redemption_or_adjustment_dated_now_reads_no_partition_of_this_month(history, monkeypatch):
    history("maintain", now=APRIL)
    history("purchase", "1001", "10", "--receipt", "EARLIER", "--at", "2026-04-10T10:00", now=APRIL)
    from loyalty_cli.storage.folder import partitions

    def refuse(self, name):
        raise AssertionError(f"read the partition {name}")

    monkeypatch.setattr(partitions.Partitions, "_file", refuse)
    history("redeem", "1001", "5", now=APRIL)
    history("adjust", "1001", "-1", "--reason", "a crumb", now=APRIL)
    monkeypatch.undo()
    result = history("redeem", "1001", "5", "--at", "2026-04-09T10:00", now=APRIL, expect=1)
    assert "cannot be dated before it" in result.stderr


def test_a_crash_between_partition_and_hot_file_loses_and_duplicates_nothing(history, monkeypatch):
    from loyalty_cli.storage.folder import store

    next_day = "2026-01-21T09:00:00+00:00"
    hot_before = (history.data_dir / "loyalty.json").read_bytes()
    before = views(history, JANUARY)

    def crash(self, data):
        raise KeyboardInterrupt  # the process dies after the partitions, before the hot file

    monkeypatch.setattr(store.Store, "_commit", crash)
    history("purchase", "1002", "7", "--receipt", "NEXT-DAY", now=next_day, expect=1)
    monkeypatch.undo()
    assert (history.data_dir / "loyalty.json").read_bytes() == hot_before
    moved = [orjson.loads(path.read_bytes())["ledger"] for path in partition_files(history, "2026-01")]
    in_partitions = {int(i) for docs in moved for i in docs}
    assert {int(i) for i in hot_ledger(history)} <= in_partitions  # in both places now
    # Each entry is read once, and the purchase that died is nowhere.
    assert views(history, next_day) == before
    assert history.json("verify", now=next_day)["entries"] == 5
    history("purchase", "1002", "7", "--receipt", "NEXT-DAY", now=next_day)
    assert [doc["receipt"] for doc in hot_ledger(history).values()] == ["NEXT-DAY"]
    assert history.json("verify", now=next_day)["entries"] == 6


def test_verify_rebuilds_balances_from_every_partition(history):
    from inspection import edit_member

    history("maintain", now=APRIL)
    assert hot_ledger(history) == {}
    hot = history.data_dir / "loyalty.json"
    document = json.loads(hot.read_text())

    def richer(member):
        member["points"]["balance"] += 1
        member["points"]["lots"] = {k: v + 1 for k, v in member["points"]["lots"].items()}

    edit_member(document, richer, "1001")
    hot.write_text(json.dumps(document))
    result = history.json("verify", now=APRIL, expect=3)
    assert result["entries"] == 5
    assert "member 1001: stored balance 23, ledger says 22" in result["problems"]


def test_verify_reads_every_partition_and_names_an_edited_entry(history):
    history("maintain", now=APRIL)
    path = partition_files(history, "2025-12")[0]
    data = orjson.loads(path.read_bytes())
    first = next(iter(data["ledger"].values()))
    first["points"] += 100
    path.write_bytes(orjson.dumps(data))
    result = history("verify", now=APRIL, expect=3)
    assert f"entry {first['id']}" in result.stdout


def test_a_backdated_entry_goes_straight_to_its_month_partition(history):
    history("maintain", now=APRIL)
    history("purchase", "1002", "9", "--receipt", "LATE", "--at", "2025-12-24", now=APRIL)
    shop = Store(history.data_dir).read()
    assert [e.receipt for e in shop.ledger.by_receipt("LATE")] == ["LATE"]
    late = [orjson.loads(path.read_bytes())["ledger"] for path in partition_files(history, "2025-12")]
    assert any(doc.get("receipt") == "LATE" for docs in late for doc in docs.values())
    assert history.json("verify", now=APRIL)["entries"] == 6


def test_import_applies_good_rows_and_rejects_bad_ones_with_reasons(loyalty, tmp_path):
    card = loyalty.enroll("Anna", "--card", "5005", "--at", "2026-01-01")
    source = tmp_path / "till.csv"
    source.write_text(
        "card,amount,receipt,at\n"
        f"{card},10.00,A1,2026-11-01T10:00\n"
        "9999,5.00,A2,2026-11-01T10:00\n"
        f"{card},ten,A3,2026-11-01T10:00\n"
        f"{card},3.00,A4,2026-02-30T10:00\n"
        f"{card},4.00,A1,2026-11-02T10:00\n"
        f"{card},2,A5,2026-11-03\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    result = loyalty.json("import", "purchases", source, "--rejects", rejects, expect=1)
    assert (result["imported"], result["rejected"]) == (2, 4)
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "card,amount,receipt,at,line,reason"
    reasons = [line.split(",", 5)[5] for line in lines[1:]]
    assert "unknown card" in reasons[0]
    assert "not an amount" in reasons[1]
    assert "not a date-time" in reasons[2]
    assert "appears twice" in reasons[3]
    assert loyalty.json("member", "show", card)["balance"] == 12
    again = loyalty.json("import", "purchases", source, expect=1)
    assert (again["imported"], again["skipped"]) == (0, 2)


@pytest.mark.folder_only
def test_history_goes_straight_to_partitions_and_a_crash_before_the_commit_leaves_no_trace(
    loyalty, tmp_path, monkeypatch
):
    from loyalty_cli.storage.folder import store

    card = loyalty.enroll("Anna", "--card", "7007", "--at", "2024-01-01")
    source = tmp_path / "history.csv"
    rows = [f"{card},{10 + i}.00,H{i},2025-0{1 + i % 6}-15T10:00" for i in range(12)]
    source.write_text("card,amount,receipt,at\n" + "\n".join(rows) + "\n", encoding="utf-8")
    real = store.Store._commit

    def die(self, data):
        raise KeyboardInterrupt  # the process dies after the partitions, before the hot file

    monkeypatch.setattr(store.Store, "_commit", die)
    loyalty("import", "purchases", source, expect=1)
    monkeypatch.setattr(store.Store, "_commit", real)
    assert list((loyalty.data_dir / "ledger").glob("2025-01-*.json"))
    assert loyalty.json("member", "show", card)["balance"] == 0
    assert loyalty.json("verify")["entries"] == 0
    # The next writer removes what was never committed before it hands out those ids again.
    loyalty("purchase", card, "5", "--receipt", "NOW")
    assert loyalty.json("verify")["entries"] == 1
    result = loyalty.json("import", "purchases", source)
    assert (result["imported"], result["skipped"]) == (12, 0)
    hot = json.loads((loyalty.data_dir / "loyalty.json").read_bytes())["ledger"]
    assert [doc["receipt"] for doc in hot.values()] == ["NOW"]
    assert loyalty.json("member", "show", card)["balance"] == 5 + sum(10 + i for i in range(12))
    assert loyalty.json("verify")["entries"] == 13


def test_the_shards_of_cards_and_receipts_are_part_of_the_data_format():
    from loyalty_cli.storage.folder import partitions

    # Files written by every version since schema 2 are found by these: never change them
    # without a migration.
    assert partitions.card_shard("270000000009") == "9"
    assert partitions.shard_of("T00000001") == "96"
