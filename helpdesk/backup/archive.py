"""Backup archives: one ``.tar`` per backup in the backups folder, named by
its UTC instant (``helpdesk-20261123T090000Z.tar``; a second one in the same
second gets ``.1``, ``.2``...). An archive holds ``manifest.json`` first, then
the database copy (a SQLite file, or a ``pg_dump`` custom-format file).
Attachments live in the database (``attachments.content``), so the copy
holds them; the manifest counts them and their bytes.

The manifest says what the copy must contain: the engine, the migration
revision, the row count of every table, the attachments' count and bytes, and
the copy's SHA-256, so ``verify`` can tell a damaged or partial archive.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1
PREFIX = "helpdesk-"
_NAME = re.compile(r"^helpdesk-(\d{8}T\d{6}Z)(?:\.(\d+))?\.tar$")
_STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class BackupFile:
    """One archive in the backups folder, newest first in listings."""

    path: Path
    created_at: datetime
    sequence: int
    size_bytes: int

    @property
    def name(self) -> str:
        return self.path.name

    def age_seconds(self, now: datetime) -> int:
        return max(0, int((now - self.created_at).total_seconds()))


def list_backups(folder: Path) -> list[BackupFile]:
    """The archives of ``folder``, newest first (by the instant in their
    name, then their sequence); half-written ``.partial`` files are not
    backups. An absent folder has none."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if not match or not path.is_file():
            continue
        created = datetime.strptime(match[1], _STAMP).replace(tzinfo=UTC)
        found.append(BackupFile(path, created, int(match[2] or 0), path.stat().st_size))
    return sorted(found, key=lambda b: (b.created_at, b.sequence), reverse=True)


def new_archive_path(folder: Path, now: datetime) -> Path:
    """A name for a backup made at ``now`` that no archive has yet."""
    stamp = now.astimezone(UTC).strftime(_STAMP)
    for sequence in range(10_000):
        suffix = f".{sequence}" if sequence else ""
        path = folder / f"{PREFIX}{stamp}{suffix}.tar"
        if not path.exists() and not _partial(path).exists():
            return path
    raise RuntimeError(f"too many backups at {stamp}")


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def write_archive(path: Path, manifest: dict, database_file: Path) -> None:
    """Write the archive under a ``.partial`` name, flush it to disk, then
    rename it: a backup interrupted half-way is never listed as one."""
    partial = _partial(path)
    manifest = manifest | {
        "format": FORMAT,
        "database_file": "database" + database_file.suffix,
        "database_sha256": file_sha256(database_file),
        "database_bytes": database_file.stat().st_size,
    }
    try:
        with partial.open("wb") as out:
            with tarfile.open(fileobj=out, mode="w") as tar:
                raw = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(raw)
                info.mtime = int(
                    datetime.fromisoformat(manifest["created_at"]).timestamp()
                )
                tar.addfile(info, io.BytesIO(raw))
                tar.add(database_file, arcname=manifest["database_file"])
            out.flush()
            os.fsync(out.fileno())
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)


def read_manifest(path: Path) -> dict:
    """The manifest of an archive (its first member); ``ValueError`` when the
    file is no archive of ours."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            member = tar.next()
            if member is None or member.name != MANIFEST:
                raise ValueError(f"{path.name}: no {MANIFEST} first")
            manifest = json.loads(tar.extractfile(member).read())
    except (tarfile.TarError, OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path.name}: not a readable backup ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path.name}: unknown manifest format")
    return manifest


def extract_database(path: Path, manifest: dict, into: Path) -> Path:
    """Extract the database copy into the folder ``into``; ``ValueError`` when
    it is missing or its SHA-256 is not the manifest's."""
    name = manifest["database_file"]
    if "/" in name or name.startswith("."):
        raise ValueError(f"{path.name}: unsafe member name {name!r}")
    target = into / name
    try:
        with tarfile.open(path, mode="r:") as tar:
            source = tar.extractfile(name)
            if source is None:
                raise ValueError(f"{path.name}: {name} is not a file")
            with target.open("wb") as out:
                while chunk := source.read(1024 * 1024):
                    out.write(chunk)
    except (tarfile.TarError, KeyError) as exc:
        raise ValueError(f"{path.name}: {name} cannot be read ({exc})") from exc
    if file_sha256(target) != manifest["database_sha256"]:
        raise ValueError(f"{path.name}: {name} differs from its checksum")
    return target


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives; returns the deleted ones."""
    old = list_backups(folder)[max(keep, 1) :]
    for backup in old:
        backup.path.unlink(missing_ok=True)
    return [b.path for b in old]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
