"""What a campaign must never do, whatever changes while it runs: write twice to one person
(under a card they held before), credit an offer twice or lose it, write to a member who
can no longer be mailed, or keep what an erasure removes. On both stores, through a real
local SMTP server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from mail_readers import enroll_readers

from loyalty_cli.clock import Clock
from loyalty_cli.errors import Busy
from loyalty_cli.mail import offers, sending, settings

TEMPLATE = "Subject: A gift, {first_name}\n\nDear {name}, {bonus} for you until {valid_until}.\n"


@pytest.fixture
def readers(loyalty, mail_room, tmp_path):
    """Anna and Boris (consent, e-mail) and Cilla (no consent); the server set; an offer template."""
    cards = enroll_readers(loyalty)
    loyalty("program", "set", "mail.server", mail_room.url())
    loyalty("program", "set", "mail.from", "Maiznīca Rīts <info@example.lv>")
    template = tmp_path / "gift.txt"
    template.write_text(TEMPLATE, encoding="utf-8")
    loyalty.template = str(template)
    return cards


def offer(loyalty, *args, expect=0):
    return loyalty.json(
        "mail", "offer", "--segment", "no purchases", "--template", loyalty.template,
        "--campaign", "gift", "--bonus-points", "100", "--valid-until", "2026-12-31", *args, expect=expect,
    )  # fmt: skip


def card_of(loyalty, name: str) -> str:
    (card,) = [m["card"] for m in loyalty.json("member", "list") if m["name"] == name]
    return card


def offer_points(loyalty) -> dict[str, int]:
    found: dict[str, int] = {}
    for entry in loyalty.json("export", "ledger"):
        if entry["kind"] == "offer":
            found[entry["card"]] = found.get(entry["card"], 0) + entry["points"]
    return found


def test_a_replaced_card_gets_no_second_letter_nor_a_second_bonus(loyalty, readers, mail_room):
    assert offer(loyalty)["sent"] == 2
    loyalty("member", "replace-card", readers["anna"])
    new_card = card_of(loyalty, "Anna Bērziņa")
    assert new_card != readers["anna"]
    again = offer(loyalty)
    assert (again["sent"], again["cards"]["skipped"].get(new_card)) == (0, "already sent")
    assert len(mail_room.received) == 2
    assert sum(offer_points(loyalty).values()) == 200
    loyalty("verify")


def test_a_member_who_withdrew_consent_or_was_erased_meanwhile_gets_nothing(loyalty, readers, mail_room):
    """The letters are composed first; the claim looks at each member again just before it."""
    store = loyalty.store()
    programme = store.read().programme()
    campaign = offers.offer(
        programme,
        template=Path(loyalty.template),
        segment="no purchases",
        bonus=100,
        valid_until=date(2026, 12, 31),
        day=date(2026, 11, 22),
        operator="tester",
        name="gift",
    )
    letters = campaign.letters

    def letters_then_changes(shop):
        yield from list(letters(shop))
        loyalty("member", "edit", readers["anna"], "--no-consent")  # a "STOP" reply, meanwhile
        loyalty("member", "erase", readers["boris"], "--yes")

    campaign.letters = letters_then_changes
    run = sending.send_campaign(store, campaign, settings.mail_settings(programme.settings), Clock.system())
    assert run.sent == [] and mail_room.received == []
    assert run.skipped[readers["anna"]] == "no consent"
    assert run.skipped[readers["boris"]] == "closed"
    assert loyalty.store().read().outbox.of("offer-gift") == {}
    assert offer_points(loyalty) == {}


def test_a_member_whose_address_changed_meanwhile_is_written_to_anew_by_the_next_run(
    loyalty, readers, mail_room, monkeypatch
):
    real_claim = sending._claim

    def claim_after_a_change(store, campaign_id, letter, seen, moment):
        if letter.card == readers["anna"]:
            loyalty("member", "edit", readers["anna"], "--email", "anna.new@example.lv")
        return real_claim(store, campaign_id, letter, seen, moment)

    monkeypatch.setattr(sending, "_claim", claim_after_a_change)
    first = offer(loyalty)
    assert first["cards"]["skipped"][readers["anna"]] == "e-mail changed"
    monkeypatch.setattr(sending, "_claim", real_claim)
    second = offer(loyalty)
    assert second["cards"]["sent"] == [readers["anna"]]
    assert sorted(r.to[0] for r in mail_room.received) == ["anna.new@example.lv", "boris@example.lv"]
    assert offer_points(loyalty) == {readers["anna"]: 100, readers["boris"]: 100}


def test_a_busy_store_when_the_letter_is_recorded_leaves_it_unsure_never_credited_twice(
    loyalty, readers, mail_room, monkeypatch
):
    real = sending._record_sent

    def busy(store, campaign, letter, clock, moment):
        if letter.card == readers["anna"]:
            raise Busy("another loyalty process is using the shop (waited 1 s)")
        return real(store, campaign, letter, clock, moment)

    monkeypatch.setattr(sending, "_record_sent", busy)
    result = offer(loyalty, expect=3)
    assert result["cards"]["unsure"] == [readers["anna"]]
    assert "another loyalty process" in result["stopped"]
    assert offer_points(loyalty) == {}  # the run stopped at Anna: Boris waits for the next run
    monkeypatch.setattr(sending, "_record_sent", real)
    again = offer(loyalty)
    assert again["cards"]["unsure"] == [readers["anna"]] and again["cards"]["sent"] == [readers["boris"]]
    resent = offer(loyalty, "--resend-unsure")
    assert resent["cards"]["sent"] == [readers["anna"]]
    assert offer_points(loyalty) == {readers["anna"]: 100, readers["boris"]: 100}
    assert offer(loyalty, "--resend-unsure")["sent"] == 0


def test_limit_counts_the_letters_tried_not_only_those_sent(loyalty, readers, mail_room):
    mail_room.refused["anna@example.lv"] = "550 5.1.1 Mailbox unavailable"
    result = offer(loyalty, "--limit", "1", expect=1)
    assert (result["sent"], result["failed"], result["left"]) == (0, 1, 1)


def test_an_erasure_forgets_the_letters_and_comments_of_every_card_the_member_held(
    loyalty, readers, mail_room
):
    loyalty("mail", "statements", "--month", "2026-10", "--json")
    old = readers["anna"]
    loyalty("nps", "record", old, "9", "--comment", "Call me at +37129999999")
    loyalty("member", "replace-card", old)
    new = card_of(loyalty, "Anna Bērziņa")
    assert new != old
    loyalty("member", "erase", new, "--yes")
    shop = loyalty.store().read()
    assert old not in shop.outbox.of("statements-2026-10") and new not in shop.outbox.of("statements-2026-10")
    assert all("comment" not in a for a in shop.answers.all())
    snapshot = loyalty.snapshot()
    assert b"37129999999" not in b"".join(snapshot["files"].values())
    assert "37129999999" not in repr(snapshot["rows"])
