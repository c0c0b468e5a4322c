"""Every command teaches itself: help text with an example."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from loyalty_cli.cli import cli


def all_commands():
    ctx = click.Context(cli)
    stack = [((), cli)]
    while stack:
        path, command = stack.pop()
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                stack.append(((*path, name), command.get_command(ctx, name)))
        else:
            yield path


@pytest.mark.parametrize("path", sorted(all_commands()), ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_version():
    from loyalty_cli import __version__

    result = CliRunner().invoke(cli, ["--version"])
    assert result.output == f"loyalty {__version__}\n"
