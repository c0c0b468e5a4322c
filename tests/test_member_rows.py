"""Members are stored as compact rows: the rows give back exactly the documents stored."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from inspection import edit_member

from loyalty_cli import member_rows
from loyalty_cli.store import Store

months = st.sampled_from(["2025-11", "2025-12", "2026-01", "2026-02", "2027-10"])
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
                "spend": st.dictionaries(months, st.decimals(-999, 9999, places=2).map(str)),
                "purchases": st.integers(0, 10**5),
                "last_purchase": texts,
            }
        ),
    },
    optional={"status_reason": texts, "erased_at": texts, "birthday_bonus_year": st.integers(1900, 2999)},
)


@given(documents)
def test_a_row_gives_back_the_document_it_was_made_from(doc):
    row = json.loads(json.dumps(member_rows.to_row(doc)))
    assert member_rows.from_row(row) == doc


def test_a_member_is_one_flat_row_in_the_hot_file(loyalty):
    card = loyalty.enroll("Anna", "--phone", "29123456")
    loyalty("purchase", card, "12.30", "--receipt", "R1")
    stored = json.loads(Store(loyalty.data_dir).hot_path.read_text())["members"]
    assert stored == [
        [
            *[card, "Anna", "+37129123456", None, None, False, "active", None],
            *["2026-11-22T12:00:00+00:00", None, 12, "2027-11:12", "2026-11:12.30", 1],
            *["2026-11-22T12:00:00+00:00", None],
        ]
    ]


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
