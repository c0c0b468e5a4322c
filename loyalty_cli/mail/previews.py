"""The dry run of a campaign: the letters the next run would send, written as `.eml` files.

Nothing is sent and nothing is recorded. A letter already sent is left out, and an unsure
one too (unless it would be sent again), exactly as the next run would; `--limit` counts
the files. The files hold members' details: each is readable by its owner only (0600), in
a folder created private (0700) if missing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from loyalty_cli.errors import InvalidInput
from loyalty_cli.mail.envelopes import envelope
from loyalty_cli.mail.sending import Report, Run, due_letters

if TYPE_CHECKING:
    from loyalty_cli.clock import Clock
    from loyalty_cli.mail.letters import Campaign


def preview(
    store,
    campaign: Campaign,
    sender: tuple[str, str],
    clock: Clock,
    folder: Path,
    *,
    limit: int | None = None,
    resend_unsure: bool = False,
    report: Report | None = None,
) -> Run:
    """Write the letters the next run would send as `<card>.eml` files (0600) in `folder`;
    send nothing and record nothing."""
    from loyalty_cli import files

    tell = report or (lambda card, outcome, detail: None)
    run = Run(campaign.id)
    reader = store.read()
    with files.reporting(folder):  # a folder that cannot be made: one line, exit 3
        files.ensure_dir(folder)
    for letter, _state in due_letters(reader, campaign, run, resend_unsure=resend_unsure):
        if limit is not None and len(run.written) >= limit:
            run.left += 1
            continue
        try:
            message = envelope(letter, campaign=campaign.id, sender=sender, at=clock.now)
        except InvalidInput as error:
            run.failed[letter.card] = str(error)
            tell(letter.card, "failed", str(error))
            continue
        path = folder / f"{_file_name(letter.card)}.eml"
        with files.reporting(path):
            _write_private(path, message.as_bytes())
        run.written.append(str(path))
        tell(letter.card, "written", str(path))
    run.skipped = {**campaign.skipped, **run.skipped}
    return run


def _file_name(card: str) -> str:
    # Card numbers are digits, letters and dashes; anything else never reaches a path.
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in card) or "_"


def _write_private(path: Path, content: bytes) -> None:
    """Write `content` to `path`, readable by its owner only (0600), replacing an earlier file."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb", closefd=False) as handle:
            handle.write(content)
    finally:
        os.close(descriptor)
