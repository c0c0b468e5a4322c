"""Durable files: write beside, flush, fsync, rename over, fsync the directory."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

TEMP_PREFIX = ".tmp-"
FILE_MODE = 0o600
DIR_MODE = 0o700


def ensure_dir(path: Path) -> None:
    """Create a private directory (0700) if it is missing."""
    if not path.is_dir():
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(path, DIR_MODE)


def write_atomic(
    path: Path, data: bytes, before_replace: Callable[[], None] | None = None, *, sync_dir: bool = True
) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file.

    `before_replace` runs once the new data is safely on disk, just before it takes the
    place of the old (to keep the old one as a backup); if it fails, nothing is replaced.
    Without `sync_dir` the caller makes the rename durable itself (fsync_dir), once for
    many files.
    """
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    os.close(fd)
    try:
        if before_replace is not None:
            before_replace()
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    if sync_dir:
        fsync_dir(path.parent)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A file to stream into that appears at `path` complete, or not at all."""
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}")
    handle = open(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb")  # noqa: SIM115
    try:
        with handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(directory: Path, subdirectories: tuple[str, ...] = ()) -> None:
    """Delete temp files and folders a killed writer left behind (only ever under the lock).

    Looks in `directory` and in the given subdirectories of it.
    """
    for folder in (directory, *(directory / name for name in subdirectories)):
        if not folder.is_dir():
            continue
        for stale in folder.glob(f"{TEMP_PREFIX}*"):
            if stale.is_dir() and not stale.is_symlink():
                import shutil  # rarely needed: not worth its start-up cost on every command

                shutil.rmtree(stale, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    stale.unlink()
