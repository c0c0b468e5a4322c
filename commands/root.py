"""The root `loyalty` group: global options, lazily loaded subcommands, errors to exit codes."""

from __future__ import annotations

import importlib
import os
import re

import click

from loyalty_cli import __version__
from loyalty_cli.cli import ALIASES, COMMANDS
from loyalty_cli.errors import LoyaltyError
from loyalty_cli.language import N_, _

from .translated import Group, LanguageChoice, choose_language

_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
# "-5" where a command wants an amount: Click reads it as an unknown option.
_NEGATIVE = re.compile(r"-[0-9][0-9 ]*(?:[.,][0-9]*)?")
# Click's message for a name that is not a subcommand of a group (translated by our catalogue).
_NO_SUCH_COMMAND = N_("No such command {name!r}.")


class LazyGroup(Group):
    """A group whose subcommands are imported on first use, so start-up stays light."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, aliases: set[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}
        self.aliases = aliases or set()

    def main(self, args=None, *rest, **kwargs):
        # Before anything is parsed, so that even a usage error speaks the operator's language.
        choose_language(None if args is None else list(args))
        return super().main(args, *rest, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy} - self.aliases)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if (
            name
            and not name.startswith("-")
            and not ctx.resilient_parsing
            and self.get_command(ctx, name) is None
        ):
            hint = _did_you_mean(self, ctx, name)
            if hint:
                ctx.fail(_(_NO_SUCH_COMMAND).format(name=name) + " " + hint)
        return super().resolve_command(ctx, args)

    def make_context(self, *args, **kwargs) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as error:
            raise _in_red(error) from None

    def get_command(self, ctx: click.Context, name: str):
        if name in self.lazy:
            module, attribute = self.lazy[name].split(":")
            return getattr(importlib.import_module(f"loyalty_cli.commands.{module}"), attribute)
        return super().get_command(ctx, name)

    def shell_complete(self, ctx: click.Context, incomplete: str):
        from .completion import complete_commands  # only a Tab press needs it

        return complete_commands(self, ctx, incomplete, super().shell_complete)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Bytes that are not UTF-8 reach Python as lone surrogates; they could never be saved.
        # (NUL cannot come from a shell, but can from a program calling us.)
        for arg in [*args, os.environ.get("LOYALTY_OPERATOR", "")]:
            if _NOT_TEXT.search(arg):
                raise click.UsageError(_("not UTF-8 text: {text}").format(text=ascii(arg)), ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LoyaltyError as error:
            from .render import show_error

            show_error(_("Error: {message}").format(message=error))
            ctx.exit(int(error.status))
        except click.NoSuchOption as error:
            if _NEGATIVE.fullmatch(error.option_name):
                from loyalty_cli.money import NEGATIVE

                error = click.UsageError(f"{error.option_name!r}: {_(NEGATIVE)}", error.ctx)
            raise _in_red(error) from None
        except click.UsageError as error:
            raise _in_red(_in_a_subgroup(error)) from None
        except click.ClickException as error:
            raise _in_red(error) from None


def _did_you_mean(group: click.Group, ctx: click.Context, name: str) -> str | None:
    """ "Did you mean 'purchase'?" for a mistyped command of `group`, if one is close."""
    import difflib

    close = difflib.get_close_matches(name, group.list_commands(ctx), n=3, cutoff=0.6)
    if not close:
        return None
    if len(close) == 1:
        return _("Did you mean {command}?").format(command=repr(close[0]))
    return _("Did you mean one of {commands}?").format(commands=", ".join(map(repr, close)))


def _in_a_subgroup(error: click.UsageError) -> click.UsageError:
    """A subgroup's "No such command 'shwo'." with a "did you mean" (`member show`)."""
    name = _unknown_command(error.message)
    group = error.ctx.command if error.ctx is not None else None
    if name is None or not isinstance(group, click.Group):
        return error
    hint = _did_you_mean(group, error.ctx, name)
    return click.UsageError(f"{error.message} {hint}", error.ctx) if hint else error


def _unknown_command(message: str) -> str | None:
    """The name in Click's "No such command 'shwo'." (in the active language), else None."""
    import ast

    before, _field, after = _(_NO_SUCH_COMMAND).partition("{name!r}")
    if not _field or not message.startswith(before) or not message.endswith(after):
        return None
    try:
        name = ast.literal_eval(message[len(before) : len(message) - len(after)])
    except (ValueError, SyntaxError):
        return None
    return name if isinstance(name, str) else None


def _in_red(error: click.ClickException) -> click.ClickException:
    """The same error, its "Error:" line shown in red on a terminal (unless NO_COLOR)."""
    from .render import show_error, uses_colour

    if not uses_colour():
        return error
    show = error.show

    def show_in_red(file=None) -> None:
        import io

        buffer = io.StringIO()
        show(buffer)
        show_error(buffer.getvalue(), file=file, nl=False)

    error.show = show_in_red
    return error


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    aliases=ALIASES,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--data-dir",
    envvar="LOYALTY_DATA_DIR",
    type=click.Path(file_okay=False),
    help="Where the shop's data lives [env LOYALTY_DATA_DIR; default: your user data folder].",
)
@click.option(
    "--database",
    envvar="LOYALTY_DATABASE_URL",
    metavar="URL",
    help="A shared programme in PostgreSQL instead of the data folder (postgresql://user@host/db) "
    "[env LOYALTY_DATABASE_URL].",
)
@click.option(
    "--operator",
    envvar="LOYALTY_OPERATOR",
    help="Who is at the till; recorded on every entry [env LOYALTY_OPERATOR; default: login name].",
)
@click.option(
    "--wait",
    envvar="LOYALTY_WAIT",
    type=click.FloatRange(min=0),
    default=10,
    show_default=True,
    help="Seconds to wait for another loyalty process to finish [env LOYALTY_WAIT].",
)
@click.option(
    "--lang",
    # LOYALTY_LANG is read with the system's settings (choose_language): one we do not speak
    # falls through to them instead of stopping every command.
    type=LanguageChoice(),
    expose_value=False,
    is_eager=True,
    help="The language to speak: en, lv or ru [env LOYALTY_LANG; else LANGUAGE, LC_ALL, "
    "LC_MESSAGES, LANG; default: en].",
)
@click.version_option(__version__, "--version", prog_name="loyalty", message="%(prog)s %(version)s")
@click.pass_context
def cli(
    ctx: click.Context, data_dir: str | None, database: str | None, operator: str | None, wait: float
) -> None:
    """Run a shop's loyalty programme: members, points, tiers, prize draws and statements.

    \b
    Example:
      loyalty init --name "Maiznīca Rīts" --currency EUR --timezone Europe/Riga
      loyalty enroll "Anna Bērziņa" --phone 29123456
      loyalty purchase 29123456 12,30 --receipt K1-0001

    Exit codes: 0 done, 1 refused, 2 bad usage, 3 data problem, 70 internal error, 75 busy.
    """
    from .context import Env

    ctx.obj = Env.create(data_dir=data_dir, operator=operator, wait=wait, database=database)
