"""Free text people type (names, e-mails, reasons, receipts, stores, prizes ...).

On the way in, a field is one line of at most MAX_LENGTH characters with no control
characters: ESC and the other C0/C1 controls, and the bidi overrides that reorder what a
terminal shows, could clear the screen or fake output when the field is printed later.
On the way out, `printable` removes the same characters from anything stored before this
check existed (or written into the files by hand), so a listing never carries them.
"""

from __future__ import annotations

import re

from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import N_, _, ngettext

MAX_LENGTH = 200
# The fields callers name, here so that they are translated: a refusal names its field in
# the operator's language (a field not in the catalogue is named as the caller wrote it).
FIELDS = (
    N_("name"),
    N_("e-mail"),
    N_("reason"),
    N_("receipt"),
    N_("store"),
    N_("operator"),
    N_("prize"),
    N_("draw name"),
    N_("tier name"),
    N_("shop's name"),
)

# Tab, line feed and carriage return are whitespace a paste can carry: `clean` folds them
# into single spaces, so they are not refused there.
# C0 and C1 controls, DEL, and the Unicode bidi controls (marks, embeddings, overrides,
# isolates): a terminal acts on them or draws the text around them in another order.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n\r]")


def clean(value: object, field: str, *, limit: int = MAX_LENGTH) -> str | None:
    """`value` as one line with single spaces, or InvalidInput naming `field`.

    None stays None; an empty result is returned as "" for the caller to judge.
    """
    if value is None:
        return None
    text = str(value)
    found = _UNSAFE.search(text)
    if found:
        raise InvalidInput(_controls(field, found.group()))
    text = " ".join(text.split())
    if len(text) > limit:
        raise InvalidInput(
            ngettext(
                "the {field} must be at most {count} character",
                "the {field} must be at most {count} characters",
                limit,
            ).format(field=_(field), count=limit)
        )
    return text


def check(value: object, field: str) -> None:
    """Refuse control characters in `value` (a field that is validated further elsewhere)."""
    if value is not None:
        found = _UNSAFE.search(str(value)) or _LINE_BREAKS.search(str(value))
        if found:
            raise InvalidInput(_controls(field, found.group()))


def printable(value: object) -> str:
    """One line of stored text, safe to show on a terminal: controls removed, breaks as spaces."""
    return _LINE_BREAKS.sub(" ", _UNSAFE.sub("", str(value)))


def printable_lines(text: str) -> str:
    """A document of several lines, safe to show on a terminal: tabs and line breaks kept."""
    return _UNSAFE.sub("", text)


def _controls(field: str, character: str) -> str:
    return _("the {field} must not contain control characters (found {code})").format(
        field=_(field), code=f"U+{ord(character):04X}"
    )
