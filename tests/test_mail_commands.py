"""The `mail` commands end to end: campaigns built, checked, and sent through a real local
SMTP server (tests/smtp_server.py) or written as a dry run; and `maintain`'s birthday mail."""

from __future__ import annotations

import email
import json
from email.policy import default

import pytest
from mail_readers import enroll_readers

BIRTHDAY_NOW = "2026-11-22T12:00:00+00:00"


@pytest.fixture
def members(loyalty):
    """Anna (lv, consent, e-mail, birthday today), Boris (ru, consent, e-mail), Cilla (e-mail,
    no consent); each bought in October."""
    cards = enroll_readers(loyalty)
    for card in cards.values():
        loyalty("purchase", card, "20", "--at", "2026-10-05T10:00:00+00:00")
    return cards


def set_up(loyalty, room):
    loyalty("program", "set", "mail.server", room.url())
    loyalty("program", "set", "mail.from", "Maiznīca Rīts <info@example.lv>")


def messages_to(room) -> dict[str, email.message.EmailMessage]:
    return {r.to[0]: r.message for r in room.received}


def test_mail_statements_sends_each_member_with_consent_their_statement_once(loyalty, members, mail_room):
    set_up(loyalty, mail_room)
    result = loyalty.json("mail", "statements", "--month", "2026-10")
    assert (result["sent"], result["skipped"], result["failed"]) == (2, 1, 0)
    assert result["cards"]["skipped"] == {members["cilla"]: "no consent"}
    sent = messages_to(mail_room)
    assert set(sent) == {"anna@example.lv", "boris@example.lv"}
    anna = sent["anna@example.lv"]
    assert "oktobris" in anna["Subject"]
    attached = [part.get_filename() for part in anna.iter_attachments()]
    assert attached == [f"statement-2026-10-{members['anna']}.html"]
    again = loyalty.json("mail", "statements", "--month", "2026-10")
    assert again["sent"] == 0
    assert len(mail_room.received) == 2


def test_statements_of_a_month_not_over_are_refused_unless_previewed(loyalty, members, mail_room, tmp_path):
    set_up(loyalty, mail_room)
    before = loyalty.snapshot()
    result = loyalty("mail", "statements", "--month", "2026-11", expect=1)
    assert "not over yet" in result.stderr
    assert loyalty.snapshot() == before
    loyalty("mail", "statements", "--month", "2026-11", "--dry-run", str(tmp_path / "preview"))
    assert mail_room.received == []


def test_a_refusal_is_said_in_the_operators_language(loyalty, members, mail_room, tmp_path):
    set_up(loyalty, mail_room)
    template = tmp_path / "offer.txt"
    template.write_text("Subject: Sveiki\n\n{vards}\n", encoding="utf-8")
    result = loyalty(
        "--lang", "lv", "mail", "offer", "--segment", "loyal", "--template", str(template), expect=1
    )
    assert "nezināms aizstājējs {vards}" in result.stderr
    result = loyalty(
        "--lang", "ru", "mail", "offer", "--segment", "loyal", "--template", str(template), expect=1
    )
    assert "неизвестная подстановка {vards}" in result.stderr


def test_a_dry_run_writes_the_letters_and_sends_and_records_nothing(loyalty, members, mail_room, tmp_path):
    set_up(loyalty, mail_room)
    before = loyalty.snapshot()
    loyalty("mail", "birthdays", "--dry-run", str(tmp_path / "letters"), now=BIRTHDAY_NOW)
    assert loyalty.snapshot() == before
    assert mail_room.received == []
    (written,) = (tmp_path / "letters").iterdir()
    message = email.message_from_bytes(written.read_bytes(), policy=default)
    assert message["To"].endswith("anna@example.lv>") or message["To"] == "anna@example.lv"
    assert "STOP" in message.get_body(("plain",)).get_content()


def test_an_unknown_placeholder_is_refused_before_anything_is_sent(loyalty, members, mail_room, tmp_path):
    set_up(loyalty, mail_room)
    template = tmp_path / "offer.txt"
    template.write_text("Subject: Hello\n\nYou hold {balanse}.\n", encoding="utf-8")
    before = loyalty.snapshot()
    result = loyalty("mail", "offer", "--segment", "loyal", "--template", str(template), expect=1)
    assert result.stderr.count("\n") == 1
    assert "{balanse}" in result.stderr and "{balance}" in result.stderr
    assert mail_room.received == []
    assert loyalty.snapshot() == before


def test_a_template_that_cannot_be_read_is_exit_2(loyalty, members, mail_room, tmp_path):
    set_up(loyalty, mail_room)
    before = loyalty.snapshot()
    result = loyalty(
        "mail", "offer", "--segment", "loyal", "--template", str(tmp_path / "none.txt"), expect=2
    )
    assert "none.txt" in result.stderr
    assert loyalty.snapshot() == before


def test_an_offer_credits_its_bonus_to_each_member_mailed_and_never_twice(
    loyalty, members, mail_room, tmp_path
):
    set_up(loyalty, mail_room)
    template = tmp_path / "winter.txt"
    template.write_text("Dear {first_name}, {bonus} until {valid_until}.\n", encoding="utf-8")
    offer = ("mail", "offer", "--segment", "loyal", "--template", str(template), "--subject", "Winter")
    bonus = ("--bonus-points", "100", "--valid-until", "2026-12-15")
    assert loyalty.json(*offer, *bonus)["sent"] == 2
    assert loyalty.json(*offer, *bonus)["sent"] == 0
    assert loyalty.json("member", "show", members["anna"])["balance"] == 120
    # Cilla gave no consent: no letter, no points.
    assert loyalty.json("member", "show", members["cilla"])["balance"] == 20
    letter = messages_to(mail_room)["anna@example.lv"].get_body(("plain",)).get_content()
    assert "Dear Anna, 100 points until 2026-12-31." in letter  # the month's end, in the programme's language
    assert loyalty.json("verify")["ok"] is True


def test_expiry_reminders_go_once_a_month_however_often_cron_runs(loyalty, members, mail_room):
    loyalty("program", "set", "expiry.months", "1")  # October's points lapse at the end of November
    for card in (members["anna"], members["boris"], members["cilla"]):
        loyalty("purchase", card, "5", "--at", "2026-10-06T10:00:00+00:00")
    set_up(loyalty, mail_room)
    assert loyalty.json("mail", "expiring", "--within", "7", now="2026-11-22T08:00:00+00:00")["sent"] == 0
    sent = loyalty.json("mail", "expiring", "--within", "14", now="2026-11-22T08:00:00+00:00")
    assert (sent["campaign"], sent["sent"]) == ("expiring-2026-11", 2)
    assert loyalty.json("mail", "expiring", "--within", "14", now="2026-11-23T08:00:00+00:00")["sent"] == 0


def test_an_early_expiry_run_says_when_the_points_lapse_and_when_reminders_start(loyalty, members, mail_room):
    loyalty("program", "set", "expiry.months", "1")  # October's points lapse at the end of November
    for card in (members["anna"], members["boris"]):
        loyalty("purchase", card, "5", "--at", "2026-10-06T10:00:00+00:00")
    set_up(loyalty, mail_room)
    early = loyalty("mail", "expiring", "--within", "7", now="2026-11-01T08:00:00+00:00")
    assert (
        "points lapse at the end of the month (2026-11-30), 29 days away; reminders start 2026-11-23."
        in early.stderr
    )
    assert mail_room.received == []
    due = loyalty("mail", "expiring", "--within", "7", now="2026-11-29T08:00:00+00:00")
    assert "reminders start" not in due.stderr
    assert sorted(mail_room.recipients()) == ["anna@example.lv", "boris@example.lv"]
    latvian = loyalty("--lang", "lv", "mail", "expiring", "--within", "14", now="2026-12-01T08:00:00+00:00")
    assert "(31.12.2026.), pēc 30 dienām" in latvian.stderr and "17.12.2026." in latvian.stderr
    russian = loyalty("--lang", "ru", "mail", "expiring", "--within", "9", now="2026-12-10T08:00:00+00:00")
    assert "(31.12.2026), через 21 день" in russian.stderr and "22.12.2026" in russian.stderr


def test_an_early_expiry_run_with_json_prints_only_its_document(loyalty, members, mail_room):
    set_up(loyalty, mail_room)
    result = loyalty("mail", "expiring", "--within", "7", "--json", now="2026-11-01T08:00:00+00:00")
    assert json.loads(result.stdout)["sent"] == 0
    assert "reminders start" not in result.stderr


def test_a_greeting_the_server_refused_on_the_birthday_goes_with_a_later_run(loyalty, members, mail_room):
    set_up(loyalty, mail_room)
    mail_room.refused["anna@example.lv"] = "550 5.2.2 Mailbox full"
    refused = loyalty.json("mail", "birthdays", now=BIRTHDAY_NOW, expect=1)
    assert refused["failed"] == 1 and mail_room.received == []
    del mail_room.refused["anna@example.lv"]
    late = loyalty.json("mail", "birthdays", now="2026-11-24T09:00:00+00:00")
    assert (late["sent"], late["skipped"]) == (1, 0)
    assert mail_room.recipients() == ["anna@example.lv"]
    assert loyalty.json("mail", "birthdays", now="2026-11-25T09:00:00+00:00")["sent"] == 0
    assert len(mail_room.received) == 1


def test_a_greeting_missed_for_more_than_three_days_is_not_sent(loyalty, members, mail_room):
    set_up(loyalty, mail_room)
    assert loyalty.json("mail", "birthdays", now="2026-11-26T09:00:00+00:00")["sent"] == 0
    assert mail_room.received == []


@pytest.mark.parametrize("address", ["", "   ", "not-an-address"])
def test_mail_test_refuses_an_empty_or_malformed_address_with_exit_2(loyalty, mail_room, address):
    set_up(loyalty, mail_room)
    before = loyalty.snapshot()
    result = loyalty("mail", "test", address, expect=2)
    assert result.stderr.count("\n") == 1 and "Error:" in result.stderr
    assert mail_room.received == []
    assert loyalty.snapshot() == before


def test_the_offer_help_says_bonus_points_last_to_the_end_of_the_month(loyalty):
    shown = " ".join(loyalty("mail", "offer", "--help").stdout.split())
    assert "to the end of this day's month" in shown
    assert "2026-12-31" in shown


def test_maintain_mails_the_birthday_greetings_when_mail_birthdays_is_on(loyalty, members, mail_room):
    set_up(loyalty, mail_room)
    loyalty("program", "set", "bonus.birthday", "50")
    loyalty("maintain", "--dry-run", now=BIRTHDAY_NOW)
    loyalty("maintain", now=BIRTHDAY_NOW)
    assert mail_room.received == []  # mail.birthdays is off
    loyalty("program", "set", "mail.birthdays", "true")
    before = loyalty.snapshot()
    loyalty("maintain", "--dry-run", now=BIRTHDAY_NOW)
    assert mail_room.received == [] and loyalty.snapshot() == before  # a dry run mails nothing
    result = loyalty.json("maintain", now=BIRTHDAY_NOW)
    assert result["mail_birthdays"]["sent"] == 1
    (greeting,) = mail_room.received
    assert greeting.to == ["anna@example.lv"]
    assert "50 punktu" in greeting.message.get_body(("plain",)).get_content()
    loyalty("maintain", now=BIRTHDAY_NOW)
    assert len(mail_room.received) == 1


def test_maintain_without_a_mail_server_does_its_jobs_and_mails_nothing(loyalty, members):
    loyalty("program", "set", "mail.birthdays", "true")
    result = loyalty.json("maintain", now=BIRTHDAY_NOW)
    assert "mail_birthdays" not in result
    assert result["days"] >= 1


@pytest.mark.parametrize("command", ["test", "statements", "expiring", "birthdays", "offer"])
def test_every_mail_command_has_help_with_an_example(loyalty, command):
    shown = loyalty("mail", command, "--help").stdout
    assert "Example:" in shown and f"loyalty mail {command}" in shown


def test_a_mail_server_down_during_maintain_keeps_the_jobs_and_the_next_run_greets(
    loyalty, members, mail_room
):
    set_up(loyalty, mail_room)
    loyalty("program", "set", "bonus.birthday", "50")
    loyalty("program", "set", "mail.birthdays", "true")
    mail_room.down_after = 0
    result = loyalty("maintain", now=BIRTHDAY_NOW, expect=3)
    assert "next run" in result.stderr
    assert loyalty.json("member", "show", members["anna"])["balance"] == 70  # the bonus is kept
    assert mail_room.received == []
    mail_room.down_after = None
    loyalty("maintain", now="2026-11-22T13:00:00+00:00")
    assert mail_room.recipients() == ["anna@example.lv"]
