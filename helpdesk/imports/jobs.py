"""Imports started from the admin page: the file waits in ``import_jobs``
between preview and confirmation; the confirmed import runs in a thread of
the web process (it can take minutes), in one transaction, and reports its
progress through a small file in the instance folder, which every worker of
the machine can read (the transaction's rows are invisible until it commits).
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime
from pathlib import Path

from flask import Flask

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.imports.kinds import get_kind
from helpdesk.imports.models import ImportJob, JobStatus
from helpdesk.imports.pipeline import MappingNeeded
from helpdesk.imports.reading import UnreadableFile
from helpdesk.imports.service import preview, run_import
from helpdesk.models import User

log = logging.getLogger(__name__)


def create_job(
    kind: str,
    filename: str,
    content: bytes,
    *,
    strict: bool,
    actor: User,
    now: datetime,
) -> ImportJob:
    """Store an uploaded file and its first validation report (flushes)."""
    job = ImportJob(
        kind=kind,
        filename=filename[:255],
        content=content,
        strict=strict,
        mapping={},
        report={},
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(job)
    revalidate(job, actor=actor, now=now)
    db.session.flush()
    return job


def revalidate(job: ImportJob, *, actor: User, now: datetime) -> None:
    """The job's report for its current mapping: the rows' problems, or the
    mapping step's (``needs_mapping``), or why the file cannot be read."""
    kind = get_kind(job.kind)
    try:
        report = preview(
            kind, job.content, job.filename, mapping=job.mapping, actor=actor, now=now
        )
    except MappingNeeded as err:
        job.report = {
            "needs_mapping": True,
            "missing": err.missing,
            "problems": err.problems,
        }
        return
    except UnreadableFile as err:
        job.report = {"unreadable": {"message": err.message, "params": err.params}}
        return
    job.report = report.as_dict()
    job.total_rows, job.good_rows = report.total_rows, report.good_rows


def can_confirm(job: ImportJob) -> bool:
    report = job.report
    return (
        job.status == JobStatus.UPLOADED
        and "errors" in report
        and job.good_rows > 0
        and not (job.strict and report["bad_rows"])
    )


def progress_path(app: Flask, job_id: int) -> Path:
    return Path(app.instance_path) / "imports" / f"{job_id}.json"


def read_progress(app: Flask, job_id: int) -> int | None:
    try:
        return json.loads(progress_path(app, job_id).read_text())["done"]
    except (OSError, ValueError, KeyError):
        return None


def _write_progress(app: Flask, job_id: int, done: int) -> None:
    path = progress_path(app, job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"done": done}))
    temporary.replace(path)  # readers never see half a file


def start(app: Flask, job_id: int) -> threading.Thread:
    """Run the confirmed job in a thread (the caller committed its
    ``running`` status); tests join the thread from ``threads(app)``."""
    thread = threading.Thread(
        target=run_job, args=(app, job_id), name=f"import-{job_id}", daemon=True
    )
    threads(app)[job_id] = thread
    thread.start()
    return thread


def threads(app: Flask) -> dict[int, threading.Thread]:
    return app.extensions.setdefault("helpdesk.import_threads", {})


def run_job(app: Flask, job_id: int) -> None:
    """Import the job's file; its rows and its final report commit together."""
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        actor = db.session.get(User, job.created_by_id)
        try:
            result = run_import(
                get_kind(job.kind),
                job.content,
                job.filename,
                mapping=job.mapping,
                strict=job.strict,
                actor=actor,
                now=get_clock().now(),
                progress=lambda done: _write_progress(app, job_id, done),
            )
        except Exception:
            log.exception("import.failed job_id=%s", job_id)
            db.session.rollback()
            _finish(job_id, JobStatus.FAILED, {"failed": True})
            return
        report = result.report.as_dict()
        if result.written:
            report |= {
                "created": result.outcome.created,
                "updated": result.outcome.updated,
            }
        job.report, job.finished_at = report, get_clock().now()
        job.content = b""  # the file has served; the report stays
        job.status = JobStatus.DONE if result.written else JobStatus.FAILED
        job.written_rows = (
            report["total_rows"] - report["bad_rows"] if result.written else 0
        )
        db.session.commit()
        log.info(
            "import.done job_id=%s kind=%s rows=%s", job_id, job.kind, job.written_rows
        )


def _finish(job_id: int, status: JobStatus, report: dict) -> None:
    job = db.session.get(ImportJob, job_id)
    job.status, job.finished_at = status, get_clock().now()
    job.report = job.report | report
    job.content = b""
    db.session.commit()
