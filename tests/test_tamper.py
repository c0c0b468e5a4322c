"""Tamper evidence: an entry changed by hand makes `verify` exit 3 and name the entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inspection import edit_member

from loyalty_cli.storage.folder import hot_file
from loyalty_cli.storage.folder.store import Store


@pytest.fixture
def shop(loyalty):
    """Two members and five entries, ids 1-5."""
    anna = loyalty.enroll("Anna", "--phone", "29123456")
    janis = loyalty.enroll("Jānis", "--phone", "29999999")
    loyalty("purchase", anna, "20", "--receipt", "R1")
    loyalty("purchase", janis, "30", "--receipt", "R2")
    loyalty("redeem", anna, "5")
    loyalty("adjust", janis, "3", "--reason", "sorry")
    loyalty("purchase", anna, "10", "--receipt", "R3")
    return loyalty


def edit_entry(path: Path, entry_id: int, change) -> None:
    """Change the stored entry `entry_id` in a data file, wherever in the document it sits."""
    document = json.loads(path.read_text())
    found = _find(document, entry_id)
    assert found is not None, f"entry {entry_id} is not in {path}"
    change(found)
    path.write_text(json.dumps(document, ensure_ascii=False))


def _find(node, entry_id):
    if isinstance(node, dict):
        if node.get("id") == entry_id and "kind" in node and "prev" in node:
            return node
        node = list(node.values())
    if isinstance(node, list):
        for value in node:
            found = _find(value, entry_id)
            if found is not None:
                return found
    return None


def hot(loyalty) -> Path:
    return Store(loyalty.data_dir).hot_path


def tamper(loyalty, entry_id: int, change) -> None:
    """Change the stored entry `entry_id` behind loyalty's back: in the data file, or its row."""
    if not loyalty.on_postgres:
        edit_entry(hot(loyalty), entry_id, change)
        return
    rows = in_database(loyalty, "SELECT doc FROM ledger WHERE id = %s", (entry_id,))
    document = rows[0][0]
    change(document)
    in_database(loyalty, "UPDATE ledger SET doc = %s WHERE id = %s", (json.dumps(document), entry_id))


def in_database(loyalty, sql: str, params=()) -> list[tuple]:
    """Run one statement in the programme's schema, as someone with the database password could."""
    import psycopg2

    conn = psycopg2.connect(loyalty.database)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description is not None else []
    finally:
        conn.close()


def found_problems(loyalty, count: int) -> int:
    """`count` problems on PostgreSQL; one more in a data folder, whose edited file no longer
    matches its checksum."""
    return count if loyalty.on_postgres else count + 1


def test_untouched_data_verifies(shop):
    assert shop.json("verify")["ok"] is True


@pytest.mark.parametrize("entry_id", [1, 3, 5])
def test_editing_points_by_hand_names_the_entry(shop, entry_id):
    tamper(shop, entry_id, lambda e: e.update(points=e["points"] + 100))
    result = shop("verify", expect=3)
    assert result.stdout.splitlines()[0].startswith(f"entry {entry_id}: changed after it was written")


def test_editing_points_and_lots_together_is_still_found(shop):
    def consistent_edit(entry):
        entry["points"] += 100
        key = next(iter(entry["lots"]))
        entry["lots"][key] += 100

    tamper(shop, 1, consistent_edit)
    assert shop("verify", expect=3).stdout.startswith("entry 1: changed after it was written")


def test_editing_a_value_to_another_type_is_reported_not_crashed(shop):
    tamper(shop, 2, lambda e: e.update(points="lots"))
    result = shop("verify", expect=3)
    assert "entry 2" in result.stdout and "Traceback" not in result.output


def test_an_entry_with_an_unknown_field_is_reported(shop):
    tamper(shop, 4, lambda e: e.update(note="added later"))
    assert "entry 4: malformed" in shop("verify", expect=3).stdout


def test_a_deleted_entry_is_reported(shop):
    if shop.on_postgres:
        in_database(shop, "DELETE FROM ledger WHERE id = 3")
    else:
        document = json.loads(hot(shop).read_text())
        del document["ledger"]["3"]
        hot(shop).write_text(json.dumps(document))
    assert "entry 4: expected entry 3 here" in shop("verify", expect=3).stdout


def test_a_balance_edited_by_hand_is_reported(shop):
    def richer(member):
        member["points"]["balance"] += 50
        member["points"]["lots"] = {k: v + 50 for k, v in member["points"]["lots"].items()}

    if shop.on_postgres:
        [(member,)] = in_database(shop, "SELECT doc FROM members ORDER BY seq LIMIT 1")
        richer(member)
        in_database(shop, "UPDATE members SET doc = %s WHERE card = %s", (json.dumps(member), member["card"]))
    else:
        document = json.loads(hot(shop).read_text())
        member = edit_member(document, richer)
        hot(shop).write_text(json.dumps(document))
    assert f"member {member['card']}: stored balance" in shop("verify", expect=3).stdout


@pytest.mark.folder_only
def test_a_damaged_file_points_to_the_backup(shop):
    hot(shop).write_text(hot(shop).read_text()[:-10])
    result = shop("verify", expect=3)
    assert "is damaged" in result.stderr and "backups" in result.stderr


@pytest.mark.folder_only
def test_editing_points_in_a_ledger_partition_names_the_entry(loyalty):
    card = loyalty.enroll("Anna", "--at", "2025-01-01")
    for month in range(1, 13):
        loyalty("purchase", card, "10", "--at", f"2025-{month:02d}-15")
    loyalty("purchase", card, "10")
    if loyalty("maintain", "--help", expect=None).exit_code == 0:
        loyalty("maintain")
    partitions = sorted((loyalty.data_dir / "ledger").glob("*.json"))
    if not partitions:
        pytest.skip("this version keeps the whole ledger in the hot file")
    document = json.loads(partitions[0].read_text())
    first = _first_entry(document)
    edit_entry(partitions[0], first["id"], lambda e: e.update(points=e["points"] + 1))
    assert f"entry {first['id']}" in loyalty("verify", expect=3).stdout


def _first_entry(node):
    if isinstance(node, dict):
        if "kind" in node and "prev" in node:
            return node
        node = list(node.values())
    if isinstance(node, list):
        for value in node:
            found = _first_entry(value)
            if found is not None:
                return found
    return None


@pytest.mark.folder_only
def test_a_consistently_rewritten_chain_is_caught_by_an_archive_kept_elsewhere(shop, tmp_path):
    from loyalty_cli.ledger import GENESIS, entry_hash

    archive = tmp_path / "monday.tar.gz"
    shop("backup", "--output", archive)
    document = json.loads(hot(shop).read_text())
    entries = sorted(document["ledger"].values(), key=lambda e: e["id"])
    forged = entries[1]
    forged["points"] += 100
    forged["lots"] = {k: v + 100 for k, v in forged["lots"].items()}
    prev = GENESIS
    for entry in entries:
        entry["prev"] = prev
        prev = entry_hash(entry)
    document["meta"]["1"]["last_hash"] = prev

    def richer(member):
        member["points"]["balance"] += 100
        member["points"]["lots"] = {k: v + 100 for k, v in member["points"]["lots"].items()}

    edit_member(document, richer, forged["card"])
    hot(shop).write_bytes(hot_file.render(document))  # with a checksum of the forged content
    shop("verify")  # the forger did a thorough job: the data agrees with itself
    result = shop("verify", "--against", archive, expect=3)
    assert result.stdout.startswith("entry 5: differs from the archive")


def test_verify_against_an_archive_of_the_same_history_is_clean(shop, tmp_path):
    shop("backup", "--output", tmp_path / "monday.tar.gz")
    shop("purchase", "29123456", "4")
    shop("verify", "--against", tmp_path / "monday.tar.gz")


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("lv", "Kārtībā: 2 dalībnieki, 5 žurnāla ieraksti sakrīt\n"),
        ("ru", "Всё в порядке: 2 участника, 5 записей журнала операций сходятся\n"),
    ],
)
def test_untouched_data_verifies_in_the_operators_language(shop, lang, line):
    assert shop("--lang", lang, "verify").stdout == line


def test_a_changed_entry_is_named_in_latvian(shop):
    tamper(shop, 3, lambda e: e.update(points=e["points"] + 100))
    result = shop("--lang", "lv", "verify", expect=3)
    assert result.stdout.startswith("ieraksts 3: mainīts pēc ierakstīšanas")
    assert "ieraksts 3: tā partiju summa ir -5, nevis 95\n" in result.stdout
    latvian = {3: "Atrastas 3 problēmas\n", 4: "Atrastas 4 problēmas\n"}
    russian = {3: "Найдены 3 проблемы\n", 4: "Найдены 4 проблемы\n"}
    assert result.stderr == latvian[found_problems(shop, 3)]
    assert shop("--lang", "ru", "verify", expect=3).stderr == russian[found_problems(shop, 3)]


def test_verify_json_stays_in_english_whatever_the_language(shop):
    tamper(shop, 3, lambda e: e.update(points=e["points"] + 100))
    english = shop("verify", "--json", expect=3).stdout
    assert shop("--lang", "ru", "verify", "--json", expect=3).stdout == english
    assert json.loads(english)["problems"][0].startswith("entry 3: changed after it was written")
