"""A read-only disk (the database file, its WAL and its folder made
unwritable, then writable again): every write is a 503 with Retry-After,
for pages and the API alike, reads go on, the scheduler's jobs keep running
in a real APScheduler, and everything works again by itself once the disk
can be written, with no restart.

A full disk is SQLite's own "database or disk is full", from a page limit
on the test's connections (``PRAGMA max_page_count``).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED

from helpdesk.extensions import db
from helpdesk.scheduler import JobRun, build_scheduler
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_ticket, make_user
from tests.security.support import auth, counts, error_of, issue_bearer

BUSY = "The service is busy. Please try again in a moment."
WAIT_SECONDS = 60


@pytest.fixture
def world(given):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER, locale="en")
    ticket = given(make_ticket, requester=customer)
    return customer, ticket


def _assert_503(response, *, api: bool) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:2000]
    assert response.headers["Retry-After"] == "5"
    if api:
        assert error_of(response)["code"] == "unavailable"
    else:
        assert BUSY in response.get_data(as_text=True)


class RunningScheduler:
    """The scheduler process's scheduler, started in a thread; ``run_all()``
    makes every job due now and waits until each has run once more."""

    def __init__(self, app) -> None:
        self.scheduler = build_scheduler(app)
        self.errors: dict[str, list] = defaultdict(list)
        self._runs: dict[str, int] = defaultdict(int)
        self._submitted: dict[str, int] = defaultdict(int)
        self._changed = threading.Condition()
        self.scheduler.add_listener(self._ran, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self.scheduler.add_listener(self._submit, EVENT_JOB_SUBMITTED)
        self._thread = threading.Thread(target=self.scheduler.start, daemon=True)
        self._thread.start()

    def _ran(self, event) -> None:
        with self._changed:
            self._runs[event.job_id] += 1
            if event.exception is not None:
                self.errors[event.job_id].append(event.exception)
            self._changed.notify_all()

    def _submit(self, event) -> None:
        with self._changed:
            self._submitted[event.job_id] += 1

    def run_all(self) -> None:
        # A run still going (the one at start, on a busy machine) would be
        # counted as this call's run and a trigger now would be skipped
        # (one instance per job): wait until every job is idle first.
        with self._changed:
            assert self._changed.wait_for(
                lambda: all(
                    self._runs.get(job_id, 0) >= count
                    for job_id, count in self._submitted.items()
                ),
                timeout=WAIT_SECONDS,
            ), f"jobs still running: {dict(self._submitted)} {dict(self._runs)}"
            before = dict(self._runs)
        ids = [job.id for job in self.scheduler.get_jobs()]
        for job_id in ids:
            self.scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))
        with self._changed:
            assert self._changed.wait_for(
                lambda: all(self._runs[i] > before.get(i, 0) for i in ids),
                timeout=WAIT_SECONDS,
            ), f"jobs that did not run: {ids} {dict(self._runs)}"

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and self.scheduler.running

    def stop(self) -> None:
        self.scheduler.shutdown(wait=True)
        self._thread.join(WAIT_SECONDS)


@pytest.fixture
def running_scheduler(app):
    scheduler = RunningScheduler(app)
    yield scheduler
    scheduler.stop()


@pytest.mark.parametrize("connections", ["pooled", "new"])
def test_a_read_only_disk_is_a_503_for_writes_and_service_comes_back_by_itself(
    app, client, login, world, read_only_disk, caplog, connections
):
    customer, ticket = world
    login(customer)
    token = auth(issue_bearer(app, customer).raw)
    before = counts(app)

    read_only_disk.on()
    if connections == "new":  # as a worker started while the disk is read-only
        with app.app_context():
            db.engine.dispose()
    page = client.post(f"/tickets/{ticket.id}/comments", data={"body": "Hello?"})
    api = client.application.test_client().post(
        f"/api/v1/tickets/{ticket.id}/comments", json={"body": "Hi?"}, headers=token
    )
    read = client.get(f"/tickets/{ticket.id}")
    read_only_disk.off()

    _assert_503(page, api=False)
    _assert_503(api, api=True)
    # Reads go on where SQLite can still open the file; a 503 where not.
    assert read.status_code in (200, 503)
    assert "readonly database" in caplog.text or "disk I/O error" in caplog.text
    assert counts(app) == before
    again = client.post(f"/tickets/{ticket.id}/comments", data={"body": "Back."})
    assert again.status_code == 302, again.get_data(as_text=True)[:2000]
    program = client.application.test_client().post(
        f"/api/v1/tickets/{ticket.id}/comments", json={"body": "Back."}, headers=token
    )
    assert program.status_code == 201, program.get_data(as_text=True)
    assert counts(app)["comments"] == before["comments"] + 2


def test_the_scheduler_keeps_running_on_a_read_only_disk_and_recovers(
    app, clock, world, read_only_disk, running_scheduler, caplog
):
    running_scheduler.run_all()  # the runs at start
    clock.advance(hours=1)

    read_only_disk.on()
    try:
        running_scheduler.run_all()
        assert running_scheduler.alive
    finally:
        read_only_disk.off()
    # Each job met the disk, said so in a warning and ended normally.
    assert dict(running_scheduler.errors) == {}
    assert "scheduler.database_unavailable job_id=outbox-deliver" in caplog.text
    clock.advance(hours=1)
    running_scheduler.run_all()

    assert running_scheduler.alive
    assert dict(running_scheduler.errors) == {}
    with app.app_context():
        runs = db.session.scalars(sa.select(JobRun)).all()
        assert runs and all(run.error is None for run in runs)
        assert all(run.finished_at == clock.now() for run in runs)


def test_a_full_disk_is_a_503_and_writes_work_again_once_there_is_room(
    app, client, login, world, caplog
):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's page limit stands in for the full disk")
    customer, ticket = world
    login(customer)
    limits = {"pages": None}

    def limit_pages(dbapi_connection, _record):
        if limits["pages"] is not None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {limits['pages']}")

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "connect", limit_pages)
        pragma = db.session.execute
        limits["pages"] = pragma(sa.text("PRAGMA page_count")).scalar()
        # Earlier tests in this worker may have left free pages in the file.
        room = (
            pragma(sa.text("PRAGMA freelist_count")).scalar()
            * pragma(sa.text("PRAGMA page_size")).scalar()
        )
        db.session.remove()
    engine.dispose()  # every connection from now on has the limit
    try:
        # Comments until the file cannot grow (free pages are used first).
        for _attempt in range(room // 20_000 + 3):
            full = client.post(
                f"/tickets/{ticket.id}/comments", data={"body": "x" * 20_000}
            )
            if full.status_code != 302:
                break
    finally:
        limits["pages"] = None
        engine.dispose()
        sa.event.remove(engine, "connect", limit_pages)

    _assert_503(full, api=False)
    assert "database or disk is full" in caplog.text
    again = client.post(f"/tickets/{ticket.id}/comments", data={"body": "y" * 20_000})
    assert again.status_code == 302, again.get_data(as_text=True)[:2000]
