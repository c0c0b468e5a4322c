"""A letter's frame: its body in plain text and in HTML, and the footer every letter ends with.

The footer tells the member why they get the letter and that replying STOP stops them
(the shop then records `member edit CARD --no-consent`). The letter is written in the
active language: a campaign makes the member's language active around it.
"""

from __future__ import annotations

from html import escape

from loyalty_cli import language
from loyalty_cli.language import _
from loyalty_cli.mail.letters import Letter
from loyalty_cli.mail.templates import Template, paragraphs

STYLE = (
    "font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #222; "
    "max-width: 40rem; line-height: 1.45"
)


def footer(shop: str) -> str:
    """The last lines of every letter: why it came, and how to stop such letters."""
    return _(
        "You get this letter as a member of the loyalty programme of {shop}.\n"
        "Reply STOP to stop these letters."
    ).format(shop=shop)


def letter(
    member: dict,
    *,
    shop: str,
    subject: Template,
    body: Template,
    values: dict[str, str],
    appendix: str = "",
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> Letter:
    """The letter to `member`: `body` filled with `values`, then `appendix` (preformatted
    text, such as a statement), then the footer; in plain text and in HTML."""
    heading = " ".join(subject.text(values).split())  # one line, whatever the template had
    text = body.text(values).strip("\n") + "\n"
    html_parts = [body.html(values)]
    if appendix:
        text += "\n" + appendix.rstrip("\n") + "\n"
        html_parts.append(f'<pre style="font-size: 0.85rem; overflow-x: auto">{escape(appendix)}</pre>')
    ending = footer(shop)
    text += "\n-- \n" + ending + "\n"
    html_parts.append(f'<hr>\n<p style="color: #666; font-size: 0.85rem">{_footer_html(ending)}</p>')
    code = language.active()
    html = (
        f'<!DOCTYPE html>\n<html lang="{code}">\n<head>\n<meta charset="utf-8">\n'
        f'<title>{escape(heading)}</title>\n</head>\n<body style="{STYLE}">\n'
        + "\n".join(html_parts)
        + "\n</body>\n</html>\n"
    )
    return Letter(
        card=member["card"],
        to=member["email"],
        subject=heading,
        text=text,
        html=html,
        attachments=attachments,
        language=code,
    )


def _footer_html(text: str) -> str:
    return paragraphs(escape(text)).removeprefix("<p>").removesuffix("</p>")
