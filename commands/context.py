"""What every command gets: the environment (data directory, operator, clock) and shared options."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

import click

from loyalty_cli import text_fields
from loyalty_cli.clock import Clock
from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import _
from loyalty_cli.storage.folder.store import Store


@dataclass
class Env:
    """The environment of one invocation; tests replace its parts."""

    data_dir: Path
    operator: str
    wait: float
    clock: Clock
    # A PostgreSQL URL (--database): the programme is there instead of in data_dir.
    database: str | None = None

    @classmethod
    def create(
        cls, *, data_dir: str | None, operator: str | None, wait: float, database: str | None = None
    ) -> Env:
        if data_dir is None:
            from platformdirs import user_data_dir

            data_dir = user_data_dir("loyalty", appauthor=False)
        if operator:
            operator = text_fields.clean(operator, "operator")
        if not operator:
            try:
                operator = getpass.getuser()
            except (KeyError, OSError):
                operator = "unknown"
        return cls(Path(data_dir), operator, wait, Clock.system(), database or None)

    def store(self) -> Store:
        if self.database:
            # only a command given a URL loads it
            from loyalty_cli.storage.postgres.store import PostgresStore

            return PostgresStore(self.database, self.wait, self.clock, on_wait=_say_waiting)
        return Store(self.data_dir, self.wait, self.clock, on_wait=_say_waiting)


def _say_waiting() -> None:
    click.echo(_("Waiting for another loyalty process..."), err=True)


pass_env = click.make_pass_decorator(Env)


def member_argument(name: str = "member_ref", metavar: str = "MEMBER", **kwargs):
    """A MEMBER argument (a card or a phone): Tab completes it from the members' cards and names."""
    return click.argument(name, metavar=metavar, shell_complete=complete_member, **kwargs)


def complete_member(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    from .completion import complete_member  # only a Tab press needs it

    return complete_member(ctx, param, incomplete)


def json_option(function):
    """--json: one JSON document on stdout instead of text for people."""
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(function)


def output_options(function):
    """--json / --csv for listings: the same flags on every list."""
    function = click.option("--csv", "as_csv", is_flag=True, help="Print CSV (for spreadsheets).")(function)
    return json_option(function)


class Amount(click.ParamType):
    """Money as typed at the till: 12.30 or 12,30."""

    name = "amount"

    def convert(self, value, param, ctx):
        from loyalty_cli.money import parse_amount

        try:
            return parse_amount(value)
        except InvalidInput as error:
            self.fail(str(error), param, ctx)


class Day(click.ParamType):
    """A calendar date, YYYY-MM-DD."""

    name = "date"

    def convert(self, value, param, ctx):
        from loyalty_cli.clock import parse_date

        try:
            return parse_date(value)
        except InvalidInput as error:
            self.fail(str(error), param, ctx)


AMOUNT = Amount()
DAY = Day()


class OutputFile(click.Path):
    """A file the command will write: its folder must exist and be writable, checked up front
    so that a mistyped path is a usage error before any work is done, never after it."""

    def __init__(self):
        super().__init__(dir_okay=False, writable=True, path_type=Path)

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        folder = Path(path).absolute().parent
        if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
            self.fail(
                _("cannot write {path!r}: {folder} is not a folder you can write to").format(
                    path=str(value), folder=folder
                ),
                param,
                ctx,
            )
        return path


OUTPUT_FILE = OutputFile()
