"""Figures a manager can believe: a response is met only by a reply, a phone
call counts as the first response only if the policy says so, and the
dashboard shows phone and written channels apart.

Through the real engine (services, signal handlers, sweep) with the frozen
clock; the calendar is Mon-Fri 09:00-18:00 UTC, from Monday 2026-11-23 09:00.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from werkzeug.datastructures import MultiDict

from helpdesk.extensions import db
from helpdesk.service import tickets as svc
from helpdesk.service.lines import move_to_line
from helpdesk.vocabulary import Channel, Role, TicketStatus
from sla.models import SlaPolicy, Target
from sla.service import dashboard
from sla.service.clocks import ticket_clocks
from sla.service.sweep import sweep_due_clocks
from tests.builders import make_category, make_ticket, make_user
from tests.sla.builders import make_calendar, make_policy


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23 + day, hour, minute, tzinfo=UTC)


def clock_of(ticket, target: Target = Target.FIRST_RESPONSE):
    db.session.flush()
    return next(c for c in ticket_clocks(ticket.id) if c.target == target)


def summary(now: datetime, **query) -> dict:
    filters = dashboard.filters_from(
        {"date_from": at(0, 0).date(), "date_to": at(7, 0).date(), "period": "day"}
        | query,
        now=now,
    )
    return dashboard.summary(filters, now=now)


def reply(ticket, agent, now: datetime) -> None:
    svc.add_comment(ticket, body="Hello", internal=False, actor=agent, now=now)


@pytest.mark.usefixtures("ctx")
def test_a_ticket_resolved_without_a_reply_has_no_first_response(clock):
    make_policy(first_response_minutes=60, resolution_minutes=480)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    svc.change_status(ticket, TicketStatus.RESOLVED, actor=agent, now=at(0, 9, 30))
    first = clock_of(ticket)
    assert (first.state, first.breached_at) == ("no_response", None)
    assert clock_of(ticket, Target.RESOLUTION).state == "met"
    figures = summary(at(0, 12))
    # Only the resolution is met; the first response is neither met nor breached.
    assert figures["compliance"]["met"] == 1
    assert figures["compliance"]["breached"] == 0
    assert figures["compliance"]["no_response"] == 1
    assert figures["times"]["first_response"]["count"] == 0
    assert figures["times"]["first_response"]["median_seconds"] is None


@pytest.mark.usefixtures("ctx")
def test_closing_after_the_due_time_without_a_reply_is_a_breach_at_the_due_time(
    clock,
):
    make_policy(first_response_minutes=60)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    # No sweep ran: the breach is found when the ticket is closed.
    svc.change_status(ticket, TicketStatus.CLOSED, actor=agent, now=at(0, 10, 20))
    first = clock_of(ticket)
    assert (first.state, first.breached_at) == ("breached", at(0, 10))
    figures = summary(at(0, 12))
    assert figures["compliance"]["no_response"] == 0
    assert figures["times"]["first_response"]["count"] == 0


@pytest.mark.usefixtures("ctx")
def test_a_reopened_ticket_still_owes_its_first_response(clock):
    make_policy(first_response_minutes=60)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    requester = ticket.requester
    svc.change_status(ticket, TicketStatus.RESOLVED, actor=agent, now=at(0, 9, 30))
    # The customer writes back: the ticket reopens, the first response resumes.
    reply(ticket, requester, at(0, 11))
    assert ticket.status == TicketStatus.REOPENED
    assert clock_of(ticket).state == "running"
    reply(ticket, agent, at(0, 11, 10))
    first = clock_of(ticket)
    assert first.state == "met"
    # 30 minutes before the resolution, 10 after the reopening.
    assert first.spent_seconds == 40 * 60


@pytest.mark.usefixtures("ctx")
def test_registering_a_call_is_the_first_response_by_default(clock):
    policy = make_policy(first_response_minutes=60)
    assert policy.phone_call_is_first_response is True
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now(), channel=Channel.PHONE, actor=agent)
    assert clock_of(ticket).state == "met"


@pytest.mark.usefixtures("ctx")
def test_a_policy_can_wait_for_a_reply_on_phone_tickets(clock):
    make_policy(first_response_minutes=60, phone_call_is_first_response=False)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now(), channel=Channel.PHONE, actor=agent)
    assert clock_of(ticket).state == "running"
    reply(ticket, agent, at(0, 9, 20))
    first = clock_of(ticket)
    assert (first.state, first.spent_seconds) == ("met", 20 * 60)


@pytest.mark.usefixtures("ctx")
def test_the_dashboard_shows_phone_and_written_first_responses_apart(clock):
    make_policy(first_response_minutes=60, resolution_minutes=None)
    agent = make_user(role=Role.LINE1)
    make_ticket(at=clock.now(), channel=Channel.PHONE, actor=agent)  # 0 s
    for minutes in (20, 40):
        ticket = make_ticket(at=clock.now(), channel=Channel.EMAIL)
        reply(ticket, agent, at(0, 9, minutes))
    web = make_ticket(at=clock.now())
    reply(web, agent, at(0, 9, 50))
    times = summary(at(0, 12))["times"]["first_response"]
    assert (times["count"], times["median_seconds"]) == (4, 30 * 60)
    assert times["by_channel"]["phone"] == {
        "count": 1,
        "mean_seconds": 0,
        "median_seconds": 0,
    }
    assert times["by_channel"]["web_email"] == {
        "count": 3,
        "mean_seconds": 110 * 60 // 3,
        "median_seconds": 40 * 60,
    }


def test_the_setting_is_on_the_policy_form_and_in_the_api(
    app, client, given, login, bearer
):
    manager = given(make_user, role=Role.MANAGER)
    login(manager)
    headers = bearer(manager)
    given(make_category, "access")
    calendar = given(make_calendar)
    form = {"name": "Calls", "calendar_id": str(calendar.id)}
    form |= {"first_response_minutes": "30", "active": "true"}
    page = client.get("/sla/policies/new").get_data(as_text=True)
    assert 'name="phone_call_is_first_response" value="true" checked' in page
    # Unticked on the form: phone tickets wait for a reply.
    response = client.post("/sla/policies/new", data=MultiDict(form))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        policy = db.session.query(SlaPolicy).one()
        assert policy.phone_call_is_first_response is False
    url = f"/api/v1/sla/policies/{policy.id}"
    api = app.test_client()  # a bearer token, no session cookie
    assert api.get(url, headers=headers).json["phone_call_is_first_response"] is False
    patched = api.patch(
        url, json={"phone_call_is_first_response": True}, headers=headers
    )
    assert patched.status_code == 200
    assert patched.json["phone_call_is_first_response"] is True
    bad = api.patch(url, json={"phone_call_is_first_response": "x"}, headers=headers)
    assert bad.status_code == 422
    assert "phone_call_is_first_response" in bad.json["error"]["fields"]


def test_the_migrations_agree_with_the_sla_models(app):
    include_name = app.extensions["migrate"].configure_args["include_name"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diffs = compare_metadata(context, db.metadata)
    assert [d for d in diffs if "sla_" in repr(d)] == []


# --- a breach belongs to whoever had the ticket at its instant ----------------------


@pytest.mark.usefixtures("ctx")
def test_a_breach_found_when_the_clock_stops_goes_to_the_line_of_its_instant(clock):
    make_policy(first_response_minutes=60, resolution_minutes=None)
    first_line = make_user(role=Role.LINE1)
    second_line = make_user(role=Role.LINE2)
    ticket = make_ticket(at=clock.now())
    svc.assign_ticket(ticket, first_line.id, actor=first_line, now=at(0, 9, 5))
    # No sweep runs. Long after the due time (10:00) the ticket moves up,
    # where another agent takes it and answers.
    move_to_line(ticket, 2, actor=first_line, now=at(0, 10, 30), reason="harder")
    assert ticket.assignee_id is None
    svc.assign_ticket(ticket, second_line.id, actor=second_line, now=at(0, 10, 40))
    reply(ticket, second_line, at(0, 11))
    first = clock_of(ticket)
    assert first.breached_at == at(0, 10)
    assert (first.breached_line, first.breached_assignee_id) == (1, first_line.id)
    assert first.breached_policy_id == first.policy_id
    figures = summary(at(0, 12))
    assert [r["line"] for r in figures["breaches"]["items"]] == [1]
    assert [(r["line"], r["breached"]) for r in figures["compliance"]["by_line"]] == [
        (1, 1)
    ]


@pytest.mark.usefixtures("ctx")
def test_a_breach_a_late_sweep_finds_goes_to_the_holder_at_its_instant(clock):
    make_policy(first_response_minutes=60, resolution_minutes=None)
    agent = make_user(role=Role.LINE1)
    other = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now())
    svc.assign_ticket(ticket, agent.id, actor=agent, now=at(0, 9, 30))
    # Reassigned at the due instant itself, then again; the scheduler was down.
    svc.assign_ticket(ticket, other.id, actor=agent, now=at(0, 10))
    svc.assign_ticket(ticket, agent.id, actor=agent, now=at(0, 10, 15))
    move_to_line(ticket, 3, actor=None, now=at(0, 10, 20), reason="defect")
    assert sweep_due_clocks(now=at(0, 11), settings={}).breaches == 1
    first = clock_of(ticket)
    assert first.breached_at == at(0, 10)
    # A change at the breach instant has taken effect by then.
    assert (first.breached_line, first.breached_assignee_id) == (1, other.id)


@pytest.mark.usefixtures("ctx")
def test_a_breach_noticed_on_time_needs_no_history(clock):
    make_policy(first_response_minutes=60, resolution_minutes=None)
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket(at=clock.now(), assignee_id=agent.id)
    sweep_due_clocks(now=at(0, 10), settings={})
    first = clock_of(ticket)
    assert (first.breached_at, first.breached_line) == (at(0, 10), 1)
    assert first.breached_assignee_id == agent.id
