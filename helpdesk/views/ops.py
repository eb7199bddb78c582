"""Operations endpoints for load balancers and monitoring."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.scheduler import job_health
from helpdesk.views import bp


@bp.get("/healthz")
def healthz():
    """200 when the database answers and every scheduler job ran recently;
    503 when a job is late (the scheduler stopped: alerts and mail stop with
    it) or, through the error mapping, when the database does not answer."""
    db.session.execute(sa.text("SELECT 1"))
    jobs = job_health(current_app, now=get_clock().now())
    late = any(job.late for job in jobs)
    body = {
        "status": "late" if late else "ok",
        "database": "ok",
        "scheduler": {
            job.job_id: {
                "status": "late" if job.late else "ok",
                "finished_at": job.finished_at.isoformat().replace("+00:00", "Z")
                if job.finished_at
                else None,
                "age_seconds": job.age_seconds,
                "error": job.error,
            }
            for job in jobs
        },
    }
    return body, 503 if late else 200
