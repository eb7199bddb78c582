"""Migration 0035 fills what it adds from the roll-up rows already there:
after a downgrade (no week rows, no flow projections) and an upgrade, the
rows are those the roll-up job writes itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import flask_migrate
import sqlalchemy as sa

from app import create_app
from config import TestingConfig
from helpdesk.clock import FrozenClock
from helpdesk.extensions import db
from helpdesk.service import tickets as ticket_service
from helpdesk.vocabulary import Role, TicketStatus
from reports.service import rollups
from tests.builders import make_ticket, make_user

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NEW_ROWS = ("report_flow_series", "report_flow_line_times")


def _rows(name: str, weeks_only: bool) -> set[tuple]:
    table = sa.table(name, sa.column("grain"))
    query = sa.select(sa.text("*")).select_from(table)
    if weeks_only:
        query = query.where(table.c.grain == "W")
    return set(db.session.execute(query).tuples())


def test_the_upgrade_fills_weeks_and_projections_as_the_job_does(tmp_path):
    app = create_app(
        TestingConfig,
        clock=FrozenClock(NOW),
        overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}"},
    )
    with app.app_context():
        flask_migrate.upgrade()
        make_user(role=Role.MANAGER, timezone="Europe/Moscow")
        agent = make_user(role=Role.LINE1, name="Anna", timezone="Europe/Moscow")
        for day in range(40):
            at = NOW - timedelta(days=day, hours=day % 7)
            ticket = make_ticket(at=at, assignee_id=agent.id, line=1 + day % 3)
            ticket_service.change_status(
                ticket, TicketStatus.RESOLVED, actor=agent, now=at + timedelta(hours=3)
            )
        db.session.commit()
        rollups.roll(now=NOW, max_days=None)
        db.session.commit()
        tables = [fact.model.__tablename__ for fact in rollups.FACTS.values()]
        want = {name: _rows(name, name not in NEW_ROWS) for name in tables}
        assert want["report_volume_days"] and want["report_flow_line_times"]
        db.session.remove()
        flask_migrate.downgrade(revision="0034")
        assert all(not _rows(n, True) for n in tables if n not in NEW_ROWS)
        db.session.remove()
        flask_migrate.upgrade()
        got = {name: _rows(name, name not in NEW_ROWS) for name in tables}
        db.session.remove()
        db.engine.dispose()
    assert got == want
