"""The dashboard's backlog from the counters the database's triggers keep
equals the count of the tickets themselves, whichever way a ticket's line or
status was written: the services, a Core ``UPDATE``, a delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.service import tickets as svc
from helpdesk.service.lines import move_to_line
from helpdesk.vocabulary import Role, TicketStatus
from sla.service import backlog, dashboard, figures, figures_raw
from tests.builders import make_ticket, make_user

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def both(line: int | None = None) -> tuple[list[dict], list[dict]]:
    f = dashboard.filters_from({"line": line}, now=NOW)
    return figures.backlog(f), figures_raw.backlog(f)


def assert_counted() -> None:
    for line in (None, 1, 2, 3):
        counted, raw = both(line)
        assert counted == raw, line


@pytest.mark.usefixtures("ctx")
def test_the_counters_follow_every_write_of_a_line_or_a_status():
    agent = make_user(role=Role.LINE1)
    tickets = [make_ticket(at=NOW + timedelta(minutes=i)) for i in range(6)]
    assert both()[0] == [{"line": 1, "status": "new", "tickets": 6}]
    svc.change_status(tickets[0], TicketStatus.OPEN, actor=agent, now=NOW)
    svc.change_status(tickets[1], TicketStatus.RESOLVED, actor=agent, now=NOW)
    move_to_line(tickets[2], 2, actor=None, now=NOW, reason="harder")
    move_to_line(tickets[3], 3, actor=None, now=NOW, reason="defect")
    db.session.flush()
    assert_counted()
    # Around the ORM: a bulk UPDATE of both columns, a change of one, a delete.
    db.session.execute(
        sa.update(Ticket)
        .where(Ticket.id.in_([tickets[4].id, tickets[5].id]))
        .values(status=TicketStatus.PENDING, line=2)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Ticket)
        .where(Ticket.id == tickets[4].id)
        .values(status=TicketStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    assert_counted()
    # A Core INSERT (a copy of ticket 5's row, moved to line 3) and a DELETE.
    table = Ticket.__table__
    names = [
        c.name for c in table.c if c.name not in ("id", "line") and c.computed is None
    ]
    copied = sa.select(
        sa.literal(1000), sa.literal(3), *(table.c[n] for n in names)
    ).where(table.c.id == tickets[5].id)
    db.session.execute(sa.insert(table).from_select(["id", "line", *names], copied))
    assert_counted()
    db.session.execute(sa.delete(table).where(table.c.id == 1000))
    counted, raw = both()
    assert counted == raw
    assert {(r["line"], r["status"]): r["tickets"] for r in counted} == {
        (1, "open"): 1,
        (2, "new"): 1,
        (2, "pending"): 2,
        (3, "new"): 1,
    }


@pytest.mark.usefixtures("ctx")
def test_the_dashboard_reads_the_counters_not_the_tickets():
    make_ticket(at=NOW)
    f = dashboard.filters_from({}, now=NOW)
    seen = []

    def on_execute(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        assert dashboard.summary(f, now=NOW)["backlog"] == [
            {"line": 1, "status": "new", "tickets": 1}
        ]
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)
    assert any(backlog.TABLE in s for s in seen)
    assert not any("count(*)" in s.lower() and "FROM tickets" in s for s in seen)


def test_the_counters_table_is_the_model(app):
    """The table the migration made is ``BacklogCount`` (autogenerate leaves
    it out of the models' comparison)."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, backlog.TriggerKept.metadata)
    assert [d for d in diffs if backlog.TABLE in repr(d)] == []


def test_concurrent_writers_never_wait_on_a_counter(app):
    """Two transactions writing tickets at once: neither waits for the other
    (on PostgreSQL the counters change at commit, in each transaction's own
    shard), and both are counted."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has one writer at a time")
        source = make_ticket(at=NOW).id
        db.session.commit()
        table = Ticket.__table__
        names = [c.name for c in table.c if c.name != "id" and c.computed is None]

        def copy(connection, new_id: int) -> None:
            row = sa.select(sa.literal(new_id), *(table.c[n] for n in names))
            row = row.where(table.c.id == source)
            connection.execute(sa.insert(table).from_select(["id", *names], row))

        with db.engine.connect() as first, db.engine.connect() as second:
            first.begin()
            copy(first, 1001)
            second.begin()
            # Fails instead of waiting if the first holds a lock it needs.
            second.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
            copy(second, 1002)
            second.commit()
            first.commit()
        db.session.remove()
        counted, raw = both()
        assert counted == raw == [{"line": 1, "status": "new", "tickets": 3}]
