"""Backup archives: one .tar.gz of a data directory's files and a manifest of their SHA-256.

The manifest (MANIFEST.json, the first member) names every file with its size and hash,
and says when the archive was taken and from what. Reading an archive checks all of it:
only plain files with data-file names, each exactly as the manifest says. Files are
streamed, never held in memory whole.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import re
import shutil
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path

import orjson

from . import __version__, files
from .errors import DataProblem

FORMAT = "loyalty-backup"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
# Names a data file may have inside an archive: relative, no "..", no temp files.
_ALLOWED = re.compile(r"^(loyalty\.json|ledger(/[A-Za-z0-9_][A-Za-z0-9_.-]*)+|backups/loyalty-[0-9]+\.json)$")
_CHUNK = 1 << 20


def write(path: Path, root: Path, names: list[str], *, info: dict) -> dict:
    """Archive the files `names` (relative to `root`) at `path`, atomically; returns the manifest."""
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "loyalty": __version__,
        **info,
        "files": {name: _describe(root / name) for name in names},
    }
    with files.atomic_output(path) as out, tarfile.open(fileobj=out, mode="w:gz", compresslevel=6) as tar:
        data = orjson.dumps(manifest, option=orjson.OPT_INDENT_2)
        tar.addfile(_member(MANIFEST, len(data)), io.BytesIO(data))
        for name in names:
            with open(root / name, "rb") as source:
                tar.addfile(_member(name, manifest["files"][name]["size"]), source)
    return manifest


def extract(path: Path, target: Path) -> dict:
    """Check the archive while writing its files under `target` (private); returns the manifest.

    Raises DataProblem if anything is off in the archive, OSError if it cannot be read or
    the files cannot be written; what was written under `target` is then the caller's to
    remove.
    """
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            manifest = _extract_members(tar, path, target)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DataProblem(f"{path} is not a readable backup archive ({error})") from None
    if "loyalty.json" not in manifest["files"]:
        raise DataProblem(f"{path} holds no loyalty.json")
    return manifest


def read_manifest(path: Path) -> dict:
    """The manifest of an archive (its first member), checked; DataProblem if there is none."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise DataProblem(f"{path} does not start with {MANIFEST}; this is not a loyalty backup")
            return _manifest(tar.extractfile(first).read(), path)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as error:
        raise DataProblem(f"{path} is not a readable backup archive ({error})") from None


def rewrite(path: Path, change: Callable[[str, bytes], bytes], workdir: Path) -> bool:
    """Pass every file of the archive through `change`; rewrite the archive if any changed.

    `workdir` is a folder on the same disk for the unpacked copy (removed afterwards).
    """
    unpacked = workdir / f"{files.TEMP_PREFIX}archive-{os.getpid()}"
    try:
        manifest = extract(path, unpacked)
        changed = False
        for name in manifest["files"]:
            data = (unpacked / name).read_bytes()
            new = change(name, data)
            if new != data:
                files.write_atomic(unpacked / name, new)
                changed = True
        if changed:
            info = {k: v for k, v in manifest.items() if k not in ("format", "version", "loyalty", "files")}
            write(path, unpacked, list(manifest["files"]), info=info)
        return changed
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)


def _describe(path: Path) -> dict:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _member(name: str, size: int) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.size = size
    member.mode = files.FILE_MODE
    return member


def _extract_members(tar: tarfile.TarFile, path: Path, target: Path) -> dict:
    manifest: dict | None = None
    seen: set[str] = set()
    for member in tar:
        if not member.isfile():
            raise DataProblem(f"{path}: {member.name!r} is not a plain file; this is not a loyalty backup")
        if manifest is None:
            if member.name != MANIFEST:
                raise DataProblem(f"{path} does not start with {MANIFEST}; this is not a loyalty backup")
            manifest = _manifest(tar.extractfile(member).read(), path)
            continue
        listed = manifest["files"].get(member.name)
        if listed is None or not _ALLOWED.match(member.name) or member.name in seen:
            raise DataProblem(f"{path}: unexpected file {member.name!r}; this is not a loyalty backup")
        seen.add(member.name)
        _copy_checked(tar.extractfile(member), target / member.name, listed, path, member.name)
    if manifest is None:
        raise DataProblem(f"{path} is empty; this is not a loyalty backup")
    missing = sorted(set(manifest["files"]) - seen)
    if missing:
        raise DataProblem(f"{path} lacks {', '.join(missing[:3])}, which its manifest lists")
    return manifest


def _copy_checked(source, destination: Path, listed: dict, path: Path, name: str) -> None:
    files.ensure_dir(destination.parent)
    digest = hashlib.sha256()
    with files.atomic_output(destination) as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != listed.get("sha256"):
        with contextlib.suppress(OSError):
            destination.unlink()
        raise DataProblem(f"{path}: {name} is damaged (its SHA-256 differs from the manifest)")


def _manifest(data: bytes, path: Path) -> dict:
    try:
        manifest = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise DataProblem(f"{path}: its {MANIFEST} is damaged") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DataProblem(f"{path} is not a loyalty backup")
    if not isinstance(manifest.get("version"), int) or manifest["version"] > FORMAT_VERSION:
        raise DataProblem(f"{path} was made by a newer version of loyalty; upgrade loyalty")
    if not isinstance(manifest.get("files"), dict) or not all(
        isinstance(v, dict) for v in manifest["files"].values()
    ):
        raise DataProblem(f"{path}: its {MANIFEST} does not list the files")
    return manifest
