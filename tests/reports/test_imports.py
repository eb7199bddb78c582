"""Tickets imported with old dates are counted on their own days: the days
from the oldest of them on are counted again (from the tickets until the job
has recounted them)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import Role
from reports import jobs
from reports.models import ReportRollupState
from tests.builders import make_user
from tests.helpdesk.imports.files import write_xlsx

# The ticket import's own world (a category, people, a policy) and rows.
from tests.helpdesk.imports.test_ticket_import import rows, world  # noqa: F401


@pytest.mark.usefixtures("world")
def test_imported_history_is_counted_on_its_own_days(
    app, runner, tmp_path, client, bearer, given
):
    manager = given(make_user, role=Role.MANAGER, timezone="UTC")
    jobs.rollup_job(app)
    result = runner.invoke(
        args=["import", "tickets", str(write_xlsx(tmp_path / "t.xlsx", rows()))]
    )
    assert "Imported: 3 new" in result.output, result.output
    with app.app_context():
        assert db.session.get(ReportRollupState, "UTC").rolled_through == date(
            2026, 11, 1
        )
        created = Counter(
            at.date().isoformat()
            for at in db.session.scalars(sa.select(Ticket.created_at))
        )

    def series() -> dict:
        got = client.get(
            "/api/v1/reports/volume?from=2026-11-01&to=2026-11-24",
            headers=bearer(manager),
        )
        return {
            r["period"]: r["created"] for r in got.get_json()["series"] if r["created"]
        }

    assert series() == dict(created)
    jobs.rollup_job(app)
    assert series() == dict(created)
