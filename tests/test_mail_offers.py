"""An offer's bonus points: an `offer` entry credited when the letter is recorded as sent,
once per member, lapsing at the end of the month of --valid-until; every part of the
programme reads the new kind."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from loyalty_cli.clock import Clock
from loyalty_cli.mail import offers

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def offered(loyalty, tmp_path):
    """Ieva (lv, consent, e-mail, no purchases) and the offer `winter` of 100 points until 15
    December, with a Latvian template beside the main one."""
    card = loyalty.enroll("Ieva Kalniņa", "--email", "ieva@example.lv", "--consent", "--language", "lv")
    template = tmp_path / "winter.txt"
    template.write_text("Subject: {bonus} for you\n\n{bonus}, valid until {valid_until}.\n", encoding="utf-8")
    (tmp_path / "winter.lv.txt").write_text(
        "Subject: {bonus} jums\n\n{bonus}, derīgi līdz {valid_until}.\n", encoding="utf-8"
    )
    campaign = offers.offer(
        loyalty.store().read().programme(),
        template=template,
        segment="no purchases",
        bonus=100,
        valid_until=date(2026, 12, 15),
        day=date(2026, 11, 22),
        operator="tester",
    )
    return loyalty, card, campaign


def send(loyalty, campaign):
    """What the runner does in the transaction that records a letter as sent."""
    (letter,) = campaign.letters(loyalty.store().read())
    with loyalty.store().transaction() as shop:
        campaign.on_sent(shop, letter, Clock(NOW))
    return letter


def test_the_letter_tells_the_bonus_and_its_last_day_in_the_members_language(offered):
    loyalty, _card, campaign = offered
    (letter,) = campaign.letters(loyalty.store().read())
    assert letter.subject == "100 punktu jums"
    # --valid-until 2026-12-15: the points lapse with December's lot, at the end of the month.
    assert "derīgi līdz 31.12.2026." in letter.text


def test_the_bonus_is_an_offer_entry_credited_when_the_letter_is_sent(offered):
    loyalty, card, campaign = offered
    assert loyalty.json("member", "show", card)["balance"] == 0  # composing credits nothing
    send(loyalty, campaign)
    (entry,) = [e for e in loyalty.json("export", "ledger") if e["kind"] == "offer"]
    assert entry["card"] == card
    assert entry["points"] == 100
    assert entry["receipt"] == f"offer:winter:{card}"
    shown = loyalty.json("member", "show", card)
    assert shown["balance"] == 100
    assert shown["next_expiry"] == {"month": "2026-12", "points": 100}


def test_a_second_sent_record_never_credits_twice(offered):
    loyalty, card, campaign = offered
    send(loyalty, campaign)
    send(loyalty, campaign)
    assert loyalty.json("member", "show", card)["balance"] == 100


def test_the_bonus_lapses_at_the_end_of_the_month_of_its_last_day_whatever_expiry_months_says(offered):
    loyalty, card, campaign = offered
    loyalty("program", "set", "expiry.months", "0")  # the shop's own points never lapse
    send(loyalty, campaign)
    loyalty("maintain", now="2026-12-31T12:00:00+00:00")
    assert loyalty.json("member", "show", card, now="2026-12-31T12:00:00+00:00")["balance"] == 100
    loyalty("maintain", now="2027-01-01T12:00:00+00:00")
    assert loyalty.json("member", "show", card, now="2027-01-01T12:00:00+00:00")["balance"] == 0


def test_verify_and_the_statement_and_the_reports_know_the_offer_kind(offered):
    loyalty, card, campaign = offered
    send(loyalty, campaign)
    assert loyalty.json("verify")["ok"] is True
    statement = loyalty("statement", card, "--lang", "en").stdout
    assert "Offer: winter" in statement
    assert loyalty.json("report", "summary")["points_issued"] == 100
