"""Backup archives: one .tar.gz of a data directory's files and a manifest of their SHA-256.

The manifest (MANIFEST.json, the first member) names every file with its size and hash,
and says when the archive was taken and from what. Reading an archive checks all of it:
only plain files with data-file names, each exactly as the manifest says. Files are
streamed, never held in memory whole.

Before anything is unpacked, the sizes the manifest declares are held against limits (a
few kilobytes of gzip can expand to gigabytes): the manifest itself at most
MANIFEST_LIMIT, each file at most LOYALTY_ARCHIVE_MAX_FILE_MB (default 512), all of them
at most LOYALTY_ARCHIVE_MAX_TOTAL_MB (default 8192) and no more than the disk has free;
each file in the archive must then be exactly as large as declared.
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
from decimal import Decimal
from pathlib import Path

import orjson

from loyalty_cli import __version__, files, formats
from loyalty_cli.errors import DataProblem
from loyalty_cli.language import N_, _, ngettext

FORMAT = "loyalty-backup"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
# Names a data file may have inside an archive: relative, no "..", no temp files.
_ALLOWED = re.compile(
    r"^(loyalty\.json|ledger(/[A-Za-z0-9_][A-Za-z0-9_.-]*)+|backups/loyalty-[0-9]+\.json"
    r"|outbox/[a-z0-9][a-z0-9.-]*\.jsonl|surveys/answers\.jsonl)$"
)
_ROTATING_BACKUP = re.compile(r"^backups/loyalty-[0-9]+\.json$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
MANIFEST_LIMIT = 16 << 20
_MB = 1 << 20
_NOT_FIRST = N_("{path} does not start with {manifest}; this is not a loyalty backup")
_DAMAGED = N_("{path}: {name} is damaged (its SHA-256 differs from the manifest)")
DEFAULT_FILE_LIMIT_MB = 512
DEFAULT_TOTAL_LIMIT_MB = 8192


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


def extract(path: Path, target: Path, *, data_only: bool = False) -> dict:
    """Check the archive while writing its files under `target` (private); returns the manifest.

    With `data_only`, copies of rotating backups in the archive (an archive a restore
    kept holds them) are checked but not written: only the data is.
    Raises DataProblem if anything is off in the archive, OSError if it cannot be read or
    the files cannot be written; what was written under `target` is then the caller's to
    remove.
    """
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            manifest = _extract_members(tar, path, target, data_only)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DataProblem(
            _("{path} is not a readable backup archive ({error})").format(path=path, error=error)
        ) from None
    if "loyalty.json" not in manifest["files"]:
        raise DataProblem(_("{path} holds no loyalty.json").format(path=path))
    return manifest


def read_manifest(path: Path) -> dict:
    """The manifest of an archive (its first member), checked; DataProblem if there is none."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise DataProblem(_(_NOT_FIRST).format(path=path, manifest=MANIFEST))
            return _read_manifest(tar, first, path)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as error:
        raise DataProblem(
            _("{path} is not a readable backup archive ({error})").format(path=path, error=error)
        ) from None


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


def _extract_members(tar: tarfile.TarFile, path: Path, target: Path, data_only: bool) -> dict:
    manifest: dict | None = None
    seen: set[str] = set()
    for member in tar:
        if not member.isfile():
            raise DataProblem(
                _("{path}: {name} is not a plain file; this is not a loyalty backup").format(
                    path=path, name=repr(member.name)
                )
            )
        if manifest is None:
            if member.name != MANIFEST:
                raise DataProblem(_(_NOT_FIRST).format(path=path, manifest=MANIFEST))
            manifest = _read_manifest(tar, member, path)
            _check_sizes(manifest, path, target, data_only)
            continue
        listed = manifest["files"].get(member.name)
        if listed is None or not _ALLOWED.match(member.name) or member.name in seen:
            raise DataProblem(
                _("{path}: unexpected file {name}; this is not a loyalty backup").format(
                    path=path, name=repr(member.name)
                )
            )
        if member.size != listed["size"]:
            raise DataProblem(
                _("{path}: {name} is not the size its manifest says; this is not a sound backup").format(
                    path=path, name=member.name
                )
            )
        seen.add(member.name)
        source = tar.extractfile(member)
        if data_only and _ROTATING_BACKUP.match(member.name):
            _check_only(source, listed, path, member.name)
        else:
            _copy_checked(source, target / member.name, listed, path, member.name)
    if manifest is None:
        raise DataProblem(_("{path} is empty; this is not a loyalty backup").format(path=path))
    missing = sorted(set(manifest["files"]) - seen)
    if missing:
        raise DataProblem(
            _("{path} lacks {names}, which its manifest lists").format(
                path=path, names=", ".join(missing[:3])
            )
        )
    return manifest


def limits() -> tuple[int, int]:
    """The largest file and the largest total (bytes) an archive may unpack to."""
    return (
        _megabytes("LOYALTY_ARCHIVE_MAX_FILE_MB", DEFAULT_FILE_LIMIT_MB),
        _megabytes("LOYALTY_ARCHIVE_MAX_TOTAL_MB", DEFAULT_TOTAL_LIMIT_MB),
    )


def _megabytes(variable: str, default: int) -> int:
    value = os.environ.get(variable, "").strip()
    if not value:
        return default * _MB
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise DataProblem(
            _("{variable} must be a whole number of megabytes, not {value}").format(
                variable=variable, value=repr(value)
            )
        )
    return number * _MB


def _read_manifest(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> dict:
    if member.size > MANIFEST_LIMIT:
        raise DataProblem(
            ngettext(
                "{path}: its {manifest} is {count} byte, more than a backup's ever is; "
                "this is not a loyalty backup",
                "{path}: its {manifest} is {count} bytes, more than a backup's ever is; "
                "this is not a loyalty backup",
                member.size,
            ).format(path=path, manifest=MANIFEST, count=formats.number(member.size))
        )
    return _manifest(tar.extractfile(member).read(), path)


def _check_sizes(manifest: dict, path: Path, target: Path, data_only: bool) -> None:
    """The declared sizes within the limits and the free space, before anything is unpacked."""
    per_file, most = limits()
    total = 0
    for name, listed in manifest["files"].items():
        size = listed.get("size")
        if not _ALLOWED.match(name):
            raise DataProblem(
                _("{path}: unexpected file {name} in its {manifest}; not a loyalty backup").format(
                    path=path, name=repr(name), manifest=MANIFEST
                )
            )
        sha256 = listed.get("sha256")
        sound = isinstance(size, int) and not isinstance(size, bool) and size >= 0
        if not sound or not isinstance(sha256, str) or not _SHA256.match(sha256):
            raise DataProblem(
                _("{path}: its {manifest} lists {name} without a size and SHA-256").format(
                    path=path, manifest=MANIFEST, name=repr(name)
                )
            )
        if size > per_file:
            raise DataProblem(
                _(
                    "{path}: {name} would unpack to {size}, more than the limit of {limit} "
                    "(LOYALTY_ARCHIVE_MAX_FILE_MB); nothing was unpacked"
                ).format(path=path, name=name, size=_in_mb(size), limit=_in_mb(per_file))
            )
        if not (data_only and _ROTATING_BACKUP.match(name)):
            total += size
    if total > most:
        raise DataProblem(
            _(
                "{path} would unpack to {size}, more than the limit of {limit} "
                "(LOYALTY_ARCHIVE_MAX_TOTAL_MB); nothing was unpacked"
            ).format(path=path, size=_in_mb(total), limit=_in_mb(most))
        )
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    if total > free:
        raise DataProblem(
            _("{path} unpacks to {size}, but {folder} has only {free} free; nothing was unpacked").format(
                path=path, size=_in_mb(total), folder=existing, free=_in_mb(free)
            )
        )


def _in_mb(size: int) -> str:
    return _("{size} MB").format(size=formats.decimal(Decimal(size) / _MB, 1))


def _check_only(source, listed: dict, path: Path, name: str) -> None:
    digest = hashlib.sha256()
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
    if digest.hexdigest() != listed.get("sha256"):
        raise DataProblem(_(_DAMAGED).format(path=path, name=name))


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
        raise DataProblem(_(_DAMAGED).format(path=path, name=name))


def _manifest(data: bytes, path: Path) -> dict:
    try:
        manifest = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise DataProblem(
            _("{path}: its {manifest} is damaged").format(path=path, manifest=MANIFEST)
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DataProblem(_("{path} is not a loyalty backup").format(path=path))
    if not isinstance(manifest.get("version"), int) or manifest["version"] > FORMAT_VERSION:
        raise DataProblem(
            _("{path} was made by a newer version of loyalty; upgrade loyalty").format(path=path)
        )
    if not isinstance(manifest.get("files"), dict) or not all(
        isinstance(v, dict) for v in manifest["files"].values()
    ):
        raise DataProblem(
            _("{path}: its {manifest} does not list the files").format(path=path, manifest=MANIFEST)
        )
    return manifest
