"""Escalation by hand (API, ticket page, phone console) and by the SLA."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.vocabulary import Priority, Role, TicketStatus
from sla.jobs import sweep_clocks
from tests.builders import make_category, make_ticket, make_user, outbox_mails
from tests.routing.builders import make_rule
from tests.security.support import db_state, error_of
from tests.sla.builders import make_calendar, make_policy


def line_events(app, ticket_id: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(TicketEvent)
            .where(
                TicketEvent.ticket_id == ticket_id,
                TicketEvent.kind == "routing_line_changed",
            )
            .order_by(TicketEvent.id)
        ).all()
        result = [{"actor_id": e.actor_id, **e.data} for e in rows]
        db.session.remove()
    return result


def ticket_row(app, ticket_id: int) -> Ticket:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        db.session.expunge(ticket)
        db.session.remove()
    return ticket


def outbox(app) -> list[str]:
    """Who was told of a line move."""
    with app.app_context():
        recipients = [m.recipient for m in outbox_mails("moved_to_your_line")]
        db.session.remove()
    return recipients


def test_an_agent_escalates_through_the_api_and_line_2_is_told(
    app, client, given, bearer
):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE1)
    line2 = [given(make_user, role=Role.LINE2) for _ in range(2)]
    given(make_user, role=Role.LINE2, active=False)
    ticket = given(make_ticket, assignee_id=agent.id)

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/escalations",
        json={"line": 2, "reason": "Needs the configuration admin."},
        headers=bearer(agent),
    )

    assert response.status_code == 201, response.json
    assert (response.json["line"], response.json["assignee"]) == (2, None)
    (event,) = line_events(app, ticket.id)
    assert event | {"actor_id": agent.id} == event
    assert (event["old"], event["new"], event["cause"]) == (1, 2, "manual")
    assert event["reason"] == "Needs the configuration admin."
    assert event["unassigned"] == agent.id
    assert outbox(app) == [u.email for u in line2]


def test_the_assignee_stays_when_they_work_on_the_new_line(app, client, given, bearer):
    given(make_category, "access")
    manager = given(make_user, role=Role.MANAGER)
    line3 = given(make_user, role=Role.LINE3)
    ticket = given(make_ticket, line=2, assignee_id=line3.id)
    response = client.post(
        f"/api/v1/tickets/{ticket.id}/escalations",
        json={"line": 3, "reason": "Code change."},
        headers=bearer(manager),
    )
    assert response.status_code == 201
    assert response.json["assignee"]["id"] == line3.id


def test_an_agent_returns_a_ticket_to_a_lower_line(app, client, given, bearer):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE3)
    ticket = given(make_ticket, line=3)
    response = client.post(
        f"/api/v1/tickets/{ticket.id}/escalations",
        json={"line": 1, "reason": "Answered by the manual, chapter 4."},
        headers=bearer(agent),
    )
    assert response.status_code == 201
    assert line_events(app, ticket.id)[0]["new"] == 1


def test_escalation_needs_a_reason_and_another_line(app, client, given, bearer):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket)
    headers = bearer(agent)
    before = db_state(app)
    for body, field in (
        ({"line": 2, "reason": "   "}, "reason"),
        ({"line": 2}, "reason"),
        ({"line": 1, "reason": "why not"}, "line"),
        ({"line": 4, "reason": "why not"}, "line"),
        ({"reason": "why not"}, "line"),
    ):
        response = client.post(
            f"/api/v1/tickets/{ticket.id}/escalations", json=body, headers=headers
        )
        assert response.status_code == 422, body
        assert field in error_of(response)["fields"], body
    assert db_state(app) == before


def test_a_closed_ticket_does_not_move(app, client, given, bearer):
    given(make_category, "access")
    manager = given(make_user, role=Role.MANAGER)
    ticket = given(make_ticket, status=TicketStatus.CLOSED)
    response = client.post(
        f"/api/v1/tickets/{ticket.id}/escalations",
        json={"line": 2, "reason": "late"},
        headers=bearer(manager),
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


def test_the_sidebar_form_escalates_and_shows_the_reason(app, client, given, login):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket)
    login(agent)

    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="routing-panel"' in page and "Reason (required)" in page

    response = client.post(
        f"/routing/tickets/{ticket.id}/escalations",
        data={"line": "2", "reason": "Printer driver config."},
    )
    assert response.status_code == 302
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "moved to line 2" in page
    assert "Escalated from line 1 to line 2." in page
    assert "Printer driver config." in page
    # The agent no longer works on it, so the form is gone.
    assert 'id="routing-panel"' not in page


def test_the_sidebar_form_without_a_reason_is_shown_again_with_the_message(
    app, client, given, login
):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket)
    login(agent)
    before = db_state(app)
    response = client.post(
        f"/routing/tickets/{ticket.id}/escalations", data={"line": "2", "reason": ""}
    )
    assert response.status_code == 422
    assert "Say why, in 1 to 2000 characters." in response.get_data(as_text=True)
    assert db_state(app) == before


def test_line_1_escalates_from_the_phone_console_right_after_registering(
    app, client, given, login
):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE1)
    caller = given(make_user, role=Role.CUSTOMER)
    login(agent)
    response = client.post(
        "/phone/tickets",
        data={
            "requester_id": str(caller.id),
            "subject": "Report is wrong",
            "description": "Totals differ.",
            "category": "access",
            "priority": "P2",
        },
    )
    assert response.status_code == 302
    console = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="routing-phone-escalation"' in console
    with app.app_context():
        ticket_id = db.session.scalar(sa.select(Ticket.id))
        db.session.remove()

    response = client.post(
        f"/routing/tickets/{ticket_id}/escalations",
        data={"line": "2", "reason": "Caller needs line 2.", "next": "phone"},
    )
    assert response.status_code == 302
    assert "/phone?" in response.headers["Location"]
    assert ticket_row(app, ticket_id).line == 2


def test_customers_never_escalate(app, client, given, bearer):
    given(make_category, "access")
    customer = given(make_user)
    ticket = given(make_ticket, requester=customer)
    headers = bearer(customer)
    before = db_state(app)
    response = client.post(
        f"/api/v1/tickets/{ticket.id}/escalations",
        json={"line": 2, "reason": "hurry"},
        headers=headers,
    )
    assert response.status_code == 403
    assert db_state(app) == before


# --- by the SLA ---------------------------------------------------------------------


def _sla_ticket(app, clock, *, on_breach, priority=Priority.P2):
    with app.app_context():
        make_category("access")
        make_policy(
            calendar=make_calendar(always_open=True, hours=()),
            first_response_minutes=60,
            resolution_minutes=None,
            warning_percents=[],
            on_warning=[],
            on_breach=on_breach,
        )
        ticket = make_ticket(priority=priority, at=clock.now())
        db.session.commit()
        ticket_id = ticket.id
        db.session.remove()
    return ticket_id


def test_the_sla_policy_escalate_action_moves_the_ticket_to_the_next_line(app, clock):
    ticket_id = _sla_ticket(app, clock, on_breach=["escalate"])
    clock.advance(minutes=61)
    sweep_clocks(app)
    (event,) = line_events(app, ticket_id)
    assert (event["old"], event["new"], event["cause"]) == (1, 2, "sla_breach")
    assert event["reason"] == "first_response" and event["actor_id"] is None
    sweep_clocks(app)  # a second sweep changes nothing
    assert ticket_row(app, ticket_id).line == 2


def test_rules_on_sla_breach_can_reassign_and_escalate(app, clock):
    with app.app_context():
        agent = make_user(role=Role.LINE2)
        make_rule(
            name="breach: line 2, least loaded",
            trigger="sla_breach",
            conditions=[{"field": "sla_target", "op": "eq", "value": "first_response"}],
            actions=[
                {"type": "set_line", "line": 2},
                {"type": "assign_least_loaded", "line": None},
            ],
        )
        db.session.commit()
        agent_id = agent.id
        db.session.remove()
    ticket_id = _sla_ticket(app, clock, on_breach=["notify_managers"])
    clock.advance(minutes=30)
    sweep_clocks(app)
    assert ticket_row(app, ticket_id).line == 1
    clock.advance(minutes=31)
    sweep_clocks(app)
    ticket = ticket_row(app, ticket_id)
    assert (ticket.line, ticket.assignee_id) == (2, agent_id)
