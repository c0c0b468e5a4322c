"""`completion`: Tab completion in bash, zsh and fish, by Click's completion mechanism.

The script a shell loads calls `loyalty` back with `_LOYALTY_COMPLETE` set (Click's
protocol) and the words typed so far; `loyalty` answers with what may come next: a
command, an option, a programme setting for `program set` (and its values, where there
are few), a member's card for a MEMBER argument, found by the start of the card number
or of a name, or a tier's name for `mail offer --tier`. A completion never writes, never
waits for a lock and never prints an error: a shop that cannot be read completes nothing.
"""

from __future__ import annotations

import os

import click

from loyalty_cli.language import _

from .translated import Command

SHELLS = ("bash", "zsh", "fish")
PROGRAM = "loyalty"
COMPLETE_VAR = "_LOYALTY_COMPLETE"
MEMBERS_SHOWN = 40
# A Tab gives up on a database server that does not answer after this many seconds (libpq's
# least), where a command waits 10.
CONNECT_SECONDS = 2
# The values of the settings that take one of a few words.
SETTING_VALUES = {
    "language": ("en", "lv", "ru"),
    "earn.mode": ("points", "cashback"),
    "discount.stack": ("true", "false"),
}


@click.command(cls=Command)
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell):
    """Print the Tab completion script for bash, zsh or fish.

    Tab then completes commands, options, the settings of `program set`, members (by the
    start of a card number or of a name) and the tiers of `mail offer --tier`. Save the
    script where the shell looks for completions, once, and open a new terminal.

    \b
    Example:
      loyalty completion bash > ~/.local/share/bash-completion/completions/loyalty
      loyalty completion zsh > ~/.zfunc/_loyalty
      loyalty completion fish > ~/.config/fish/completions/loyalty.fish

    For zsh, ~/.zshrc needs `fpath+=~/.zfunc` before `autoload -Uz compinit && compinit`.
    """
    from click.shell_completion import get_completion_class

    root = click.get_current_context().find_root().command
    script = get_completion_class(shell)(root, {}, PROGRAM, COMPLETE_VAR).source()
    click.echo(script, nl=not script.endswith("\n"))


def complete_commands(group: click.Group, ctx: click.Context, incomplete: str, complete_loaded):
    """The subcommands of `group` that start with `incomplete`, and its options.

    Bash shows no descriptions, so its answer needs no command's module: the names come
    from the table in loyalty_cli/cli.py. zsh and fish show each command's first line of
    help, so the matching commands are loaded (`complete_loaded`, Click's own way).
    """
    if _shell_shows_help():
        return complete_loaded(ctx, incomplete)
    from click.shell_completion import CompletionItem

    names = [name for name in group.list_commands(ctx) if name.startswith(incomplete)]
    return [CompletionItem(name) for name in names] + click.Command.shell_complete(group, ctx, incomplete)


def complete_member(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Cards of the members whose card or name starts with `incomplete` (each with the name
    as its description, where the shell shows one)."""
    from click.shell_completion import CompletionItem

    shop = _shop(ctx)
    if shop is None:
        return []
    from loyalty_cli import member_search

    try:
        found = member_search.starting_with(shop, incomplete, MEMBERS_SHOWN)
    except Exception:  # a damaged shop completes nothing; the command itself will say why
        return []
    if not _shell_shows_help() and len(found) > 1:
        # Bash shows cards without names, and would put their common start ("27") in place
        # of the name typed: a name completes there only when one member has it.
        from loyalty_cli import cards

        found = [(card, name) for card, name in found if card.startswith(cards.normalise(incomplete))]
    return [CompletionItem(card, help=name) for card, name in found]


def complete_tier(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """The programme's tiers whose name starts with `incomplete` (in any case, as the
    commands take them), lowest first, each with the 12-month spend that reaches it."""
    from click.shell_completion import CompletionItem

    shop = _shop(ctx)
    if shop is None:
        return []
    try:
        programme = shop.programme()
        tiers = programme.tiers
    except Exception:  # a damaged programme completes nothing; the command itself will say why
        return []
    from loyalty_cli import formats

    start = incomplete.casefold()
    return [
        CompletionItem(
            tier.name,
            help=_("12-month spend from {amount}").format(
                amount=formats.money(tier.spend, programme.currency)
            ),
        )
        for tier in tiers
        if tier.name.casefold().startswith(start)
    ]


def complete_setting(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """The programme's settings that start with `incomplete`, each with what it means."""
    from click.shell_completion import CompletionItem

    from loyalty_cli import program

    return [
        CompletionItem(key, help=_(meaning))
        for key, meaning in program.KEY_HELP.items()
        if key.startswith(incomplete)
    ]


def complete_setting_value(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """The values of the setting being set, where it takes one of a few words."""
    from click.shell_completion import CompletionItem

    key = ctx.params.get("key")
    if key == "timezone":
        import zoneinfo

        values = sorted(zoneinfo.available_timezones())
    else:
        values = SETTING_VALUES.get(key, ())
    return [CompletionItem(value) for value in values if value.startswith(incomplete)]


def _shell_shows_help() -> bool:
    """Whether the shell asking shows a description beside each completion (zsh, fish)."""
    return not os.environ.get(COMPLETE_VAR, "").startswith("bash")


def _shop(ctx: click.Context):
    """The shop named by the root options typed so far (or their environment variables), read
    without a lock; None when there is none or it cannot be read."""
    from .context import Env

    options = ctx.find_root().params
    database = options.get("database")
    if database and "connect_timeout=" not in database:
        database += ("&" if "?" in database else "?") + f"connect_timeout={CONNECT_SECONDS}"
    try:
        env = Env.create(data_dir=options.get("data_dir"), operator="completion", wait=0, database=database)
        store = env.store()
        return store.read() if store.exists() else None
    except Exception:  # whatever the store says, a Tab press prints nothing but completions
        return None
