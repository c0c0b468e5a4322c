"""The campaigns' letters: who gets one, in which language, what it says, under which id.

The letters are taken from `campaign.letters(shop)` as the runner takes them; sending them
is the runner's part (tests/test_mail_commands.py runs both).
"""

from __future__ import annotations

from datetime import date

import pytest
from loyalty_cli.commands.statement_html import page
from loyalty_cli.commands.statements import text
from mail_readers import EARLY, enroll_readers

from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.mail import campaigns, offers

NOVEMBER = "2026-11-22T12:00:00+00:00"


@pytest.fixture
def shop_with_members(loyalty):
    """Anna (lv, consent, e-mail, birthday today), Boris (ru, consent, e-mail), Cilla (e-mail,
    no consent), Dace (consent, no e-mail), Egils (consent, e-mail, blocked); each bought."""
    loyalty("program", "set", "expiry.months", "1")
    cards = enroll_readers(loyalty, boris="Boris <b>Petrov</b>")
    cards["dace"] = loyalty.enroll("Dace", "--consent", "--birthday", "1980-11-22", *EARLY)
    cards["egils"] = loyalty.enroll(
        "Egils", "--email", "egils@example.lv", "--consent", "--birthday", "1970-11-22", *EARLY
    )
    for card in cards.values():
        loyalty("purchase", card, "20", "--at", "2026-10-05T10:00:00+00:00")
    loyalty("member", "block", cards["egils"], "--reason", "card lost")
    return loyalty, cards


def letters_of(loyalty, campaign):
    return {letter.card: letter for letter in campaign.letters(loyalty.store().read())}


def statements_campaign(month="2026-10"):
    return campaigns.statements(month, render_text=text, render_html=page, day=date(2026, 11, 22))


def test_only_active_members_with_consent_and_an_email_get_letters(shop_with_members):
    loyalty, cards = shop_with_members
    campaign = statements_campaign()
    letters = letters_of(loyalty, campaign)
    assert set(letters) == {cards["anna"], cards["boris"]}
    assert campaign.skipped == {
        cards["cilla"]: "no consent",
        cards["dace"]: "no e-mail",
        cards["egils"]: "blocked",
    }
    assert letters[cards["anna"]].to == "anna@example.lv"


def test_a_statement_letter_holds_the_statement_and_attaches_the_page_in_the_members_language(
    shop_with_members,
):
    loyalty, cards = shop_with_members
    campaign = statements_campaign()
    assert campaign.id == "statements-2026-10"
    anna = letters_of(loyalty, campaign)[cards["anna"]]
    assert anna.language == "lv"
    assert "lojalitātes programmas izraksts" in anna.text  # the statement itself, in Latvian
    assert "oktobris 2026" in anna.subject
    (name, mime, body), *_ = anna.attachments
    assert (name, mime) == (f"statement-2026-10-{cards['anna']}.html", "text/html")
    assert body.startswith(b"<!DOCTYPE html>") and b'<html lang="lv">' in body


def test_member_data_is_escaped_in_the_html_letter(shop_with_members):
    loyalty, cards = shop_with_members
    boris = letters_of(loyalty, statements_campaign())[cards["boris"]]
    assert "Boris <b>Petrov</b>" in boris.text
    assert "<b>Petrov" not in boris.html
    assert "Boris &lt;b&gt;Petrov&lt;/b&gt;" in boris.html


def test_every_letter_ends_with_the_reply_stop_line_in_the_members_language(shop_with_members):
    loyalty, cards = shop_with_members
    letters = letters_of(loyalty, statements_campaign())
    assert "STOP" in letters[cards["anna"]].text.rsplit("-- \n", 1)[1]
    assert "STOP" in letters[cards["boris"]].html
    assert letters[cards["boris"]].language == "ru"


def test_a_month_without_activity_mails_nobody(shop_with_members):
    loyalty, _cards = shop_with_members
    assert letters_of(loyalty, statements_campaign("2026-08")) == {}


def test_a_statements_month_that_is_no_month_is_refused():
    with pytest.raises(InvalidInput):
        statements_campaign("2026-13")


def test_expiry_reminders_wait_until_the_end_of_the_month_is_within_the_days_given(shop_with_members):
    loyalty, cards = shop_with_members
    # October's purchases lapse at the end of November (expiry.months 1).
    early = campaigns.expiring(7, date(2026, 11, 22))
    assert early.id == "expiring-2026-11"
    assert letters_of(loyalty, early) == {}
    due = campaigns.expiring(8, date(2026, 11, 22))
    letters = letters_of(loyalty, due)
    assert set(letters) == {cards["anna"], cards["boris"]}
    assert "30.11.2026." in letters[cards["anna"]].text  # the lapse day, as Latvians write it
    assert "20 punktu" in letters[cards["anna"]].text


def test_the_expiry_reminder_counts_only_the_points_lapsing_that_month(shop_with_members):
    loyalty, cards = shop_with_members
    loyalty("purchase", cards["boris"], "7", "--at", "2026-11-20T10:00:00+00:00")  # lapses in December
    boris = letters_of(loyalty, campaigns.expiring(30, date(2026, 11, 22)))[cards["boris"]]
    assert "20 баллов" in boris.text
    assert "27 баллов" in boris.text  # the balance


def test_members_with_nothing_lapsing_get_no_reminder_and_are_not_skipped(shop_with_members):
    loyalty, cards = shop_with_members
    loyalty("redeem", cards["anna"], "20")
    campaign = campaigns.expiring(30, date(2026, 11, 22))
    assert cards["anna"] not in letters_of(loyalty, campaign)
    assert cards["anna"] not in campaign.skipped


def test_december_reminders_are_another_campaign(shop_with_members):
    assert campaigns.expiring(14, date(2026, 12, 20)).id == "expiring-2026-12"


def test_birthday_greetings_go_to_the_members_born_that_day_under_the_years_id(shop_with_members):
    loyalty, cards = shop_with_members
    campaign = campaigns.birthdays(date(2026, 11, 22))
    assert campaign.id == "birthdays-2026"
    letters = letters_of(loyalty, campaign)
    assert set(letters) == {cards["anna"]}
    assert campaign.skipped == {
        cards["cilla"]: "no consent",
        cards["dace"]: "no e-mail",
        cards["egils"]: "blocked",
    }
    assert letters_of(loyalty, campaigns.birthdays(date(2026, 11, 21))) == {}
    assert letters_of(loyalty, campaigns.birthdays(date(2026, 11, 26))) == {}  # too late even to catch up


def test_a_birthday_greeting_names_the_bonus_the_member_has_had(shop_with_members):
    loyalty, cards = shop_with_members
    loyalty("program", "set", "bonus.birthday", "50")
    assert "50" not in letters_of(loyalty, campaigns.birthdays(date(2026, 11, 22)))[cards["anna"]].text
    loyalty("maintain")
    anna = letters_of(loyalty, campaigns.birthdays(date(2026, 11, 22)))[cards["anna"]]
    assert "50 punktu" in anna.text
    assert "70 punktu" in anna.text  # 20 + 50


def mark(loyalty, campaign_id, card, state, **details):
    """Record in the outbox what became of a member's letter, as the runner does."""
    with loyalty.store().transaction() as shop:
        shop.outbox.mark(campaign_id, card, state, at="2026-11-22T12:00:00+00:00", **details)


def test_a_greeting_not_sent_on_the_birthday_goes_with_the_runs_of_the_next_three_days(shop_with_members):
    loyalty, cards = shop_with_members
    mark(loyalty, "birthdays-2026", cards["anna"], "failed", error="550 5.1.1 Mailbox unavailable")
    for late in (23, 24, 25):
        campaign = campaigns.birthdays(date(2026, 11, late))
        assert campaign.id == "birthdays-2026"
        assert set(letters_of(loyalty, campaign)) == {cards["anna"]}
        assert campaign.skipped == {}  # those left out were told on the birthday itself
    assert letters_of(loyalty, campaigns.birthdays(date(2026, 11, 26))) == {}


def test_a_greeting_sent_on_the_birthday_is_not_offered_again_on_the_days_after(shop_with_members):
    loyalty, cards = shop_with_members
    mark(loyalty, "birthdays-2026", cards["anna"], "sent")
    campaign = campaigns.birthdays(date(2026, 11, 23))
    assert letters_of(loyalty, campaign) == {}
    assert campaign.skipped == {}


def test_a_greeting_sent_before_the_card_was_replaced_is_not_sent_late_to_the_new_card(shop_with_members):
    loyalty, cards = shop_with_members
    mark(loyalty, "birthdays-2026", cards["anna"], "sent")
    loyalty("member", "replace-card", cards["anna"])
    assert letters_of(loyalty, campaigns.birthdays(date(2026, 11, 23))) == {}


def test_a_late_greeting_is_never_carried_into_the_next_years_campaign(loyalty):
    card = loyalty.enroll(
        "Ilze", "--email", "ilze@example.lv", "--consent", "--birthday", "1990-12-31", *EARLY
    )
    assert set(letters_of(loyalty, campaigns.birthdays(date(2026, 12, 31)))) == {card}
    assert letters_of(loyalty, campaigns.birthdays(date(2027, 1, 1))) == {}  # birthdays-2027


def write_template(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def make_offer(loyalty, tmp_path, **given):
    options = {"tier": None, "segment": "no purchases", "day": date(2026, 11, 22), "operator": "tester"}
    options.update(given)
    if "template" not in options:
        options["template"] = write_template(
            tmp_path, "winter.txt", "Subject: Winter, {first_name}\n\nHi {name}"
        )
    return offers.offer(loyalty.store().read().programme(), **options)


def test_an_offer_goes_to_one_segment(shop_with_members, tmp_path):
    loyalty, _cards = shop_with_members
    newcomer = loyalty.enroll("Ieva", "--email", "ieva@example.lv", "--consent")
    campaign = make_offer(loyalty, tmp_path)
    assert campaign.id == "offer-winter"
    letters = letters_of(loyalty, campaign)
    assert set(letters) == {newcomer}
    assert letters[newcomer].subject == "Winter, Ieva"
    assert letters[newcomer].text.startswith("Hi Ieva\n")


def test_an_offer_goes_to_one_tier(shop_with_members, tmp_path):
    loyalty, cards = shop_with_members
    loyalty("program", "set", "tiers", "Silver:0:1,Gold:100:2")
    loyalty("purchase", cards["boris"], "100")
    campaign = make_offer(loyalty, tmp_path, segment=None, tier="gold", name="gold-1")
    assert campaign.id == "offer-gold-1"
    assert set(letters_of(loyalty, campaign)) == {cards["boris"]}


def test_an_offer_to_an_unknown_tier_or_segment_is_refused(shop_with_members, tmp_path):
    loyalty, _cards = shop_with_members
    with pytest.raises(Refused, match="not a tier"):
        make_offer(loyalty, tmp_path, segment=None, tier="Platinum")
    with pytest.raises(InvalidInput, match="not a segment"):
        make_offer(loyalty, tmp_path, segment="vip")
    with pytest.raises(InvalidInput, match="--segment SEGMENT or --tier TIER"):
        make_offer(loyalty, tmp_path, segment=None)


def test_an_offer_in_the_members_own_language_comes_from_the_template_beside(shop_with_members, tmp_path):
    loyalty, cards = shop_with_members
    write_template(tmp_path, "winter.lv.txt", "Subject: Ziema, {first_name}\n\nSveiki, {name}")
    letters = letters_of(loyalty, make_offer(loyalty, tmp_path, segment="loyal"))  # all bought alike
    assert letters[cards["anna"]].subject == "Ziema, Anna"
    assert letters[cards["boris"]].subject == "Winter, Boris"


def test_an_offer_with_an_unknown_placeholder_is_refused_before_any_letter(shop_with_members, tmp_path):
    loyalty, _cards = shop_with_members
    bad = write_template(tmp_path, "bad.txt", "Subject: Hi\n\nYou hold {balanse}")
    with pytest.raises(Refused, match=r"\{balanse\}"):
        make_offer(loyalty, tmp_path, template=bad)
    bonus_only = write_template(tmp_path, "bonus.txt", "Subject: Hi\n\n{bonus} for you")
    with pytest.raises(Refused, match=r"\{bonus\}"):
        make_offer(loyalty, tmp_path, template=bonus_only)  # no --bonus-points: nothing to fill it


def test_a_subject_is_needed_and_the_subject_option_wins(shop_with_members, tmp_path):
    loyalty, _cards = shop_with_members
    plain = write_template(tmp_path, "plain.txt", "Hi {name}")
    with pytest.raises(InvalidInput, match="subject"):
        make_offer(loyalty, tmp_path, template=plain)
    newcomer = loyalty.enroll("Ieva", "--email", "ieva@example.lv", "--consent")
    campaign = make_offer(loyalty, tmp_path, template=plain, subject="For {first_name}")
    assert letters_of(loyalty, campaign)[newcomer].subject == "For Ieva"
    with pytest.raises(Refused, match="--subject"):
        make_offer(loyalty, tmp_path, template=plain, subject="For {frist_name}")


def test_bonus_points_and_their_last_day_go_together_and_must_make_sense(shop_with_members, tmp_path):
    loyalty, _cards = shop_with_members
    with pytest.raises(InvalidInput, match="go together"):
        make_offer(loyalty, tmp_path, bonus=100)
    with pytest.raises(InvalidInput, match="has passed"):
        make_offer(loyalty, tmp_path, bonus=100, valid_until=date(2026, 11, 21))
    with pytest.raises(InvalidInput, match="from 1 to"):
        make_offer(loyalty, tmp_path, bonus=0, valid_until=date(2026, 12, 15))
    with pytest.raises(InvalidInput, match="cannot name an offer"):
        make_offer(loyalty, tmp_path, name="Winter Sale!")


def test_letters_are_written_in_latvian_and_russian_for_members_who_speak_them(shop_with_members):
    loyalty, cards = shop_with_members
    letters = letters_of(loyalty, statements_campaign())
    anna, boris = letters[cards["anna"]], letters[cards["boris"]]
    assert anna.text.startswith("Labdien, Anna Bērziņa!\n")
    assert "Jūsu atlikums mēneša beigās: 20 punktu." in anna.text
    assert "atbildiet ar STOP" in anna.text
    assert boris.text.startswith("Здравствуйте, Boris <b>Petrov</b>!\n")
    assert "Ваш баланс на конец месяца: 20 баллов." in boris.text
    assert "ответьте STOP" in boris.text


def test_the_main_offer_template_speaks_the_programmes_language(shop_with_members, tmp_path):
    loyalty, cards = shop_with_members
    loyalty("program", "set", "language", "lv")
    template = write_template(
        tmp_path, "ziema.txt", "Subject: Ziema\n\nSveiki, {first_name}! Jums ir {balance}."
    )
    boris = letters_of(loyalty, make_offer(loyalty, tmp_path, segment="loyal", template=template))[
        cards["boris"]
    ]
    assert boris.language == "lv"  # no ziema.ru.txt: the whole letter in the template's language
    assert "Jums ir 20 punktu." in boris.text
    assert "atbildiet ar STOP" in boris.text


def test_mail_birthdays_is_a_programme_switch_refusing_anything_but_true_or_false(loyalty):
    before = loyalty.snapshot()
    result = loyalty("program", "set", "mail.birthdays", "sometimes", expect=2)
    assert "mail.birthdays" in result.stderr
    assert loyalty.snapshot() == before
    loyalty("program", "set", "mail.birthdays", "on")
    assert loyalty.json("program", "show")["mail.birthdays"] == "true"
