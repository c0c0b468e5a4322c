"""Members are stored as compact rows: the rows give back exactly the documents stored."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from inspection import edit_member

from loyalty_cli.storage.folder import member_rows
from loyalty_cli.storage.folder.store import Store

pytestmark = pytest.mark.folder_only  # the member rows of the hot file

months = st.sampled_from(["2025-11", "2025-12", "2026-01", "2026-02", "2027-10"])
days = st.sampled_from(["2025-11-01", "2025-11-30", "2025-12-24", "2026-01-05", "2026-01-06", "2027-10-31"])
texts = st.one_of(st.none(), st.text(max_size=20))
documents = st.fixed_dictionaries(
    {
        "card": st.text(alphabet="0123456789", min_size=4, max_size=12),
        "name": texts,
        "phone": texts,
        "email": texts,
        "birthday": texts,
        "consent": st.booleans(),
        "status": st.sampled_from(["active", "blocked", "closed"]),
        "tier": texts,
        "enrolled_at": st.text(max_size=25),
        "referred_by": texts,
        "points": st.fixed_dictionaries(
            {
                "balance": st.integers(-(10**6), 10**6),
                "lots": st.dictionaries(
                    st.one_of(months, st.sampled_from(["never", "debt"])), st.integers(-999, 999)
                ),
                "spend": st.dictionaries(
                    st.one_of(days, months, st.text(max_size=12)),
                    st.one_of(st.decimals(-999, 9999, places=2).map(str), st.text(max_size=8)),
                ),
                "purchases": st.integers(0, 10**5),
                "last_purchase": texts,
            }
        ),
    },
    optional={"status_reason": texts, "erased_at": texts, "birthday_bonus_year": st.integers(1900, 2999)},
)


def _document_with_spend(spend: dict) -> dict:
    points = {"balance": 0, "lots": {}, "spend": spend, "purchases": 0, "last_purchase": None}
    return {**dict.fromkeys(member_rows.DETAILS), "points": points}


@given(documents)
@example(_document_with_spend({"a=b": "1"}))
@example(_document_with_spend({"2026-01-05": "2=3"}))
@example(_document_with_spend({"2026-01-05": "1.00", "2026-02-01": "2.00", "2026-01-06": "3.00"}))
def test_a_row_gives_back_the_document_it_was_made_from(doc):
    row = json.loads(json.dumps(member_rows.to_row(doc)))
    assert member_rows.from_row(row) == doc


@given(st.lists(st.integers(1000, 1060), unique=True, max_size=40), st.data())
def test_stored_rows_replace_and_add_rows_and_keep_the_others_byte_for_byte(numbers, data):
    rows = [[str(n), f"Member {n}", None] for n in numbers]
    stored = member_rows.StoredRows.of(rows)
    changed_numbers = data.draw(st.lists(st.sampled_from(numbers), unique=True) if numbers else st.just([]))
    changed = {str(n): [str(n), f"Changed {n}", "+371"] for n in changed_numbers}
    added = [[str(n), "New", None] for n in range(2000, 2000 + data.draw(st.integers(0, 3)))]
    after = stored.with_changes(changed, added)
    expected = [changed.get(row[0], row) for row in rows] + added
    assert json.loads(bytes(after.json())) == expected
    assert len(after) == len(expected)
    for row in expected:
        assert after.find(row[0]) == row
    unchanged = [row for row in rows if row[0] not in changed]
    for row in unchanged:
        assert json.dumps(row, separators=(",", ":")).encode() in after.buffer


def test_a_member_is_one_flat_row_in_the_hot_file(loyalty):
    card = loyalty.enroll("Anna", "--phone", "29123456")
    loyalty("purchase", card, "12.30", "--receipt", "R1")
    stored = json.loads(Store(loyalty.data_dir).hot_path.read_text())["members"]
    now = "2026-11-22T12:00:00+00:00"
    details = [card, "Anna", "+37129123456", None, None, False, "active", None, now, None]
    # The member's language (the programme's: English) has a column of its own.
    assert stored == [[*details, 12, "2027-11:12", "2026-11:22=12.30", 1, now, None, "en"]]


def test_each_member_row_is_a_line_of_the_hot_file(loyalty):
    cards = [loyalty.enroll(name) for name in ("Anna", 'Jānis \\ "Jo"', "Ilze")]
    lines = Store(loyalty.data_dir).hot_path.read_bytes().split(b"\n")
    assert lines[-1] == b"]}" and lines[0].endswith(b'"members":[')
    assert [json.loads(line.rstrip(b","))[0] for line in lines[1:-1]] == cards


def test_everyday_commands_parse_only_their_member_s_row(loyalty, monkeypatch):
    card = loyalty.enroll("Anna", "--phone", "29123456")
    for name in ("Jānis", "Ilze", "Pēteris"):
        loyalty.enroll(name)
    loyalty("purchase", card, "20", "--receipt", "R1")

    def refuse(self):
        raise AssertionError("parsed every member")

    monkeypatch.setattr(member_rows.StoredRows, "rows", refuse)
    loyalty("purchase", "29123456", "10", "--receipt", "R2")
    loyalty("redeem", card, "5")
    assert loyalty.json("member", "show", "29123456")["balance"] == 25


def test_lots_edited_into_nonsense_are_reported_by_verify(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "10", "--receipt", "R1")
    hot = Store(loyalty.data_dir).hot_path
    document = json.loads(hot.read_text())
    document["members"][0][11] = "2027-11:ten"
    hot.write_text(json.dumps(document))
    assert f"member {card}: its points are not of the right shape" in loyalty("verify", expect=3).stdout


def test_a_member_edited_by_hand_through_the_row_is_caught(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "10", "--receipt", "R1")
    hot = Store(loyalty.data_dir).hot_path
    document = json.loads(hot.read_text())
    edit_member(document, lambda member: member["points"].update(purchases=7))
    hot.write_text(json.dumps(document))
    assert f"member {card}: stored purchases 7, ledger says 1" in loyalty("verify", expect=3).stdout


def test_an_import_of_many_members_indexes_them_instead_of_searching_row_by_row(
    loyalty, tmp_path, monkeypatch
):
    first = tmp_path / "first.csv"
    first.write_text(
        "name,phone\n" + "".join(f"Member {n},2900{n:04d}\n" for n in range(40)), encoding="utf-8"
    )
    loyalty("import", "members", first)
    searches = []
    real = member_rows.StoredRows.card_with_phone

    def counted(self, phone):
        searches.append(phone)
        return real(self, phone)

    monkeypatch.setattr(member_rows.StoredRows, "card_with_phone", counted)
    more = tmp_path / "more.csv"
    more.write_text(
        "name,phone\n" + "".join(f"Member {n},2900{n:04d}\n" for n in range(80)), encoding="utf-8"
    )
    result = loyalty.json("import", "members", more)
    assert (result["imported"], result["skipped"]) == (40, 40)
    assert len(searches) <= member_rows.StoredRows.LOOKUPS_BEFORE_INDEX


def test_a_hot_file_in_another_layout_is_read_whole_and_laid_out_again_by_the_next_write(loyalty):
    card = loyalty.enroll("Anna", "--phone", "29123456")
    hot = Store(loyalty.data_dir).hot_path
    hot.write_text(json.dumps(json.loads(hot.read_text()), indent=1))  # as an editor might save it
    assert loyalty.json("member", "show", "29123456")["card"] == card
    loyalty("purchase", card, "5")
    lines = hot.read_bytes().split(b"\n")
    assert len(lines) == 3 and json.loads(lines[1])[0] == card
    assert loyalty.json("verify")["ok"] is True
