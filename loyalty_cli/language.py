"""The languages loyalty speaks: English, Latvian and Russian, by gettext.

English is the source: every text for people is written in English in the code and marked
for translation (`_("...")`, `ngettext(...)`, or `N_("...")` where the text is translated
later, like a help text). The catalogues are `locale/{lv,ru}/LC_MESSAGES/loyalty.po`, with
compiled `.mo` files beside them; `python scripts/translations.py` keeps them in step.

One language is active at a time: the operator's, chosen once per command (`--lang`, else
the environment). A member's statement is written in the member's language inside
`speaking(code)`, which makes that language the active one for the block.

Help texts are translated when they are shown, not when their module is imported, so the
same command objects serve every language.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ENGLISH = "en"
LANGUAGES = ("en", "lv", "ru")
NAMES = {"en": "English", "lv": "latviešu", "ru": "русский"}
DOMAIN = "loyalty"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Where the operator's language comes from, after --lang; as GNU gettext reads them.
ENVIRONMENT = ("LOYALTY_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_translations: dict[str, object] = {}
_active = None  # None: English, the source text itself
_active_code = ENGLISH


def N_(message: str) -> str:
    """Mark `message` for translation without translating it here (it is translated when shown)."""
    return message


def _(message: str) -> str:
    """`message` in the active language."""
    if _active is None or not message:
        return message
    return _active.gettext(message)


gettext = _


def in_context(text: str) -> str:
    """A text marked "context|text" because its English alone is ambiguous (GLib's Q_), in the
    active language: "person|Name" is Vārds / Имя where a draw's "Name" is Nosaukums /
    Название. Untranslated (English), the context is dropped."""
    translated = _(text)
    return without_context(translated) if translated == text else translated


def without_context(text: str) -> str:
    """ "entry|Bonus" -> "Bonus": the English of a text marked with its context."""
    return text.split("|", 1)[-1]


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a sentence for `count` in the active language (ru and lv have three).

    A negative count takes the form of its size, as CLDR has it: -21 punkts, -21 балл (the
    catalogues' plural rules, like C's, would read -21 as neither 1 nor 21).
    """
    count = abs(count)
    if _active is None:
        return singular if count == 1 else plural
    return _active.ngettext(singular, plural, count)


def active() -> str:
    """The code of the active language."""
    return _active_code


def use(code: str) -> None:
    """Make `code` (one of LANGUAGES) the active language."""
    global _active, _active_code
    _active = None if code == ENGLISH else _translation(code)
    _active_code = code


@contextmanager
def speaking(code: str | None) -> Iterator[None]:
    """The block speaks `code` (a member's language); None keeps the active one."""
    if code is None or code == _active_code:
        yield
        return
    before = _active_code
    use(code)
    try:
        yield
    finally:
        use(before)


def normalise(text: str | None) -> str | None:
    """The language code of "lv", "LV", "lv_LV.UTF-8", "ru-RU" ..., or None if we do not speak it."""
    if not text:
        return None
    code = text.strip().replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()
    return code if code in LANGUAGES else None


def of_environment(environ: Mapping[str, str] = os.environ) -> str:
    """The operator's language as the environment gives it, else English.

    LOYALTY_LANG first; then, as gettext does, the first of LANGUAGE, LC_ALL, LC_MESSAGES
    and LANG that is set (LANGUAGE may list several, "lv:ru:en"). "C" and "POSIX" are English.
    """
    for name in ENVIRONMENT:
        value = environ.get(name)
        if not value:
            continue
        for part in value.split(":"):
            code = normalise(part)
            if code is not None:
                return code
        if name == "LOYALTY_LANG":
            continue  # not a language we speak: the system's settings still count
        return ENGLISH
    return ENGLISH


def _translation(code: str):
    """The compiled catalogue of `code`, loaded once."""
    found = _translations.get(code)
    if found is None:
        import gettext as gnu

        path = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
        try:
            with open(path, "rb") as handle:
                found = gnu.GNUTranslations(handle)
        except OSError:
            found = gnu.NullTranslations()  # an installation without catalogues still works
        _translations[code] = found
    return found
