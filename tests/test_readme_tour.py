"""The README's tour runs verbatim: every command in it, in order, on the shop it sets up."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import NOW

README = Path(__file__).resolve().parent.parent / "README.md"


def tour_commands() -> list[str]:
    """The command lines of the README's "A tour" section, in order (comments dropped)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## A tour\n", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def test_the_tour_has_commands():
    commands = tour_commands()
    assert len(commands) >= 15
    assert all(c.startswith(("loyalty ", "export ")) for c in commands), commands


def test_every_tour_command_runs_verbatim(tmp_path):
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "LOYALTY_NOW": NOW,
        "LOYALTY_OPERATOR": "anna",
        "NO_COLOR": "1",
    }
    env.pop("LOYALTY_DATA_DIR", None)
    script = "set -e\n" + "\n".join(
        f"echo '>>> {i}' >&2\n{command}" for i, command in enumerate(tour_commands())
    )
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr
