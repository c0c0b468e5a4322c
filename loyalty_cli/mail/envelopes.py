"""A letter in its envelope: the e-mail message the server receives, or a dry run writes.

Plain text first, the HTML version as its alternative, then any attachments (an HTML
statement). The Message-ID is the same every time a campaign's letter to a member is
built, so a letter sent again after an unsure run carries the same id, and mail programs
that notice can drop the copy. List-Unsubscribe points at the shop's address with the
subject STOP, the same "reply STOP" the letter's own text offers.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import _

if TYPE_CHECKING:
    from email.message import EmailMessage

    from loyalty_cli.mail.letters import Letter


def envelope(letter: Letter, *, campaign: str, sender: tuple[str, str], at: datetime) -> EmailMessage:
    """The message for `letter` from `sender` (name, address), dated `at`; InvalidInput if malformed."""
    from email.message import EmailMessage
    from email.utils import format_datetime

    name, address = sender
    message = EmailMessage()
    try:
        message["From"] = _address(name, address)
        message["To"] = letter.to
        message["Subject"] = letter.subject
    except (ValueError, IndexError, TypeError):  # a line break in a header, a malformed address
        raise InvalidInput(_("the letter has a malformed address or subject")) from None
    message["Date"] = format_datetime(at)
    message["Message-ID"] = message_id(campaign, letter.card, address)
    message["List-Unsubscribe"] = f"<mailto:{address}?subject=STOP>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.text, cte="quoted-printable")
    if letter.html is not None:
        message.add_alternative(letter.html, subtype="html", cte="quoted-printable")
    for filename, mime_type, content in letter.attachments:
        _attach(message, filename, mime_type, content)
    message["Content-Language"] = letter.language  # after the body: setting a body clears Content-*
    return message


def message_id(campaign: str, card: str, sender_address: str) -> str:
    """<campaign.digest@sender's domain>: the same for the same campaign and member, unique otherwise.

    The card is hashed, so the id (seen by every server on the way) does not name it.
    """
    digest = hashlib.sha256(f"{campaign}\0{card}".encode()).hexdigest()[:24]
    domain = sender_address.rpartition("@")[2] or "loyalty.invalid"
    return f"<{campaign}.{digest}@{domain}>"


def trial_letter(shop: str) -> tuple[str, str]:
    """(subject, text) of `mail test`: in the operator's language."""
    subject = _("Test message from {shop}").format(shop=shop)
    text = _(
        "This is a test message from the loyalty programme of {shop}.\n"
        "If you can read it, mail to members will arrive too."
    ).format(shop=shop)
    return subject, text + "\n"


def _attach(message: EmailMessage, filename: str, mime_type: str, content: bytes) -> None:
    """An attachment; a text one (an HTML statement) declared as UTF-8 so it reads as written."""
    main, _slash, sub = mime_type.partition("/")
    if main == "text":
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            message.add_attachment(text, subtype=sub or "plain", filename=filename, cte="base64")
            return
    message.add_attachment(
        content, maintype=main or "application", subtype=sub or "octet-stream", filename=filename
    )


def _address(name: str, address: str):
    from email.headerregistry import Address

    return Address(display_name=name, addr_spec=address)
