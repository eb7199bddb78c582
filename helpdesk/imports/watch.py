"""Imports whose process ended mid-way: a check or an import runs in a
thread of the web worker that took the request (``helpdesk.imports.jobs``),
and a crash or a restart of that worker ends it without a word - the job
would say "running" forever. The scheduler's ``import-watch`` job fails such
jobs: nothing of them was written (an import writes its rows in one
transaction), and the page says to upload the file again.

A job is abandoned when its process (``runner``, ``host:pid``) ran on this
machine and has ended, or - for a process of another machine, which cannot
be asked - when it started longer than IMPORT_MAX_RUNNING_SECONDS ago.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from helpdesk.audit import record_audit
from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.imports.models import ImportJob, JobStatus
from helpdesk.processes import ended_here, this_process

log = logging.getLogger(__name__)
ACTIVE = (JobStatus.CHECKING, JobStatus.RUNNING)


def start(job: ImportJob, status: JobStatus, *, now: datetime) -> None:
    """The job is about to be checked or run by this process (in a thread
    of it, or within the request)."""
    job.status, job.runner, job.started_at = status, this_process(), now


def abandoned(job: ImportJob, *, now: datetime, max_running_seconds: int) -> bool:
    started = job.started_at or job.created_at
    too_long = now - started > timedelta(seconds=max_running_seconds)
    return too_long or ended_here(job.runner)


def fail_abandoned_imports(*, now: datetime, max_running_seconds: int) -> list[int]:
    """Fail every abandoned job (see the module); the ids failed. Flushes.

    Idempotent and safe beside a job that finishes meanwhile: each job is
    failed by a conditional UPDATE that finds it still checking or running
    under the same runner, and the import page keeps its report. The import
    jobs are few (one per upload), so reading the active ones needs no index."""
    active = db.session.scalars(
        sa.select(ImportJob).where(ImportJob.status.in_(ACTIVE))
    ).all()
    failed = []
    for job in active:
        if abandoned(job, now=now, max_running_seconds=max_running_seconds) and _fail(
            job, now=now
        ):
            failed.append(job.id)
    return failed


def _fail(job: ImportJob, *, now: datetime) -> bool:
    report = dict(job.report or {}) | {"failed": True, "abandoned": True}
    same_runner = (
        ImportJob.runner.is_(None)
        if job.runner is None
        else ImportJob.runner == job.runner
    )
    claimed = db.session.execute(
        sa.update(ImportJob)
        .where(ImportJob.id == job.id, ImportJob.status.in_(ACTIVE), same_runner)
        .values(status=JobStatus.FAILED, finished_at=now, report=report, content=b"")
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return False
    record_audit(
        "import.abandoned",
        target_type="import_jobs",
        target_id=job.id,
        data={"kind": job.kind, "filename": job.filename, "runner": job.runner},
        now=now,
    )
    db.session.flush()
    log.warning(
        "import.abandoned job_id=%s status=%s runner=%s",
        job.id,
        job.status.value,
        job.runner,
    )
    return True


def watch_job(app: Flask) -> list[int]:
    """The scheduler's ``import-watch`` job: fail the abandoned imports."""
    with app.app_context():
        failed = fail_abandoned_imports(
            now=get_clock().now(),
            max_running_seconds=app.config["IMPORT_MAX_RUNNING_SECONDS"],
        )
        db.session.commit()
        if failed:
            log.info("import.watch failed=%s", len(failed))
        return failed
