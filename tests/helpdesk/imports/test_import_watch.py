"""Imports left "checking" or "running" by a process that ended (a crash, a
worker restart) are failed by the scheduler's import-watch job."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

import sqlalchemy as sa

from helpdesk.audit import AuditEntry
from helpdesk.extensions import db
from helpdesk.hooks import scheduled_jobs
from helpdesk.imports.models import ImportJob, JobStatus
from helpdesk.processes import this_process
from helpdesk.scheduler import run_watched
from helpdesk.vocabulary import Role
from tests.builders import make_user
from tests.helpdesk.imports.files import csv_bytes
from tests.helpdesk.imports.test_import_pages import USERS, upload

HOST = socket.gethostname()


def ended_process() -> str:
    """The ``host:pid`` of a process of this machine that has ended."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return f"{HOST}:{int(done.stdout)}"


def make_job(admin, *, status: JobStatus, runner: str | None, started_at) -> ImportJob:
    job = ImportJob(
        kind="users",
        filename="users.csv",
        content=b"email,name\n",
        status=status,
        mapping={},
        report={"total_rows": 1, "bad_rows": 0, "errors": []},
        total_rows=1,
        created_by_id=admin.id,
        created_at=started_at,
        runner=runner,
        started_at=started_at,
    )
    db.session.add(job)
    db.session.flush()
    return job


def statuses(app) -> dict[str, str]:
    with app.app_context():
        jobs = db.session.scalars(sa.select(ImportJob).order_by(ImportJob.id))
        return {job.filename: job.status.value for job in jobs}


def watch(app) -> None:
    job = next(job for job in scheduled_jobs(app) if job.id == "import-watch")
    run_watched(app, job)


def test_imports_whose_process_ended_or_ran_too_long_are_failed_once(app, clock, given):
    admin = given(make_user, role=Role.ADMIN)
    now = clock.now()
    long_ago = now - timedelta(seconds=app.config["IMPORT_MAX_RUNNING_SECONDS"] + 1)
    jobs = {
        "crashed.csv": (JobStatus.RUNNING, ended_process(), now),
        "crashed-check.csv": (JobStatus.CHECKING, ended_process(), now),
        "alive.csv": (JobStatus.RUNNING, this_process(), now),
        "elsewhere.csv": (JobStatus.RUNNING, "another-host:1", now),
        "elsewhere-for-ever.csv": (JobStatus.RUNNING, "another-host:1", long_ago),
        "finished.csv": (JobStatus.DONE, ended_process(), now),
    }
    for filename, (status, runner, started_at) in jobs.items():
        job = given(
            make_job, admin, status=status, runner=runner, started_at=started_at
        )
        with app.app_context():
            db.session.get(ImportJob, job.id).filename = filename
            db.session.commit()

    watch(app)
    watch(app)  # a second run finds nothing more to do

    assert statuses(app) == {
        "crashed.csv": "failed",
        "crashed-check.csv": "failed",
        "alive.csv": "running",
        "elsewhere.csv": "running",
        "elsewhere-for-ever.csv": "failed",
        "finished.csv": "done",
    }
    with app.app_context():
        audited = db.session.scalars(
            sa.select(AuditEntry.data).where(AuditEntry.action == "import.abandoned")
        ).all()
        assert sorted(entry["filename"] for entry in audited) == [
            "crashed-check.csv",
            "crashed.csv",
            "elsewhere-for-ever.csv",
        ]
        failed = db.session.scalar(
            sa.select(ImportJob).where(ImportJob.filename == "crashed.csv")
        )
        assert failed.finished_at == now
        assert failed.content == b""
        assert failed.report["abandoned"] is True


def test_the_page_of_an_abandoned_import_says_to_upload_again(
    app, client, clock, given, login
):
    admin = login(given(make_user, role=Role.ADMIN))
    job = given(
        make_job,
        admin,
        status=JobStatus.CHECKING,
        runner=ended_process(),
        started_at=clock.now(),
    )
    watch(app)

    page = client.get(f"/admin/imports/{job.id}")
    status = client.get(f"/admin/imports/{job.id}/status")

    assert page.status_code == 200
    assert 'id="import-abandoned"' in page.get_data(as_text=True)
    assert status.json["status"] == "failed"


def test_a_started_check_and_import_name_the_process_running_them(
    app, client, clock, given, login
):
    login(given(make_user, role=Role.ADMIN))
    response = upload(client, csv_bytes(USERS, encoding="utf-8-sig"), "users.csv")
    job_id = int(response.location.rsplit("/", 1)[1])
    clock.advance(minutes=5)
    assert client.post(f"/admin/imports/{job_id}/confirm").status_code == 302

    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job.status == JobStatus.DONE
        assert job.runner == f"{HOST}:{os.getpid()}"
        assert job.started_at == clock.now()


def test_the_import_jobs_table_matches_its_migration(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    include_name = app.extensions["migrate"].configure_args["include_name"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diffs = compare_metadata(context, db.metadata)
    assert [d for d in diffs if "import_jobs" in repr(d)] == []
