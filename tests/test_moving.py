"""`migrate`: a whole programme copied between the data folder and PostgreSQL, and back.

The source runs on each store under test; the copy goes to the other store when a test
database is given (LOYALTY_TEST_DATABASE_URL), else to another folder; the way back is
always into a new folder.
"""

from __future__ import annotations

import secrets

import orjson
import pytest
from conftest import DATABASE_URL, Loyalty, in_schema

from loyalty_cli import ledger as ledger_mod


@pytest.fixture
def spare_database():
    """A function giving the URL of a new, empty schema (dropped afterwards); None without a test database."""
    if DATABASE_URL is None:
        yield lambda: None
        return
    import psycopg2

    admin = psycopg2.connect(DATABASE_URL)
    admin.autocommit = True
    made: list[str] = []

    def make() -> str:
        schema = f"t_{secrets.token_hex(6)}"
        with admin.cursor() as cur:
            cur.execute(f"CREATE SCHEMA {schema}")
        made.append(schema)
        return in_schema(DATABASE_URL, schema)

    try:
        yield make
    finally:
        with admin.cursor() as cur:
            for schema in made:
                cur.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                    (schema,),
                )
                cur.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture
def shop(sample):
    """The demo shop with history in earlier months (ledger partitions), a plan and a draw."""
    card = sample.json("member", "list", "--limit", "1")[0]["card"]
    sample("plan", "add", "Gold club", "--fee", "20.00", "--months", "12", "--multiplier", "2")
    sample("member", "subscribe", card, "Gold club")
    sample("purchase", card, "7,50", "--receipt", "TODAY-1")
    sample("draw", "run", "october", "--month", "2026-10", "--prize", "A cake", "--seed", "ab" * 32)
    return sample


def other_store(tmp_path, source: Loyalty, spare_database, name: str = "copy") -> Loyalty:
    """A runner for an empty store of the other kind (a folder if there is no test database)."""
    url = spare_database() if not source.on_postgres else None
    return Loyalty(tmp_path / name, database=url)


def target_of(runner: Loyalty) -> str:
    return runner.database or str(runner.data_dir)


def outputs(loyalty: Loyalty) -> dict[str, str]:
    """What the shop owner and scripts see of a programme."""
    card = loyalty.json("member", "list", "--limit", "1")[0]["card"]
    return {
        "export members": loyalty("export", "members", "--json").stdout,
        "export ledger": loyalty("export", "ledger", "--json").stdout,
        "verify": loyalty("verify", "--json").stdout,
        "member show": loyalty("member", "show", card, "--json").stdout,
        "plans": loyalty("plan", "list", "--json").stdout,
        "rewards": loyalty("reward", "list", "--json").stdout,
        "draw": loyalty("draw", "show", "october", "--json").stdout,
    }


def stored_ledger(loyalty: Loyalty) -> dict[int, bytes]:
    """Every ledger entry as its stored bytes, by id."""
    shop = loyalty.store().read()
    return {doc["id"]: orjson.dumps(doc) for doc in shop.ledger.stored_docs()}


def test_migrate_there_and_back_gives_identical_outputs(shop, tmp_path, spare_database):
    there = other_store(tmp_path, shop, spare_database)
    shop("migrate", "--to", target_of(there), "--yes")
    back = Loyalty(tmp_path / "back")
    there("migrate", "--to", back.data_dir, "--yes")
    expected = outputs(shop)
    assert outputs(there) == expected
    assert outputs(back) == expected


def test_migrate_keeps_every_ledger_entry_byte_for_byte_and_the_chain(shop, tmp_path, spare_database):
    there = other_store(tmp_path, shop, spare_database)
    shop("migrate", "--to", target_of(there), "--yes")
    back = Loyalty(tmp_path / "back")
    there("migrate", "--to", back.data_dir, "--yes")
    original = stored_ledger(shop)
    assert len(original) > 500  # the sample's history, most of it in partitions on the folder
    assert stored_ledger(there) == original
    assert stored_ledger(back) == original
    last = orjson.loads(original[max(original)])
    assert there.store().read().meta["last_hash"] == ledger_mod.entry_hash(last)


def test_migrate_copies_members_in_enrolment_order(shop, tmp_path, spare_database):
    there = other_store(tmp_path, shop, spare_database)
    shop("migrate", "--to", target_of(there), "--yes")
    cards = [m["card"] for m in shop.json("member", "list")]
    assert [m["card"] for m in there.json("member", "list")] == cards


def test_migrate_never_changes_the_source(shop, tmp_path, spare_database):
    before = shop.snapshot()
    there = other_store(tmp_path, shop, spare_database)
    shop("migrate", "--to", target_of(there), "--yes")
    assert shop.snapshot() == before


def test_the_copy_goes_on_where_the_source_stopped(shop, tmp_path, spare_database):
    there = other_store(tmp_path, shop, spare_database)
    shop("migrate", "--to", target_of(there), "--yes")
    card = shop.json("member", "list", "--limit", "1")[0]["card"]
    there("purchase", card, "10", "--receipt", "AFTER-MOVE")
    there("purchase", card, "10", "--receipt", "TODAY-1", expect=1)  # a receipt of the source
    assert there.json("verify")["ok"] is True


def test_migrate_json_says_what_was_copied_and_that_it_verified(shop, tmp_path, spare_database):
    there = other_store(tmp_path, shop, spare_database)
    result = shop.json("migrate", "--to", target_of(there), "--yes")
    assert result["copied"] is True and result["verified"] is True and result["problems"] == []
    assert result["members"] == 50
    assert (result["plans"], result["draws"], result["partners"], result["rewards"]) == (1, 1, 1, 2)
    assert result["entries"] == len(stored_ledger(shop))


def test_migrate_without_yes_says_what_would_be_copied_and_writes_nothing(shop, tmp_path, spare_database):
    there = other_store(tmp_path, shop, spare_database)
    before = shop.snapshot()
    result = shop("migrate", "--to", target_of(there))
    assert "holds 50 members and" in result.stdout and "Nothing was copied" in result.stdout
    assert "add --yes" in result.stderr
    assert shop.snapshot() == before
    assert there.snapshot() == {"files": {}, "rows": {}}


def test_migrate_into_a_store_that_holds_a_programme_is_refused_and_writes_nothing(
    shop, tmp_path, spare_database
):
    there = other_store(tmp_path, shop, spare_database)
    there("init", "--name", "Another shop")
    before, source_before = there.snapshot(), shop.snapshot()
    result = shop("migrate", "--to", target_of(there), "--yes", expect=1)
    assert "already holds a loyalty programme" in result.stderr and result.stderr.count("\n") == 1
    assert there.snapshot() == before
    assert shop.snapshot() == source_before


def test_migrate_into_a_folder_with_data_files_left_in_it_is_refused(shop, tmp_path):
    leftover = tmp_path / "old" / "ledger"
    leftover.mkdir(parents=True)
    (leftover / "2026-01-0.json").write_text('{"ledger":{}}')
    result = shop("migrate", "--to", tmp_path / "old", "--yes", expect=1)
    assert "already holds a loyalty programme" in result.stderr
    assert sorted(p.name for p in (tmp_path / "old").rglob("*")) == ["2026-01-0.json", "ledger"]


def test_migrate_from_a_store_without_a_programme_is_refused(empty_loyalty, tmp_path):
    result = empty_loyalty("migrate", "--to", tmp_path / "copy", "--yes", expect=1)
    assert "there is nothing to copy" in result.stderr
    assert not (tmp_path / "copy").exists()


def test_migrate_from_a_folder_named_with_from(shop, tmp_path):
    source = tmp_path / "first"
    shop("migrate", "--to", source, "--yes")
    result = shop.json("migrate", "--from", source, "--to", tmp_path / "second", "--yes")
    assert result["from"] == str(source) and result["verified"] is True
    assert outputs(Loyalty(tmp_path / "second")) == outputs(shop)


def test_migrate_needs_a_target(loyalty):
    assert "Missing option '--to'" in loyalty("migrate", expect=2).stderr


@pytest.mark.folder_only
def test_migrate_refuses_a_folder_of_an_older_version_rather_than_upgrade_it(loyalty, tmp_path):
    import re

    hot = loyalty.data_dir / "loyalty.json"
    hot.write_bytes(re.sub(rb'"schema":\d+', b'"schema":6', hot.read_bytes(), count=1))
    before = loyalty.snapshot()
    result = loyalty("migrate", "--to", tmp_path / "copy", "--yes", expect=1)
    assert "older version of loyalty" in result.stderr
    assert loyalty.snapshot() == before


@pytest.mark.folder_only
def test_migrate_into_a_folder_lays_the_ledger_out_as_the_folder_store_does(shop, tmp_path):
    shop("migrate", "--to", tmp_path / "copy", "--yes")
    names = sorted(p.name for p in (tmp_path / "copy" / "ledger").glob("*.json"))
    assert names and all(n[:7] < "2026-11" or n.startswith("2026-11") for n in names)
    assert (tmp_path / "copy" / "ledger" / "receipts").is_dir()
    Loyalty(tmp_path / "copy")("verify")


@pytest.mark.parametrize(
    ("lang", "nothing", "hint"),
    [
        ("lv", "Nekas netika nokopēts", "pievienojiet --yes"),
        ("ru", "Ничего не скопировано", "добавьте --yes"),
    ],
)
def test_migrate_speaks_the_operators_language(shop, tmp_path, lang, nothing, hint):
    result = shop("--lang", lang, "migrate", "--to", tmp_path / "copy")
    assert nothing in result.stdout and hint in result.stderr
