"""Back-dated writes (`--at`): valid as of their date, never rewriting what later entries did."""

from __future__ import annotations


def _member_with_may_purchase(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "100", "--receipt", "R1", "--at", "2026-05-10")
    return card


def test_a_purchase_dated_before_enrolment_is_refused_and_writes_nothing(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-03-01")
    before = loyalty.snapshot()
    result = loyalty("purchase", card, "10", "--at", "2026-02-28", expect=1)
    assert "enrolled on 2026-03-01" in result.stderr
    assert result.stderr.count("\n") == 1
    assert loyalty.snapshot() == before


def test_an_import_rejects_a_purchase_dated_before_enrolment_with_the_reason(loyalty, tmp_path):
    card = loyalty.enroll("Anna", "--at", "2026-03-01")
    source = tmp_path / "till.csv"
    source.write_text(
        f"card,amount,receipt,at\n{card},10.00,A1,2026-02-20T10:00\n{card},5.00,A2,2026-03-02T10:00\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"
    result = loyalty.json("import", "purchases", source, "--rejects", rejects, expect=None)
    assert (result["imported"], result["rejected"]) == (1, 1)
    assert "enrolled on 2026-03-01" in rejects.read_text(encoding="utf-8")
    assert loyalty.json("member", "show", card)["balance"] == 5


def test_a_redemption_dated_before_the_members_latest_entry_is_refused_and_writes_nothing(loyalty):
    card = _member_with_may_purchase(loyalty)
    before = loyalty.snapshot()
    result = loyalty("redeem", card, "50", "--at", "2026-03-01", expect=1)
    assert "has an entry dated 2026-05-10" in result.stderr
    assert loyalty.snapshot() == before


def test_a_removal_of_points_dated_before_they_existed_is_refused_and_writes_nothing(loyalty):
    card = _member_with_may_purchase(loyalty)
    before = loyalty.snapshot()
    loyalty("adjust", card, "-50", "--reason", "fix", "--at", "2026-03-01", expect=1)
    assert loyalty.snapshot() == before


def test_an_adjustment_dated_before_enrolment_is_refused(loyalty):
    card = loyalty.enroll("Anna", "--at", "2026-03-01")
    before = loyalty.snapshot()
    result = loyalty("adjust", card, "50", "--reason", "gift", "--at", "2026-02-01", expect=1)
    assert "enrolled on 2026-03-01" in result.stderr
    assert loyalty.snapshot() == before


def test_a_refund_back_dated_past_an_expiry_run_is_refused_and_writes_nothing(loyalty):
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna", "--at", "2026-01-01")
    loyalty("purchase", card, "100", "--receipt", "JAN", "--at", "2026-01-10")
    loyalty("expire", "--as-of", "2026-03-01")
    loyalty("purchase", card, "50", "--receipt", "MAY", "--at", "2026-05-10")
    before = loyalty.snapshot()
    result = loyalty("refund", "JAN", "--at", "2026-02-15", expect=1)
    assert "cannot be dated before" in result.stderr
    assert loyalty.snapshot() == before
    assert loyalty.json("member", "show", card)["lots"] == {"2026-06": 50}


def test_a_redemption_dated_at_or_after_the_latest_entry_is_accepted(loyalty):
    card = _member_with_may_purchase(loyalty)
    assert loyalty.json("redeem", card, "30", "--at", "2026-05-10")["balance"] == 70
    assert loyalty.json("redeem", card, "30", "--at", "2026-06-01")["balance"] == 40
    loyalty("verify")


def test_a_referral_bonus_is_never_dated_before_the_referrers_enrolment(loyalty):
    loyalty("program", "set", "bonus.referral", "100")
    referrer = loyalty.enroll("Anna", "--at", "2026-05-01")
    friend = loyalty.enroll("Ilze", "--referred-by", referrer, "--at", "2026-03-01")
    loyalty("purchase", friend, "10", "--at", "2026-04-01")
    history = loyalty.json("statement", referrer, "--from", "2026-01-01", "--format", "json")
    assert [e["at"][:10] for e in history["entries"]] == ["2026-05-01"]
