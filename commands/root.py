"""The root `loyalty` group: global options, lazily loaded subcommands, errors to exit codes."""

from __future__ import annotations

import importlib
import os
import re

import click

from loyalty_cli import __version__
from loyalty_cli.cli import COMMANDS
from loyalty_cli.errors import LoyaltyError

_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, so start-up stays light."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str):
        if name in self.lazy:
            module, attribute = self.lazy[name].split(":")
            return getattr(importlib.import_module(f"loyalty_cli.commands.{module}"), attribute)
        return super().get_command(ctx, name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Bytes that are not UTF-8 reach Python as lone surrogates; they could never be saved.
        # (NUL cannot come from a shell, but can from a program calling us.)
        for arg in [*args, os.environ.get("LOYALTY_OPERATOR", "")]:
            if _NOT_TEXT.search(arg):
                raise click.UsageError(f"not UTF-8 text: {arg!a}", ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LoyaltyError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(int(error.status))


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    envvar="LOYALTY_DATA_DIR",
    type=click.Path(file_okay=False),
    help="Where the shop's data lives [env LOYALTY_DATA_DIR; default: your user data folder].",
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
@click.version_option(__version__, "--version", prog_name="loyalty", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None, operator: str | None, wait: float) -> None:
    """Run a shop's loyalty programme: members, points, tiers, prize draws and statements.

    \b
    Example:
      loyalty init --name "Maiznīca Rīts" --currency EUR --timezone Europe/Riga
      loyalty enroll "Anna Bērziņa" --phone 29123456
      loyalty purchase 29123456 12,30 --receipt K1-0001

    Exit codes: 0 done, 1 refused, 2 bad usage, 3 data problem, 75 busy.
    """
    from .context import Env

    ctx.obj = Env.create(data_dir=data_dir, operator=operator, wait=wait)
