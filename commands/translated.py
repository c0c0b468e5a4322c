"""Commands that speak the operator's language: help texts, and Click's own messages.

The language is chosen as the root command starts (`LanguageChoice`), before any
subcommand is imported. Help texts stay English in the code and are translated when they
are shown, so one set of command objects serves every language (and every test).

Click marks its own texts ("Usage:", "Error: No such option ...") with gettext but ships
no catalogue; its modules' `_` and `ngettext` are pointed at ours, whose catalogues carry
Click's texts too.
"""

from __future__ import annotations

import copy
import inspect
import sys

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

from loyalty_cli import language

# Texts Click gives a parameter as it is made, once for the process (an in-process test runs
# several languages): they stay English there, and are translated where they are shown.
_GIVEN_WHEN_MADE = frozenset(
    {
        "file",  # the kind of a path, also its metavar (FILE)
        "directory",
        "path",
        "Show this message and exit.",  # the help of --help, translated on the help page
        "Show the version and exit.",
        "Confirm the action without prompting.",
    }
)
# Click fills "{name}" of these with "File", "Directory" or "Path" (English, as made):
# their templates translate it as they are filled.
_PATH_MESSAGES = frozenset(
    {
        "{name} {filename!r} does not exist.",
        "{name} {filename!r} is a file.",
        "{name} {filename!r} is a directory.",
        "{name} {filename!r} is not readable.",
        "{name} {filename!r} is not writable.",
        "{name} {filename!r} is not executable.",
    }
)


# Click fills "{number_type}" of this one with a type's English name ("integer range"):
# a whole sentence for each kind of number is said instead.
_NUMBER_MESSAGE = "{value!r} is not a valid {number_type}."
_NUMBER_SENTENCES = {
    "integer": language.N_("{value!r} is not a whole number."),
    "integer range": language.N_("{value!r} is not a whole number."),
    "float": language.N_("{value!r} is not a number."),
    "float range": language.N_("{value!r} is not a number."),
}
# Texts Click translates by a variable, not a literal (`_(extra["required"])`, the
# "[required]" of an option's help): marked here so that the catalogue has them.
_REQUIRED = language.N_("required")


class _NumberMessage(str):
    """Click's "not a valid {number_type}" as a whole sentence for the kind of number."""

    def format(self, *args, **kwargs) -> str:
        sentence = _NUMBER_SENTENCES.get(kwargs.get("number_type"))
        if sentence is None:
            return super().format(*args, **kwargs)
        return language.gettext(sentence).format(value=kwargs.get("value"))


class _PathMessage(str):
    """A translated path message whose "{name}" (File, Directory, Path) is translated too."""

    def format(self, *args, **kwargs) -> str:
        kind = kwargs.get("name")
        if isinstance(kind, str):
            kwargs["name"] = language.gettext(kind.lower()).capitalize()
        return super().format(*args, **kwargs)


def _click_gettext(message: str) -> str:
    """Click's texts in the active language (but those given as a parameter is made)."""
    if message in _GIVEN_WHEN_MADE:
        return message
    found = language.gettext(message)
    if message == _NUMBER_MESSAGE:
        return _NumberMessage(found)
    return _PathMessage(found) if message in _PATH_MESSAGES else found


for _module in (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
):
    if hasattr(_module, "_"):
        _module._ = _click_gettext
    if hasattr(_module, "ngettext"):
        _module.ngettext = language.ngettext


_showing_help = False  # True while a help page is being written


def help_text(text: str | None) -> str | None:
    """A help text (a docstring or a help=) in the active language."""
    if not text:
        return text
    return language.gettext(inspect.cleandoc(text))


class Command(click.Command):
    """A command whose help is translated when shown."""

    @property
    def help(self):
        return help_text(self._help)

    @help.setter
    def help(self, value):
        self._help = value

    @property
    def short_help(self):
        return help_text(self._short_help)

    @short_help.setter
    def short_help(self, value):
        self._short_help = value

    @property
    def epilog(self):
        return help_text(self._epilog)

    @epilog.setter
    def epilog(self, value):
        self._epilog = value

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        global _showing_help
        _showing_help = True
        try:
            super().format_help(ctx, formatter)
        finally:
            _showing_help = False

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list:
        # What zsh and fish show beside each option, in the active language as on --help.
        items = super().shell_complete(ctx, incomplete)
        for item in items:
            if item.help:
                item.help = language.gettext(item.help)
        return items

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)
        if not _showing_help or language.active() == language.ENGLISH:
            return params  # parsing works on the parameters themselves
        return [_translated(param) for param in params]


class Group(Command, click.Group):
    """A group whose help, and whose subcommands' help, is translated when shown."""

    command_class = Command
    group_class = type  # subgroups are of this class too


def _translated(param: click.Parameter) -> click.Parameter:
    """A copy of `param` with its help in the active language (the original is shared)."""
    text = getattr(param, "help", None)
    if not text:
        return param
    shown = copy.copy(param)
    shown.help = language.gettext(text)
    return shown


class LanguageChoice(click.ParamType):
    """--lang: en, lv or ru (also "lv_LV.UTF-8" and the like)."""

    name = "language"

    def get_metavar(self, param, ctx=None) -> str:
        return "[" + "|".join(language.LANGUAGES) + "]"

    def convert(self, value, param, ctx):
        code = language.normalise(value)
        if code is None:
            self.fail(
                language.gettext(
                    "{value!r} is not a language loyalty speaks; choose one of {choices}"
                ).format(value=value, choices=", ".join(language.LANGUAGES)),
                param,
                ctx,
            )
        return code


def choose_language(
    args: list[str] | None, valued: tuple[str, ...] = ("--data-dir", "--database", "--operator", "--wait")
) -> None:
    """Make the operator's language active: the root's --lang in `args`, else the environment.

    Only the options before the subcommand count: `statement CARD --lang ru` asks for a
    statement in Russian, not for a Russian-speaking tool. `valued` are the root's other
    options that take a value.
    """
    args = sys.argv[1:] if args is None else args
    asked = None
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--lang" and index + 1 < len(args):
            asked = language.normalise(args[index + 1])
            index += 1
        elif arg.startswith("--lang="):
            asked = language.normalise(arg.partition("=")[2])
        elif arg in valued:
            index += 1
        elif not arg.startswith("-") or arg == "--":
            break  # the subcommand
        index += 1
    language.use(asked or language.of_environment())
