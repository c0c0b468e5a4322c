"""A letter in its envelope: text and HTML, attachments, the deterministic Message-ID, and the
pace of a run (--per-minute) measured on a clock the test controls."""

from __future__ import annotations

import email
from datetime import datetime, timezone
from email.policy import default

import pytest

from loyalty_cli.errors import InvalidInput
from loyalty_cli.mail.envelopes import envelope, message_id
from loyalty_cli.mail.letters import Letter
from loyalty_cli.mail.sending import Pace

AT = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
SENDER = ("Maiznīca Rīts", "info@example.lv")


def letter(**changes) -> Letter:
    fields = dict(
        card="2000000000013",
        to="anna@example.lv",
        subject="Jūsu punkti",
        text="Labdien, Anna!\nAtbildiet STOP, lai atteiktos.\n",
        html="<p>Labdien, Anna!</p>",
        attachments=(("izraksts.html", "text/html", "<html>Izraksts €12,30</html>".encode()),),
        language="lv",
    )
    return Letter(**{**fields, **changes})


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.as_bytes(), policy=default)


def test_a_letter_is_plain_text_with_an_html_alternative_and_its_attachment():
    message = parsed(envelope(letter(), campaign="statements-2026-10", sender=SENDER, at=AT))
    assert message.get_body(("plain",)).get_content() == "Labdien, Anna!\nAtbildiet STOP, lai atteiktos.\n"
    assert message.get_body(("html",)).get_content().strip() == "<p>Labdien, Anna!</p>"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "izraksts.html"
    assert attachment.get_content_type() == "text/html"
    assert "€12,30" in attachment.get_content()


def test_the_envelope_names_sender_member_date_and_language():
    message = parsed(envelope(letter(), campaign="statements-2026-10", sender=SENDER, at=AT))
    assert message["From"] == "Maiznīca Rīts <info@example.lv>"
    assert message["To"] == "anna@example.lv"
    assert message["Subject"] == "Jūsu punkti"
    assert message["Date"] == "Sun, 22 Nov 2026 12:00:00 +0000"
    assert message["Content-Language"] == "lv"
    assert message["List-Unsubscribe"] == "<mailto:info@example.lv?subject=STOP>"


def test_the_message_goes_over_the_wire_in_seven_bits():
    raw = envelope(letter(), campaign="statements-2026-10", sender=SENDER, at=AT).as_bytes()
    assert raw.isascii()


def test_a_letter_without_html_is_plain_text_alone():
    message = parsed(envelope(letter(html=None, attachments=()), campaign="c", sender=SENDER, at=AT))
    assert message.get_content_type() == "text/plain"


def test_the_message_id_is_the_same_for_the_same_campaign_and_member_only():
    first = message_id("statements-2026-10", "2000000000013", "info@example.lv")
    assert first == message_id("statements-2026-10", "2000000000013", "info@example.lv")
    assert first != message_id("statements-2026-11", "2000000000013", "info@example.lv")
    assert first != message_id("statements-2026-10", "2000000000021", "info@example.lv")
    assert first.startswith("<statements-2026-10.") and first.endswith("@example.lv>")
    assert "2000000000013" not in first


@pytest.mark.parametrize(
    "changes", [{"subject": "Hi\r\nBcc: all@example.com"}, {"to": "a@b.lv\nBcc: x@y.lv"}]
)
def test_a_line_break_in_a_header_is_refused(changes):
    with pytest.raises(InvalidInput):
        envelope(letter(**changes), campaign="c", sender=SENDER, at=AT)


class Watch:
    """A clock for Pace: sleeping moves it on."""

    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def test_per_minute_spaces_the_letters_evenly():
    watch = Watch()
    pace = Pace(per_minute=30, sleep=watch.sleep, monotonic=watch.monotonic)
    for _ in range(4):
        pace.wait()
        watch.now += 0.5  # the time one letter takes to send
    assert watch.slept == [1.5, 1.5, 1.5]


def test_without_per_minute_nothing_waits():
    watch = Watch()
    pace = Pace(sleep=watch.sleep, monotonic=watch.monotonic)
    for _ in range(3):
        pace.wait()
    assert watch.slept == []


def test_the_limit_is_reached_at_n_letters():
    assert not Pace(limit=2).reached(1)
    assert Pace(limit=2).reached(2)
    assert not Pace().reached(10_000)
