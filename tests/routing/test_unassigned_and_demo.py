"""The "unassigned for N minutes" job, and the demo rules."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.outbox import OutboxMessage
from helpdesk.vocabulary import Role, TicketStatus
from routing.jobs import check_unassigned
from routing.models import RoutingRule
from tests.builders import make_ticket, make_user, outbox_mails
from tests.routing.builders import make_rule


def _arrange(app, clock):
    with app.app_context():
        agent = make_user(role=Role.LINE2)
        make_rule(
            name="30 min unassigned on line 2",
            trigger="unassigned_for_minutes",
            unassigned_minutes=30,
            conditions=[{"field": "line", "op": "eq", "value": 2}],
            actions=[{"type": "assign_least_loaded", "line": None}],
        )
        ids = [
            make_ticket(line=2, at=clock.now()).id,
            make_ticket(line=1, at=clock.now()).id,  # conditions do not match
            make_ticket(line=2, at=clock.now(), status=TicketStatus.CLOSED).id,
        ]
        db.session.commit()
        agent_id = agent.id
        db.session.remove()
    return agent_id, ids


def _assignees(app, ids):
    with app.app_context():
        result = [db.session.get(Ticket, i).assignee_id for i in ids]
        db.session.remove()
    return result


def test_unassigned_tickets_are_looked_at_once_after_n_minutes(app, clock):
    agent_id, ids = _arrange(app, clock)
    clock.advance(minutes=29)
    assert check_unassigned(app) == 0
    clock.advance(minutes=1)
    assert check_unassigned(app) == 2  # the closed one is not looked at
    assert _assignees(app, ids) == [agent_id, None, None]
    # Level-triggered and idempotent: a later or doubled run changes nothing,
    # even for a ticket that lost its assignee again.
    with app.app_context():
        db.session.get(Ticket, ids[0]).assignee_id = None
        db.session.commit()
        db.session.remove()
    clock.advance(minutes=30)
    assert check_unassigned(app) == 0
    assert check_unassigned(app) == 0
    assert _assignees(app, ids) == [None, None, None]


def test_the_timeline_and_the_rules_name_the_minutes_a_ticket_waits_unassigned(
    app, clock, client, given, login
):
    _agent_id, ids = _arrange(app, clock)
    clock.advance(minutes=30)
    check_unassigned(app)
    login(given(make_user, role=Role.MANAGER))

    page = client.get(f"/tickets/{ids[0]}").get_data(as_text=True)

    assert "Rule “30 min unassigned on line 2” · Unassigned for 30 minutes" in page
    rules = client.get("/routing/rules").get_data(as_text=True)
    assert "<small>Unassigned for 30 minutes</small>" in rules


def test_demo_rules_load_once_and_route_the_demo_tickets(runner, app):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(RoutingRule.id))) == 6
        lines = dict(db.session.execute(sa.select(Ticket.subject, Ticket.line)).all())
        assert lines["Ошибка при проведении документа"] == 2
        assert lines["Add a VAT column to the sales report"] == 2
        assert lines["Cannot log in after password change"] == 1
        notes = db.session.scalars(
            sa.select(TicketEvent).where(TicketEvent.kind == "routing_note")
        ).all()
        assert len(notes) == 1  # routed once, not again on the second load
        db.session.remove()


def test_a_p1_ticket_tells_the_managers_with_the_demo_rules(runner, app, client):
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()
        db.session.remove()
    client.post("/login", data={"email": "line1@example.com", "password": "demo"})
    with app.app_context():
        caller = db.session.scalar(
            sa.select(Ticket.requester_id).order_by(Ticket.id).limit(1)
        )
        db.session.remove()
    response = client.post(
        "/phone/tickets",
        data={
            "requester_id": str(caller),
            "subject": "Nobody can log in",
            "description": "The whole office.",
            "category": "access",
            "priority": "P1",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        recipients = [m.recipient for m in outbox_mails("routing.rule")]
        db.session.remove()
    assert recipients == ["manager@example.com"]
