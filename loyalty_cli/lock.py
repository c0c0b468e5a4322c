"""The inter-process lock on a data directory: one writer at a time, waiting up to --wait."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .errors import Busy
from .files import FILE_MODE

POLL_SECONDS = 0.05


class DirectoryLock:
    """An exclusive flock on DIR/.lock, released when the process ends, even by SIGKILL."""

    def __init__(self, directory: Path, wait: float):
        self.path = directory / ".lock"
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> DirectoryLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        deadline = time.monotonic() + max(self.wait, 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise Busy(
                        f"another loyalty process is using {self.path.parent} "
                        f"(waited {self.wait:g}s); try again, or give more --wait"
                    ) from None
                time.sleep(POLL_SECONDS)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
