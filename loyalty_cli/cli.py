"""The `loyalty` command: its entry point and the table of subcommands.

The root Click group lives in `loyalty_cli.commands.root`; this module stays free of
imports so that `loyalty --version` answers without loading Click at all.
"""

from __future__ import annotations

import os
import sys

from loyalty_cli import __version__
from loyalty_cli.errors import ExitStatus

# name -> "module:attribute" in loyalty_cli.commands; imported only when used.
COMMANDS = {
    "init": "programme:init",
    "program": "programme:program",
    "enroll": "members:enroll",
    "enrol": "members:enroll",
    "member": "members:member",
    "purchase": "points:purchase",
    "quote": "points:quote",
    "redeem": "points:redeem",
    "adjust": "points:adjust",
    "refund": "points:refund",
    "expire": "jobs:expire",
    "birthdays": "jobs:birthdays",
    "tiers": "jobs:tiers_group",
    "maintain": "jobs:maintain",
    "import": "exchange:import_group",
    "verify": "maintenance:verify",
    "statement": "statements:statement",
    "statements": "statements:statements",
    "report": "reports:report",
    "export": "exports:export",
    "draw": "draws:draw",
    "partner": "partners:partner",
    "plan": "plans:plan",
    "reward": "rewards:reward",
    "card": "cards:card",
    "completion": "completion:completion",
    "backup": "safekeeping:backup",
    "restore": "safekeeping:restore",
    "migrate": "moving:migrate",
    "nps": "nps:nps",
    "till": "till:till",
    "mail": "mail:mail",
}
# Other spellings people type; they work but are not listed in --help.
ALIASES = {"enrol"}


def main() -> None:
    """Entry point of the `loyalty` command."""
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"loyalty {__version__}\n")
        return
    import gc

    # One command, then the process ends. Its data is plain JSON, free of reference cycles,
    # so the cycle collector would only spend time: over a large import, a third of it.
    gc.disable()
    from loyalty_cli.commands.root import cli as root

    try:
        root.main(prog_name="loyalty")
    except SystemExit as done:  # how Click ends every command
        _end_now(done.code)
    except Exception as error:  # a bug, not a user error: one line unless debugging
        if os.environ.get("LOYALTY_DEBUG"):
            raise
        from loyalty_cli.language import _

        message = _("internal error ({kind}: {error}); nothing was written").format(
            kind=type(error).__name__, error=error
        )
        sys.stderr.write(_("Error: {message}").format(message=message) + "\n")
        sys.exit(int(ExitStatus.SOFTWARE))


def _end_now(code) -> None:
    """End the process with this exit status, skipping the interpreter's teardown.

    The command has finished: its data is written and fsync'ed, its files are closed.
    Tearing the interpreter down would free, one by one, every object it built: after an
    import of 600,000 purchases, two and a half seconds of work with no effect.
    """
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        sys.stderr.write(f"{code}\n")
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or 120  # what Python itself exits with when stdout cannot be flushed
    os._exit(status)


def __getattr__(name: str):
    # `from loyalty_cli.cli import cli` still gives the root group, loaded on demand.
    if name == "cli":
        from loyalty_cli.commands.root import cli as root

        return root
    raise AttributeError(name)
