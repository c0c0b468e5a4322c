"""Card moves: a new card for a lost one, and two records of one customer merged."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def anna(loyalty) -> str:
    """Anna with a January purchase (lot 2027-01), a November one (lot 2027-11) and a referral."""
    card = loyalty.enroll("Anna Bērziņa", "--phone", "29123456", "--at", "2025-12-01T10:00:00+00:00")
    loyalty("purchase", card, "50", "--receipt", "R-JAN", "--at", "2026-01-15T10:00:00+00:00")
    loyalty("purchase", card, "20", "--receipt", "R-NOV")
    return card


def replace(loyalty, card: str, *args: str) -> dict:
    return loyalty.json("member", "replace-card", card, *args)


def test_replaced_card_carries_everything_over_and_verify_passes(loyalty, anna):
    before = loyalty.json("member", "show", anna)
    done = replace(loyalty, anna, "--reason", "lost")
    after = loyalty.json("member", "show", done["new_card"])
    assert (done["old_card"], done["balance"]) == (anna, 70)
    for key in ("balance", "lots", "tier", "spend_12m", "purchases", "name", "phone", "enrolled_at"):
        assert after[key] == before[key], key
    assert loyalty("verify").exit_code == 0


def test_replace_card_takes_the_given_card_number(loyalty, anna):
    done = replace(loyalty, anna, "--card", "4000 1234 5678")
    assert done["new_card"] == "400012345678"
    assert loyalty.json("member", "show", "4000-1234-5678")["balance"] == 70


def test_replace_card_refuses_a_card_already_taken_and_writes_nothing(loyalty, anna):
    other = loyalty.enroll("Jānis Ozols")
    before = loyalty.snapshot()
    result = loyalty("member", "replace-card", anna, "--card", other, expect=1)
    assert "already taken" in result.stderr
    assert loyalty.snapshot() == before


def test_a_replaced_card_number_is_never_handed_out_again(loyalty, anna):
    replace(loyalty, anna)
    result = loyalty("enroll", "Jānis Ozols", "--card", anna, expect=1)
    assert "taken" in result.stderr


def test_purchase_on_a_replaced_card_is_refused_naming_the_new_card_and_writes_nothing(loyalty, anna):
    new = replace(loyalty, anna)["new_card"]
    before = loyalty.snapshot()
    result = loyalty("purchase", anna, "10", expect=1)
    assert new in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert loyalty.snapshot() == before


@pytest.mark.parametrize(
    "command",
    [
        ("redeem", "{old}", "10"),
        ("adjust", "{old}", "5", "--reason", "x"),
        ("enroll", "Jānis", "--referred-by", "{old}"),
    ],
    ids=["redeem", "adjust", "enroll-referral"],
)
def test_writes_on_a_replaced_card_are_refused_naming_the_new_card(loyalty, anna, command):
    new = replace(loyalty, anna)["new_card"]
    before = loyalty.snapshot()
    result = loyalty(*(part.format(old=anna) for part in command), expect=1)
    assert new in result.stderr
    assert loyalty.snapshot() == before


def test_showing_a_replaced_card_names_the_card_it_went_to(loyalty, anna):
    new = replace(loyalty, anna)["new_card"]
    assert new in loyalty("member", "show", anna, expect=1).stderr


def test_statement_of_the_new_card_shows_the_old_cards_history(loyalty, anna):
    new = replace(loyalty, anna)["new_card"]
    statement = loyalty.json("statement", new, "--from", "2026-01-01", "--format", "json")
    receipts = [entry["receipt"] for entry in statement["entries"]]
    assert receipts[:2] == ["R-JAN", "R-NOV"]
    assert statement["closing_balance"] == 70


def test_members_referred_by_the_old_card_name_the_new_one(loyalty, anna):
    friend = loyalty.enroll("Jānis Ozols", "--referred-by", anna)
    new = replace(loyalty, anna)["new_card"]
    assert loyalty.json("member", "show", friend)["referred_by"] == new


def test_referral_bonus_after_a_replacement_goes_to_the_new_card(loyalty, anna):
    loyalty("program", "set", "bonus.referral", "15")
    friend = loyalty.enroll("Jānis Ozols", "--referred-by", anna)
    new = replace(loyalty, anna)["new_card"]
    loyalty("purchase", friend, "10")
    assert loyalty.json("member", "show", new)["balance"] == 85
    assert loyalty("verify").exit_code == 0


def test_refund_of_a_purchase_on_the_replaced_card_is_taken_from_the_new_card(loyalty, anna):
    new = replace(loyalty, anna)["new_card"]
    refund = loyalty.json("refund", "R-JAN")
    assert refund["card"] == new
    assert loyalty.json("member", "show", new)["balance"] == 20
    assert loyalty("verify").exit_code == 0


def test_a_card_replaced_twice_leads_to_the_newest_card(loyalty, anna):
    second = replace(loyalty, anna)["new_card"]
    third = replace(loyalty, second)["new_card"]
    assert third in loyalty("purchase", anna, "5", expect=1).stderr
    statement = loyalty.json("statement", third, "--from", "2026-01-01", "--format", "json")
    assert statement["closing_balance"] == 70
    assert loyalty("verify").exit_code == 0


def test_verify_reports_points_written_on_a_card_after_it_moved(loyalty, anna):
    replace(loyalty, anna)
    _write_on_card(loyalty, anna, points=5)
    result = loyalty("verify", expect=3)
    assert f"written on card {anna} after it moved" in result.stdout + result.stderr


def test_draw_counts_the_tickets_of_a_replaced_card_for_the_new_card(loyalty, anna):
    loyalty("purchase", anna, "5", "--at", "2026-10-05T10:00:00+00:00")
    new = replace(loyalty, anna)["new_card"]
    loyalty("purchase", new, "5", "--at", "2026-10-20T10:00:00+00:00")
    loyalty("draw", "run", "oct", "--month", "2026-10", "--prize", "Cake")
    draw = loyalty.json("draw", "show", "oct", "--entrants")
    assert draw["entrant_list"] == [[new, 2]]
    assert loyalty("draw", "verify", "oct").exit_code == 0


# merge ---------------------------------------------------------------------------------------


@pytest.fixture
def twin(loyalty) -> str:
    """A second record of Anna: a purchase in March (lot 2027-03) and one in November."""
    card = loyalty.enroll("Anna Berzina", "--email", "anna@example.lv", "--at", "2025-12-01T10:00:00+00:00")
    loyalty("purchase", card, "30", "--receipt", "T-MAR", "--at", "2026-03-10T10:00:00+00:00")
    loyalty("purchase", card, "7", "--receipt", "T-NOV")
    return card


def merge(loyalty, keep: str, other: str) -> dict:
    return loyalty.json("member", "merge", keep, other, "--yes")


def test_merge_keeps_the_expiry_months_of_the_lots_it_moves(loyalty, anna, twin):
    done = merge(loyalty, anna, twin)
    assert (done["card"], done["merged"], done["balance"]) == (anna, twin, 107)
    lots = loyalty.json("member", "show", anna)["lots"]
    assert lots == {"2027-01": 50, "2027-03": 30, "2027-11": 27}


def test_merge_moves_spend_and_purchases_and_verify_passes(loyalty, anna, twin):
    merge(loyalty, anna, twin)
    kept = loyalty.json("member", "show", anna)
    assert (kept["spend_12m"], kept["purchases"]) == ("107.00", 4)
    assert loyalty("verify").exit_code == 0


def test_merge_closes_the_other_record_with_nothing_left_on_it(loyalty, anna, twin):
    merge(loyalty, anna, twin)
    other = loyalty.json("member", "show", twin)
    assert (other["status"], other["balance"], other["lots"], other["merged_into"]) == ("closed", 0, {}, anna)


def test_statement_of_the_kept_card_shows_the_merged_history(loyalty, anna, twin):
    merge(loyalty, anna, twin)
    statement = loyalty.json("statement", anna, "--from", "2026-01-01", "--format", "json")
    assert {"R-JAN", "T-MAR", "T-NOV"} <= {entry["receipt"] for entry in statement["entries"]}


def test_writes_on_a_merged_record_are_refused_naming_the_kept_card(loyalty, anna, twin):
    merge(loyalty, anna, twin)
    before = loyalty.snapshot()
    for command in (("purchase", twin, "10"), ("adjust", twin, "5", "--reason", "x")):
        assert anna in loyalty(*command, expect=1).stderr
    assert loyalty.snapshot() == before


def test_merge_without_yes_is_refused_and_writes_nothing(loyalty, anna, twin):
    before = loyalty.snapshot()
    assert "--yes" in loyalty("member", "merge", anna, twin, expect=1).stderr
    assert loyalty.snapshot() == before


def test_merging_a_member_with_itself_is_refused(loyalty, anna):
    before = loyalty.snapshot()
    loyalty("member", "merge", anna, "29123456", "--yes", expect=2)
    assert loyalty.snapshot() == before


def test_merge_gives_the_kept_member_the_higher_tier(loyalty, anna, twin):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:100:1.25")
    merge(loyalty, anna, twin)
    assert loyalty.json("member", "show", anna)["tier"] == "Silver"


def test_merging_two_imported_records_with_only_opening_spend_moves_the_kept_one_up(loyalty, tmp_path):
    loyalty("program", "set", "tiers", "Bronze:0:1,Silver:500:1.25,Gold:1000:1.5")
    source = tmp_path / "klienti.csv"
    source.write_text("name,card,spend_12m\nAnna,5005,600\nAnna B,6006,500\n", encoding="utf-8")
    loyalty("import", "members", source)
    merge(loyalty, "5005", "6006")
    assert loyalty.json("member", "show", "5005")["tier"] == "Gold"
    assert loyalty.json("verify")["ok"] is True


def _write_on_card(loyalty, card: str, *, points: int) -> None:
    """Append an entry on any card, the way a hand edit or a bug would."""
    with loyalty.store().transaction() as shop:
        shop.ledger.append(
            card=card,
            at="2026-11-22T12:00:00+00:00",
            operator="x",
            kind="adjust",
            points=points,
            lots={"2027-11": points},
        )


def test_member_export_includes_the_history_of_earlier_cards(loyalty, anna):
    new = replace(loyalty, anna)["new_card"]
    exported = json.loads(loyalty("member", "export", new).stdout)
    assert {"R-JAN", "R-NOV"} <= {entry.get("receipt") for entry in exported["entries"]}


def test_a_draw_held_before_a_replacement_still_verifies(loyalty, anna):
    loyalty("purchase", anna, "5", "--at", "2026-10-05T10:00:00+00:00")
    loyalty("draw", "run", "oct", "--month", "2026-10", "--prize", "Cake")
    replace(loyalty, anna)
    assert loyalty("draw", "verify", "oct").exit_code == 0


def test_the_export_of_a_new_card_lists_the_draws_won_with_the_old_one(loyalty, anna):
    loyalty("purchase", anna, "5", "--at", "2026-10-05T10:00:00+00:00")
    loyalty("draw", "run", "oct", "--month", "2026-10", "--prize", "Cake")
    new = replace(loyalty, anna)["new_card"]
    exported = json.loads(loyalty("member", "export", new).stdout)
    assert [(d["name"], d["won"]) for d in exported["draws"]] == [("oct", True)]


def test_a_purchase_file_imported_again_after_a_replacement_skips_the_purchases_it_recorded(
    loyalty, anna, tmp_path
):
    till = tmp_path / "till.csv"
    till.write_text(
        f"card,amount,receipt,at\n{anna},10.00,IMP-1,2026-11-20T10:00:00+00:00\n", encoding="utf-8"
    )
    loyalty("import", "purchases", till)
    replace(loyalty, anna)
    again = loyalty.json("import", "purchases", till)
    assert (again["imported"], again["skipped"], again["rejected"]) == (0, 1, 0)


def test_import_of_a_purchase_on_a_replaced_card_is_rejected_naming_the_new_card(loyalty, anna, tmp_path):
    new = replace(loyalty, anna)["new_card"]
    till = tmp_path / "till.csv"
    till.write_text(
        f"card,amount,receipt,at\n{anna},10.00,IMP-1,2026-11-20T10:00:00+00:00\n", encoding="utf-8"
    )
    rejects = tmp_path / "rejects.csv"
    loyalty("import", "purchases", till, "--rejects", rejects, expect=None)
    assert new in rejects.read_text(encoding="utf-8")
    assert loyalty.json("member", "show", new)["balance"] == 70


def test_erasing_a_member_scrubs_backups_that_hold_them_under_the_old_card(loyalty):
    card = loyalty.enroll("Zelma Unikāla", "--phone", "29555111")
    loyalty("purchase", card, "10")
    new = replace(loyalty, card)["new_card"]
    loyalty("member", "erase", new, "--yes")
    holding = [name for name, data in loyalty.snapshot().items() if b"Unik" in data]
    assert holding == []


def test_reports_count_a_member_once_across_a_replaced_card(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "10")
    new = replace(loyalty, card)["new_card"]
    loyalty("purchase", new, "10")
    assert loyalty.json("report", "summary")["repeat_purchase_rate"] == 1.0
    segments = {m["card"]: m for m in loyalty.json("report", "segments")["members"]}
    assert (segments[new]["frequency"], segments[new]["monetary"]) == (2, "20.00")


def test_a_recent_winner_with_a_new_card_is_still_excluded(loyalty, anna):
    other = loyalty.enroll("Jānis Ozols", "--at", "2025-12-01T10:00:00+00:00")
    loyalty("purchase", anna, "5", "--at", "2026-09-05T10:00:00+00:00")
    assert loyalty.json("draw", "run", "sep", "--month", "2026-09", "--prize", "Cake")["winners"] == [anna]
    new = replace(loyalty, anna)["new_card"]
    for card in (new, other):
        loyalty("purchase", card, "5", "--at", "2026-10-05T10:00:00+00:00")
    loyalty("draw", "run", "oct", "--month", "2026-10", "--prize", "Cake", "--exclude-winners-days", "90")
    entrants = loyalty.json("draw", "show", "oct", "--entrants")["entrant_list"]
    assert [card for card, _tickets in entrants] == [other]


def test_merge_gives_the_kept_record_the_phone_it_lacked(loyalty):
    keep = loyalty.enroll("Anna Berzina")
    other = loyalty.enroll("Anna B.", "--phone", "29777777")
    merge(loyalty, keep, other)
    assert loyalty.json("member", "show", "29777777")["card"] == keep
    loyalty("purchase", "29777777", "10")
    assert loyalty("verify").exit_code == 0


def test_a_merged_record_can_still_be_erased(loyalty, anna, twin):
    merge(loyalty, anna, twin)
    loyalty("member", "erase", twin, "--yes")
    assert loyalty("verify").exit_code == 0


def test_member_show_lists_the_earlier_cards(loyalty, anna):
    new = replace(loyalty, anna)["new_card"]
    line = next(
        x for x in loyalty("member", "show", new).stdout.splitlines() if x.startswith("Earlier cards")
    )
    assert anna in line


def test_a_statement_of_the_new_card_counts_the_spend_made_on_the_old_one(loyalty, anna):
    done = replace(loyalty, anna, "--reason", "lost")
    statement = loyalty.json("statement", done["new_card"], "--format", "json")
    shown = loyalty.json("member", "show", done["new_card"])
    assert shown["spend_12m"] == "70.00"
    assert "spend over 12 months €70.00" in loyalty("statement", done["new_card"]).stdout
    assert statement["closing_balance"] == 70


def test_a_replacement_reason_with_a_control_character_is_refused_and_writes_nothing(loyalty, anna):
    before = loyalty.snapshot()
    result = loyalty("member", "replace-card", anna, "--reason", "lost\x1b[2J", expect=2)
    assert "reason" in result.stderr and "control characters" in result.stderr
    assert loyalty.snapshot() == before


def test_the_ledger_export_names_the_card_a_card_moved_to(loyalty, anna):
    new = replace(loyalty, anna)["new_card"]
    exported = loyalty("export", "ledger", "--csv").stdout
    header, *rows = exported.splitlines()
    moved = [dict(zip(header.split(","), row.split(","), strict=False)) for row in rows if ",replace," in row]
    assert [(m["card"], m["to_card"]) for m in moved] == [(anna, new)]


def test_a_redemption_cannot_be_dated_before_the_merge_it_follows(loyalty):
    keep = loyalty.enroll("Anna", "--at", "2025-12-01T10:00:00+00:00")
    loyalty("purchase", keep, "50", "--at", "2026-01-15T10:00:00+00:00")
    other = loyalty.enroll("Anna B", "--at", "2025-12-01T10:00:00+00:00")
    loyalty("purchase", other, "30", "--at", "2026-03-10T10:00:00+00:00")
    merge(loyalty, keep, other)
    before = loyalty.snapshot()
    result = loyalty("redeem", keep, "60", "--at", "2026-06-01T10:00:00+00:00", expect=1)
    assert "cannot be dated before" in result.stderr
    assert loyalty.snapshot() == before


def test_a_birthday_bonus_given_on_the_merged_record_is_not_given_again_that_year(loyalty):
    loyalty("program", "set", "bonus.birthday", "20")
    keep = loyalty.enroll("Anna", "--birthday", "1990-11-23", "--at", "2025-12-01T10:00:00+00:00")
    other = loyalty.enroll("Anna B", "--birthday", "1990-03-05", "--at", "2025-12-01T10:00:00+00:00")
    loyalty("birthdays", "--as-of", "2026-03-05")
    merge(loyalty, keep, other)
    loyalty("birthdays", now="2026-11-23T12:00:00+00:00")
    assert loyalty.json("member", "show", keep)["balance"] == 20


def _blocked_and_unblocked_twin(loyalty) -> tuple[str, str]:
    """Anna, and a second record of hers with a birthday on 21 November that was blocked once."""
    loyalty("program", "set", "bonus.birthday", "20")
    keep = loyalty.enroll("Anna", "--birthday", "1990-04-02", "--at", "2025-12-01T10:00:00+00:00")
    other = loyalty.enroll("Anna B", "--birthday", "1990-11-21", "--at", "2025-12-01T10:00:00+00:00")
    loyalty("member", "block", other, now="2026-06-01T10:00:00+00:00")
    loyalty("member", "unblock", other, now="2026-06-02T10:00:00+00:00")
    return keep, other


def test_a_record_closed_by_a_merge_records_the_closure_and_gets_no_birthday_bonus(loyalty):
    keep, other = _blocked_and_unblocked_twin(loyalty)
    merge(loyalty, keep, other)
    stored = loyalty.store().read().members.get(other)
    assert stored["status_changes"][-1] == ["2026-11-22T12:00:00+00:00", "closed"]
    loyalty("birthdays", "--as-of", "2027-11-21", now="2027-11-21T12:00:00+00:00")
    assert [loyalty.json("member", "show", c)["balance"] for c in (keep, other)] == [0, 0]


def test_a_birthday_catch_up_over_a_day_before_a_merge_passes_over_the_merged_record(loyalty):
    keep, other = _blocked_and_unblocked_twin(loyalty)
    merge(loyalty, keep, other)
    loyalty("birthdays", "--as-of", "2026-11-21")
    assert [loyalty.json("member", "show", c)["balance"] for c in (keep, other)] == [0, 0]
    assert loyalty("verify").exit_code == 0


def test_a_refund_after_a_replacement_never_takes_back_points_that_expired_on_the_new_card(loyalty):
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna", "--at", "2026-09-01T10:00:00+00:00")
    loyalty("purchase", card, "40", "--receipt", "SEP", "--at", "2026-09-10T10:00:00+00:00")
    new = replace(loyalty, card)["new_card"]
    loyalty("expire", "--as-of", "2026-11-22")
    loyalty("purchase", new, "25", "--receipt", "NOV", now="2026-11-22T13:00:00+00:00")
    refund = loyalty.json("refund", "SEP", now="2026-11-22T14:00:00+00:00")
    assert refund["points_taken"] == 0
    assert loyalty.json("member", "show", new)["balance"] == 25


def test_active_members_count_a_member_once_across_a_replaced_card(loyalty):
    card = loyalty.enroll("Anna")
    loyalty("purchase", card, "10")
    new = replace(loyalty, card)["new_card"]
    loyalty("purchase", new, "10")
    assert loyalty.json("report", "summary")["active_members"] == 1


def test_expiring_as_of_a_day_before_the_replacement_counts_what_the_old_card_held_then(loyalty, anna):
    new = replace(loyalty, anna)["new_card"]
    report = loyalty("report", "expiring", "--as-of", "2026-01-10", "--within", "400", "--json").stdout
    assert new not in report


def test_enrolling_with_a_merged_record_as_referrer_is_refused_naming_the_kept_card(loyalty, anna, twin):
    merge(loyalty, anna, twin)
    before = loyalty.snapshot()
    assert anna in loyalty("enroll", "Jānis", "--referred-by", twin, expect=1).stderr
    assert loyalty.snapshot() == before


def test_a_member_export_imported_back_after_a_merge_imports_nobody(loyalty, anna, twin, tmp_path):
    merge(loyalty, anna, twin)
    exported = tmp_path / "members.csv"
    loyalty("export", "members", "--output", exported)
    result = loyalty.json("import", "members", exported)
    assert (result["imported"], result["rejected"]) == (0, 0)
