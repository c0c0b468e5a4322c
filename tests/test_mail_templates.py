"""Templates of letters: placeholders filled per member, checked whole before anything is sent."""

from __future__ import annotations

import pytest

from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.mail import templates
from loyalty_cli.mail.templates import Template

ALLOWED = ("name", "first_name", "balance", "shop")
VALUES = {"name": "Anna <b>Bērziņa</b>", "first_name": "Anna", "balance": "120 points", "shop": "R & R"}


def test_a_template_is_filled_with_the_members_values():
    template = Template.parse("Hello {first_name}, you hold {balance}.", ALLOWED)
    assert template.text(VALUES) == "Hello Anna, you hold 120 points."
    assert template.placeholders == {"first_name", "balance"}


def test_the_html_escapes_member_data_and_the_text_and_keeps_paragraphs():
    template = Template.parse("Dear {name},\n\nR&D at {shop}\nsays hi", ALLOWED)
    html = template.html(VALUES)
    assert html == "<p>Dear Anna &lt;b&gt;Bērziņa&lt;/b&gt;,</p>\n<p>R&amp;D at R &amp; R<br>\nsays hi</p>"


def test_an_unknown_placeholder_is_refused_naming_it_and_the_allowed_ones():
    with pytest.raises(Refused) as refused:
        Template.parse("Hello {nmae}", ALLOWED)
    message = str(refused.value)
    assert "{nmae}" in message
    assert "{name}, {first_name}, {balance}, {shop}" in message
    assert "\n" not in message


@pytest.mark.parametrize("text", ["Hello {name", "Hello }name", "Hello {}", "{0}"])
def test_a_lone_brace_or_an_empty_placeholder_is_refused(text):
    with pytest.raises(Refused):
        Template.parse(text, ALLOWED)


@pytest.mark.parametrize("text,shown", [("{name!r}", "{name!r}"), ("{balance:>9}", "{balance:>9}")])
def test_a_conversion_or_a_format_is_refused(text, shown):
    with pytest.raises(Refused, match="unknown placeholder"):
        Template.parse(text, ALLOWED)
    with pytest.raises(Refused) as refused:
        Template.parse(text, ALLOWED)
    assert shown in str(refused.value)


def test_double_braces_write_a_brace_itself():
    template = Template.parse("{{not a placeholder}} {first_name}", ALLOWED)
    assert template.text(VALUES) == "{not a placeholder} Anna"


def test_a_first_subject_line_is_the_subject_and_the_blank_line_after_it_goes():
    assert templates.split_subject("Subject: Summer at {shop}\n\nDear {name}\n") == (
        "Summer at {shop}",
        "Dear {name}\n",
    )
    assert templates.split_subject("Dear {name}\n") == (None, "Dear {name}\n")


def test_a_template_that_cannot_be_read_is_a_usage_error(tmp_path):
    with pytest.raises(InvalidInput, match="cannot read the template"):
        templates.read(tmp_path / "missing.txt")
    (tmp_path / "latin1.txt").write_bytes("Sveiki, {name} \xe2".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        templates.read(tmp_path / "latin1.txt")
    (tmp_path / "empty.txt").write_text("  \n")
    with pytest.raises(InvalidInput, match="empty"):
        templates.read(tmp_path / "empty.txt")


def test_a_translated_template_sits_beside_the_main_one(tmp_path):
    assert templates.translation_of(tmp_path / "offer.txt", "lv") == tmp_path / "offer.lv.txt"
