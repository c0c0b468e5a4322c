"""Templates of letters: plain text with `{placeholders}` filled per member, as text and as HTML.

A template is checked whole before any letter is written: a placeholder the campaign does
not fill (`{balanse}`), one with a conversion or a format (`{name!r}`, `{balance:>9}`), or
a lone brace is refused, naming what is wrong and the placeholders allowed. `{{` and `}}`
write a brace itself.

A template file may begin with a `Subject: ...` line: the letter's subject, unless the
command gives `--subject`; the blank line after it is dropped. A blank line separates
paragraphs (each a `<p>` in HTML); member data is escaped in the HTML.

A template for members who speak another language sits beside it, the language's code
before the suffix: `offer.txt` for everyone, `offer.lv.txt` for members who speak
Latvian, `offer.ru.txt` for Russian.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path

from loyalty_cli import files
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import _

SUBJECT = "subject:"
LARGEST = 100_000  # characters: a letter, not a book


@dataclass(frozen=True)
class Template:
    """A checked template: its pieces, each literal text and the placeholder after it (or None)."""

    pieces: tuple[tuple[str, str | None], ...]

    @classmethod
    def parse(cls, text: str, allowed: Iterable[str], *, where: str = "") -> Template:
        """The template of `text`; Refused naming the first placeholder it cannot fill."""
        allowed = tuple(allowed)
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError:
            raise Refused(
                _("{where}a lone {{ or }} in the template; write {{{{ or }}}} for a brace itself").format(
                    where=_place(where)
                )
            ) from None
        pieces = []
        for literal, name, spec, conversion in parsed:
            if name is not None and (name not in allowed or spec or conversion):
                shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
                raise Refused(
                    _("{where}unknown placeholder {placeholder} in the template; allowed: {allowed}").format(
                        where=_place(where),
                        placeholder="{" + shown + "}",
                        allowed=", ".join("{" + a + "}" for a in allowed),
                    )
                )
            pieces.append((literal, name))
        return cls(tuple(pieces))

    @property
    def placeholders(self) -> set[str]:
        """The placeholders the template uses."""
        return {name for _literal, name in self.pieces if name is not None}

    def text(self, values: Mapping[str, str]) -> str:
        """The template filled, as plain text."""
        return "".join(literal + (values[name] if name else "") for literal, name in self.pieces)

    def html(self, values: Mapping[str, str]) -> str:
        """The template filled as HTML paragraphs, the text and the values escaped."""
        return paragraphs(
            "".join(escape(lit) + (escape(values[name]) if name else "") for lit, name in self.pieces)
        )


def paragraphs(escaped: str) -> str:
    """Escaped text as HTML: a blank line starts a paragraph, a line break stays one."""
    parts = [part.strip("\n") for part in escaped.replace("\r\n", "\n").split("\n\n")]
    return "\n".join("<p>" + part.replace("\n", "<br>\n") + "</p>" for part in parts if part.strip())


def split_subject(text: str) -> tuple[str | None, str]:
    """(the subject of a first `Subject:` line or None, the rest of the text)."""
    first, _newline, rest = text.partition("\n")
    if not first.lower().startswith(SUBJECT):
        return None, text
    return first[len(SUBJECT) :].strip(), rest[1:] if rest.startswith("\n") else rest


def read(path: Path) -> str:
    """A template file's text (UTF-8); InvalidInput (exit 2) when it cannot be read."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read(LARGEST + 1)
    except UnicodeDecodeError:
        raise InvalidInput(
            _("cannot read the template {path}: it is not UTF-8 text").format(path=path)
        ) from None
    except OSError as error:
        raise InvalidInput(
            _("cannot read the template {path}: {reason}").format(path=path, reason=files.reason(error))
        ) from None
    if len(text) > LARGEST:
        raise InvalidInput(_("the template {path} is longer than a letter can be").format(path=path))
    if not text.strip():
        raise InvalidInput(_("the template {path} is empty").format(path=path))
    return text


def translation_of(path: Path, code: str) -> Path:
    """Where the template for members speaking `code` would be: offer.txt -> offer.lv.txt."""
    return path.with_name(f"{path.stem}.{code}{path.suffix}")


def _place(where: str) -> str:
    return f"{where}: " if where else ""
