"""Imports started from the admin page. The uploaded file waits in
``import_jobs``; checking its rows (after the upload, after a new mapping)
and the confirmed import both run beside the request, in a thread of the
web process (a file of 100,000 tickets takes minutes, longer than a worker
may spend on a request), or within it under tests (``IMPORT_RUNNER``).
Progress goes through a small file in the instance folder, which every
worker of the machine can read (the import's rows and counts are invisible
to them until its one transaction commits).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from helpdesk.clock import get_clock
from helpdesk.errors import Conflict, InvalidInput
from helpdesk.extensions import db
from helpdesk.imports.kinds import get_kind
from helpdesk.imports.models import ImportJob, JobStatus
from helpdesk.imports.pipeline import MappingNeeded, Progress
from helpdesk.imports.reading import UnreadableFile, read_table
from helpdesk.imports.service import preview, run_import
from helpdesk.imports.watch import start
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
    """Store an uploaded file, to be checked (``run_check``); flushes."""
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
    start(job, JobStatus.CHECKING, now=now)
    db.session.add(job)
    db.session.flush()
    return job


def check(
    job: ImportJob, *, actor: User, now: datetime, progress: Progress | None = None
) -> None:
    """The job's report for its current mapping - the rows' problems, or
    what the mapping step needs (``needs_mapping``), or why the file cannot
    be read - and the job waits for confirmation."""
    job.status = JobStatus.UPLOADED
    job.total_rows = job.good_rows = 0
    try:
        report = preview(
            get_kind(job.kind),
            job.content,
            job.filename,
            mapping=job.mapping,
            actor=actor,
            now=now,
            progress=progress,
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


def file_headers(job: ImportJob) -> list[str]:
    """The file's column names, for the mapping step (none once it ran or
    when the file cannot be read)."""
    if job.report.get("unreadable") or job.status != JobStatus.UPLOADED:
        return []
    return read_table(job.content, job.filename).headers


def choose_columns(job: ImportJob, mapping: dict[str, str], *, now: datetime) -> None:
    """The mapping step: ``{header: field}`` (an empty field ignores the
    column); the rows are then checked again (``run_check``) by this process."""
    if job.status != JobStatus.UPLOADED:
        raise Conflict(_l("This import has already run."))
    names = {c.name for c in get_kind(job.kind).columns}
    headers = set(file_headers(job))
    for header, target in mapping.items():
        if header not in headers:
            message = _l("The file has no column “%(header)s”.", header=header)
            raise InvalidInput(message, fields={header: [message]})
        if target and target not in names:
            message = _l("Not a field of this import.")
            raise InvalidInput(message, fields={header: [message]})
    job.mapping = mapping
    start(job, JobStatus.CHECKING, now=now)


def confirm(job: ImportJob, *, now: datetime) -> None:
    """The admin's go: the job runs next (``run_job``), in this process."""
    if not can_confirm(job):
        raise Conflict(_l("This import cannot run: see its report."))
    start(job, JobStatus.RUNNING, now=now)


# --- running beside the request -------------------------------------------------

Task = Callable[[Flask, int], None]


def dispatch(app: Flask, task: Task, job_id: int) -> None:
    """Run ``task`` for the job (whose status the caller committed) in a
    thread, or at once with ``IMPORT_RUNNER = "inline"``."""
    _clear_progress(app, job_id)
    if app.config["IMPORT_RUNNER"] == "inline":
        task(app, job_id)
        return
    threading.Thread(
        target=task, args=(app, job_id), name=f"import-{job_id}", daemon=True
    ).start()


def run_check(app: Flask, job_id: int) -> None:
    """Check the job's rows and store the report."""
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        actor = db.session.get(User, job.created_by_id)
        try:
            check(
                job, actor=actor, now=get_clock().now(), progress=_progress(app, job_id)
            )
        except Exception:
            log.exception("import.check_failed job_id=%s", job_id)
            db.session.rollback()
            _finish(job_id, JobStatus.FAILED, {"failed": True}, keep_file=False)
            return
        db.session.commit()
        log.info("import.checked job_id=%s rows=%s", job_id, job.total_rows)


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
                progress=_progress(app, job_id),
            )
        except Exception:
            log.exception("import.failed job_id=%s", job_id)
            db.session.rollback()
            _finish(job_id, JobStatus.FAILED, {"failed": True}, keep_file=False)
            return
        report = result.report.as_dict()
        if result.written:
            created, updated = result.outcome.created, result.outcome.updated
            report |= {"created": created, "updated": updated}
            job.written_rows = created + updated
        job.report, job.finished_at = report, get_clock().now()
        job.status = JobStatus.DONE if result.written else JobStatus.FAILED
        job.content = b""  # the file has served; the report stays
        db.session.commit()
        log.info(
            "import.done job_id=%s kind=%s rows=%s", job_id, job.kind, job.written_rows
        )


def _finish(job_id: int, status: JobStatus, report: dict, *, keep_file: bool) -> None:
    job = db.session.get(ImportJob, job_id)
    job.status, job.finished_at = status, get_clock().now()
    job.report = job.report | report
    if not keep_file:
        job.content = b""
    db.session.commit()


# --- progress -----------------------------------------------------------------------


def progress_path(app: Flask, job_id: int) -> Path:
    return Path(app.instance_path) / "imports" / f"{job_id}.json"


def read_progress(app: Flask, job_id: int) -> int:
    """Rows done so far by the job's running phase (0 before the first batch)."""
    try:
        return int(json.loads(progress_path(app, job_id).read_text())["done"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _progress(app: Flask, job_id: int) -> Progress:
    def write(done: int) -> None:
        path = progress_path(app, job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"done": done}))
        temporary.replace(path)  # readers never see half a file

    return write


def _clear_progress(app: Flask, job_id: int) -> None:
    progress_path(app, job_id).unlink(missing_ok=True)
