"""The scheduler belongs to the core: mail goes out whichever packages are on."""

from __future__ import annotations

from flask import Flask

import helpdesk
from config import TestingConfig
from helpdesk.hooks import scheduled_jobs
from helpdesk.scheduler import build_scheduler, run_watched
from helpdesk.vocabulary import Role
from tests.builders import make_user


def test_the_core_alone_delivers_mail(migrated_url, clock):
    app = Flask(__name__)
    app.extensions["clock"] = clock
    app.config.from_object(TestingConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = migrated_url
    helpdesk.init_app(app)

    core_jobs = [
        "outbox-deliver",
        "undo-prune",
        "signin-prune",
        "import-watch",
        "backup-daily",
    ]
    assert [job.id for job in scheduled_jobs(app)] == core_jobs
    scheduler = build_scheduler(app)
    assert [job.id for job in scheduler.get_jobs()] == core_jobs


def test_the_scheduler_runs_every_registered_job_once(app):
    scheduler = build_scheduler(app)
    ids = [job.id for job in scheduler.get_jobs()]
    assert ids == [job.id for job in scheduled_jobs(app)]
    assert {"outbox-deliver", "sla-sweep", "routing-unassigned"} <= set(ids)


def test_healthz_says_when_the_scheduler_stopped(app, client, clock):
    app.config["SCHEDULER_EXPECTED"] = True
    try:
        never = client.get("/healthz")
        assert never.status_code == 503
        assert never.json["scheduler"]["sla-sweep"]["status"] == "late"

        for job in scheduled_jobs(app):
            run_watched(app, job)
        fresh = client.get("/healthz")
        assert fresh.status_code == 200, fresh.json
        assert fresh.json["scheduler"]["sla-sweep"]["age_seconds"] == 0

        clock.advance(seconds=3 * app.config["SLA_SWEEP_SECONDS"] + 1)
        stale = client.get("/healthz")
        assert stale.status_code == 503
        assert stale.json["scheduler"]["sla-sweep"]["status"] == "late"
    finally:
        app.config["SCHEDULER_EXPECTED"] = False


def test_managers_see_on_the_sla_pages_that_the_scheduler_stopped(
    app, client, given, login, clock
):
    login(given(make_user, role=Role.MANAGER))
    for job in scheduled_jobs(app):
        run_watched(app, job)
    assert "The scheduler is not running" not in client.get("/sla").get_data(
        as_text=True
    )
    clock.advance(hours=1)
    page = client.get("/sla/policies").get_data(as_text=True)
    assert "The scheduler is not running" in page
    assert "sla-sweep" in page
