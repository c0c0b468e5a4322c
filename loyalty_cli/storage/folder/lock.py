"""The inter-process lock on a data directory: one writer at a time, waiting up to --wait."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from loyalty_cli.errors import Busy
from loyalty_cli.files import FILE_MODE
from loyalty_cli.language import _

POLL_SECONDS = 0.05
# After this long, the person at the till is told that the command is waiting, not stuck.
PATIENCE_SECONDS = 0.5


class DirectoryLock:
    """An exclusive flock on DIR/.lock, released when the process ends, even by SIGKILL.

    `on_wait`, if given, is called once when the lock has been waited for PATIENCE_SECONDS.
    """

    def __init__(self, directory: Path, wait: float, on_wait: Callable[[], None] | None = None):
        self.path = directory / ".lock"
        self.wait = wait
        self.on_wait = on_wait
        self._fd: int | None = None

    def __enter__(self) -> DirectoryLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        started = time.monotonic()
        deadline = started + max(self.wait, 0)
        on_wait = self.on_wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise Busy(
                        _(
                            "another loyalty process is using {folder} (waited {seconds} s); "
                            "try again, or give more --wait"
                        ).format(folder=self.path.parent, seconds=f"{self.wait:g}")
                    ) from None
                if on_wait is not None and time.monotonic() - started >= PATIENCE_SECONDS:
                    on_wait()
                    on_wait = None
                time.sleep(POLL_SECONDS)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
