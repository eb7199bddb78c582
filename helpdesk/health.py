"""The checks behind /healthz and the operations page.

- ``database``: reachable **and writable**: one row of ``health_probes`` is
  written and committed (a rolled-back write proves nothing on SQLite, whose
  read-only file refuses the write itself). A connection that failed is
  invalidated, not returned to the pool: SQLite keeps a connection it opened
  on a read-only file read-only forever, so only a fresh one can see that the
  file is writable again; the probe recovers on its own.
- ``scheduler``: every registered job ran recently (``job_health``).
- ``outbox``: the messages waiting and the oldest one's age; failed when one
  has waited longer than ``OUTBOX_MAX_PENDING_SECONDS``.
- ``backup``: the newest backup's age; failed when older than
  ``BACKUP_MAX_AGE_SECONDS`` (or missing) where backups are expected.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.backup import archive
from helpdesk.backup.service import BackupSettings
from helpdesk.db import Base
from helpdesk.extensions import db
from helpdesk.outbox.models import OutboxMessage
from helpdesk.scheduler import job_health

log = logging.getLogger(__name__)
OK, FAILED, UNKNOWN = "ok", "failed", "unknown"


class HealthProbe(Base):
    """The row /healthz writes to prove the database takes writes."""

    __tablename__ = "health_probes"

    id: Mapped[int] = mapped_column(primary_key=True)
    written_at: Mapped[datetime]


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def database_check(engine: sa.Engine, *, now: datetime) -> dict:
    """Write and commit the probe row on a connection of its own."""
    table = HealthProbe.__table__
    connection = None
    try:
        connection = engine.connect()
        with connection.begin():
            written = connection.execute(
                table.update().where(table.c.id == 1).values(written_at=now)
            ).rowcount
            if not written:
                connection.execute(table.insert().values(id=1, written_at=now))
    except sa.exc.IntegrityError:
        # Another probe inserted the row first: that write worked too.
        pass
    except sa.exc.SQLAlchemyError as exc:
        if connection is not None:
            connection.invalidate()
        log.warning("healthz.database_failed error=%s", exc.__class__.__name__)
        return {"status": FAILED, "error": _first_line(exc)}
    finally:
        if connection is not None:
            connection.close()
    return {"status": OK, "error": None}


def _first_line(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).splitlines()[0][:200] if str(original) else type(exc).__name__


def scheduler_check(app: Flask, *, now: datetime) -> tuple[str, dict]:
    jobs = job_health(app, now=now)
    status = FAILED if any(job.late for job in jobs) else OK
    return status, {
        job.job_id: {
            "status": "late" if job.late else OK,
            "finished_at": iso(job.finished_at),
            "age_seconds": job.age_seconds,
            "error": job.error,
        }
        for job in jobs
    }


def outbox_check(settings: Mapping[str, Any], *, now: datetime) -> dict:
    """Pending messages (not sent, attempts left) and the oldest one's age."""
    pending, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxMessage.created_at)).where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.cancelled_at.is_(None),
            OutboxMessage.attempts < settings["OUTBOX_MAX_ATTEMPTS"],
        )
    ).one()
    age = int((now - oldest).total_seconds()) if oldest else None
    late = age is not None and age > settings["OUTBOX_MAX_PENDING_SECONDS"]
    return {
        "status": FAILED if late else OK,
        "pending": pending,
        "oldest_pending_at": iso(oldest),
        "oldest_pending_age_seconds": age,
    }


def backup_check(app: Flask, *, now: datetime) -> dict:
    backups = archive.list_backups(BackupSettings.of(app).folder)
    latest = backups[0] if backups else None
    age = latest.age_seconds(now) if latest else None
    expected = app.config["BACKUP_EXPECTED"]
    too_old = age is None or age > app.config["BACKUP_MAX_AGE_SECONDS"]
    return {
        "status": FAILED if expected and too_old else OK,
        "latest": latest.name if latest else None,
        "age_seconds": age,
        "size_bytes": latest.size_bytes if latest else None,
    }


def health(app: Flask, *, now: datetime) -> dict:
    """Every check; ``status`` is ``ok`` or ``failed`` and ``failed`` names
    the checks that failed. Checks that need the database are ``unknown``
    when it cannot be written (they would only repeat its error)."""
    body: dict[str, Any] = {"database": database_check(db.engine, now=now)}
    if body["database"]["status"] == OK:
        try:
            status, jobs = scheduler_check(app, now=now)
            body["scheduler"] = jobs
            body["scheduler_status"] = status
            body["outbox"] = outbox_check(app.config, now=now)
        except sa.exc.SQLAlchemyError as exc:
            db.session.rollback()
            body["database"] = {"status": FAILED, "error": _first_line(exc)}
    if body["database"]["status"] != OK:
        body |= {"scheduler": {}, "scheduler_status": UNKNOWN}
        body["outbox"] = {"status": UNKNOWN}
    body["backup"] = backup_check(app, now=now)
    statuses = {
        "database": body["database"]["status"],
        "scheduler": body["scheduler_status"],
        "outbox": body["outbox"]["status"],
        "backup": body["backup"]["status"],
    }
    failed = [name for name, status in statuses.items() if status == FAILED]
    healthy = all(status == OK for status in statuses.values())
    return {"status": OK if healthy else FAILED, "failed": failed} | body
