"""The scheduler belongs to the core: mail goes out whichever packages are on."""

from __future__ import annotations

from flask import Flask

import helpdesk
from config import TestingConfig
from helpdesk.hooks import scheduled_jobs
from helpdesk.scheduler import build_scheduler


def test_the_core_alone_delivers_mail(migrated_url):
    app = Flask(__name__)
    app.config.from_object(TestingConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = migrated_url
    helpdesk.init_app(app)

    assert [job.id for job in scheduled_jobs(app)] == ["outbox-deliver"]
    scheduler = build_scheduler(app)
    assert [job.id for job in scheduler.get_jobs()] == ["outbox-deliver"]


def test_the_scheduler_runs_every_registered_job_once(app):
    scheduler = build_scheduler(app)
    ids = [job.id for job in scheduler.get_jobs()]
    assert ids == [job.id for job in scheduled_jobs(app)]
    assert {"outbox-deliver", "sla-sweep", "routing-unassigned"} <= set(ids)
