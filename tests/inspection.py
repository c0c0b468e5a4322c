"""Looking inside a data directory the way an auditor would: every byte of every file."""

from __future__ import annotations

import tarfile
from pathlib import Path

from loyalty_cli.files import TEMP_PREFIX
from loyalty_cli.storage.folder import member_rows


def every_byte(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` with its content; archives are opened and their files listed too."""
    found: dict[str, bytes] = {}
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(directory))
        data = path.read_bytes()
        found[name] = data
        if path.name.endswith(".tar.gz"):
            with tarfile.open(path, "r:gz") as tar:
                for member in tar:
                    if member.isfile():
                        found[f"{name}!{member.name}"] = tar.extractfile(member).read()
    return found


def files_holding(directory: Path, *texts: str) -> list[str]:
    """The files (and archive members) under `directory` that contain any of `texts`."""
    needles = [t.encode() for t in texts] + [t.encode("unicode_escape") for t in texts]
    return [name for name, data in every_byte(directory).items() if any(n in data for n in needles)]


def temp_files(directory: Path) -> list[str]:
    """Leftover temp files or folders anywhere under `directory`."""
    return [str(p.relative_to(directory)) for p in directory.rglob(f"{TEMP_PREFIX}*")]


def has_command(loyalty, *words: str) -> bool:
    """Whether this version of loyalty has the command (some arrive from other work)."""
    return loyalty(*words, "--help", expect=None).exit_code == 0


def edit_member(document: dict, change, card: str | None = None) -> dict:
    """Change a member (the first, or the one with `card`) in a parsed hot file, as a hand edit would.

    Members are stored as rows (loyalty_cli/storage/folder/member_rows.py): the row is unpacked, changed
    and packed again. Returns the member as changed.
    """
    rows = document["members"]
    index = next(i for i, row in enumerate(rows) if card is None or member_rows.card_of(row) == card)
    member = member_rows.from_row(rows[index])
    change(member)
    rows[index] = member_rows.to_row(member)
    return member
