"""The reports' tables and indexes are what migration 0029 makes, and the
``flask reports rollups`` command counts the days."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from helpdesk.extensions import db


def test_the_migrations_match_the_reports_models(app):
    include_name = app.extensions["migrate"].configure_args["include_name"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diffs = compare_metadata(context, db.metadata)
    assert [d for d in diffs if "report" in repr(d)] == []


def test_the_rollups_command_counts_every_zone_in_use(app, runner, given):
    from helpdesk.vocabulary import Role
    from tests.builders import make_ticket, make_user

    given(make_user, role=Role.MANAGER, timezone="Asia/Tokyo")
    given(make_ticket)
    result = runner.invoke(args=["reports", "rollups", "--rebuild"])
    assert result.exit_code == 0, result.output
    assert "Asia/Tokyo:" in result.output


def test_the_job_catches_up_a_week_a_transaction_and_stops_when_done(app, given, clock):
    from datetime import timedelta

    from helpdesk.vocabulary import Role
    from reports import jobs
    from reports.models import ReportRollupState
    from tests.builders import make_ticket, make_user

    given(make_user, role=Role.MANAGER, timezone="UTC")
    given(make_ticket, at=clock.now() - timedelta(days=20))
    done = jobs.rollup_job(app)
    assert done == {"UTC": 20}  # twenty days ended since the first ticket
    assert jobs.rollup_job(app) == {"UTC": 0}
    with app.app_context():
        state = db.session.get(ReportRollupState, "UTC")
        assert state.rolled_through == (clock.now() - timedelta(days=1)).date()
