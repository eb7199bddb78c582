"""Backups: create one while the app runs, check one, restore one.

Settings come in as a ``BackupSettings`` (the edges build it from the config),
so the CLI, the scheduler job and the admin page share these functions.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from helpdesk.backup import archive, postgres, sqlite
from helpdesk.backup.archive import BackupFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupSettings:
    folder: Path
    keep: int
    every_seconds: int
    pg_bin_dir: str | None = None
    sqlite_timeout_seconds: float = 30.0

    @classmethod
    def of(cls, app: Flask) -> BackupSettings:
        folder = app.config.get("BACKUP_DIR") or str(
            Path(app.instance_path) / "backups"
        )
        return cls(
            folder=Path(folder),
            keep=app.config["BACKUP_KEEP"],
            every_seconds=app.config["BACKUP_EVERY_SECONDS"],
            pg_bin_dir=app.config.get("PG_BIN_DIR"),
            sqlite_timeout_seconds=app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000,
        )


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: ``problems`` is empty for a sound backup."""

    manifest: dict
    found: dict
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _engine_name(engine: sa.Engine) -> str:
    name = engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise ValueError(f"backups of {name} databases are not supported")
    return name


def create_backup(
    engine: sa.Engine, settings: BackupSettings, *, now: datetime
) -> tuple[BackupFile, dict]:
    """Copy the database (attachments included) into a new archive of the
    backups folder, then keep only the newest ``settings.keep`` archives.
    Consistent while the app writes: the copy is one snapshot. Returns the
    archive and its manifest."""
    kind = _engine_name(engine)
    settings.folder.mkdir(parents=True, exist_ok=True)
    path = archive.new_archive_path(settings.folder, now)
    with tempfile.TemporaryDirectory(dir=settings.folder, prefix=".tmp-") as tmp:
        if kind == "sqlite":
            copy = Path(tmp) / "database.sqlite3"
            description = sqlite.copy_database(engine.url, copy)
        else:
            copy = Path(tmp) / "database.dump"
            description = postgres.dump_database(
                engine, copy, bin_dir=settings.pg_bin_dir
            )
        manifest = description | {
            "engine": kind,
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        archive.write_archive(path, manifest, copy)
    pruned = archive.prune(settings.folder, settings.keep)
    backup = next(b for b in archive.list_backups(settings.folder) if b.path == path)
    log.info(
        "backup.created file=%s bytes=%s pruned=%s",
        path.name,
        backup.size_bytes,
        len(pruned),
    )
    return backup, archive.read_manifest(path)


def backup_due(settings: BackupSettings, *, now: datetime) -> bool:
    """True when the newest archive is older than ``every_seconds`` (or there
    is none): the daily job is level-triggered, so a restarted or doubled
    scheduler makes no extra backups."""
    backups = archive.list_backups(settings.folder)
    if not backups:
        return True
    # A little slack: a job that runs every hour must not slip a whole day.
    slack = timedelta(seconds=min(600, settings.every_seconds // 10))
    return (
        now - backups[0].created_at >= timedelta(seconds=settings.every_seconds) - slack
    )


def verify_backup(path: Path, settings: BackupSettings) -> Verification:
    """Open the archive's copy and check it: readable (integrity check or
    ``pg_restore --list``), the checksum, the revision, every table's row
    count and the attachments against the manifest."""
    manifest = archive.read_manifest(path)
    with tempfile.TemporaryDirectory(prefix="helpdesk-verify-") as tmp:
        try:
            copy = archive.extract_database(path, manifest, Path(tmp))
        except ValueError as exc:
            return Verification(manifest, {}, [str(exc)])
        if manifest["engine"] == "sqlite":
            problems, found = sqlite.check_copy(copy)
        else:
            problems, found = postgres.check_dump(copy, bin_dir=settings.pg_bin_dir)
    problems += _compare(manifest, found)
    return Verification(manifest, found, problems)


def _compare(manifest: dict, found: dict) -> list[str]:
    problems = []
    if found.get("revision") != manifest.get("revision"):
        problems.append(
            f"revision: manifest {manifest.get('revision')}, copy {found.get('revision')}"
        )
    tables = found.get("tables", {})
    for table, count in sorted(manifest.get("tables", {}).items()):
        if tables.get(table, 0) != count:
            problems.append(f"{table}: manifest {count} rows, copy {tables.get(table)}")
    if found.get("attachments") != manifest.get("attachments"):
        problems.append(
            f"attachments: manifest {manifest.get('attachments')}, "
            f"copy {found.get('attachments')}"
        )
    return problems


def describe_live(engine: sa.Engine) -> dict:
    """What the live database holds now: revision, row counts, attachments."""
    if _engine_name(engine) == "sqlite":
        return sqlite.describe_live(engine.url)
    return postgres.describe_live(engine)


def is_live(description: dict) -> bool:
    """A database with any row (besides its migration revision) is live."""
    return any(
        count
        for table, count in description["tables"].items()
        if table != "alembic_version"
    )


def restore_backup(path: Path, engine: sa.Engine, settings: BackupSettings) -> dict:
    """Replace the database with the archive's copy, after verifying it;
    ``ValueError`` (nothing changed) when the archive is unsound or of another
    engine. The caller decides whether a live database may be replaced.
    Returns the archive's manifest."""
    verification = verify_backup(path, settings)
    if not verification.ok:
        raise ValueError("; ".join(verification.problems))
    manifest = verification.manifest
    kind = _engine_name(engine)
    if manifest["engine"] != kind:
        raise ValueError(
            f"a {manifest['engine']} backup cannot restore a {kind} database"
        )
    # Our own pooled connections would hold the old database open.
    engine.dispose()
    with tempfile.TemporaryDirectory(prefix="helpdesk-restore-") as tmp:
        copy = archive.extract_database(path, manifest, Path(tmp))
        if kind == "sqlite":
            sqlite.restore_copy(
                copy, engine.url, timeout=settings.sqlite_timeout_seconds
            )
        else:
            postgres.restore_dump(copy, engine, bin_dir=settings.pg_bin_dir)
    engine.dispose()
    log.info("backup.restored file=%s revision=%s", path.name, manifest["revision"])
    return manifest
