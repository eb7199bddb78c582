"""Least-loaded assignment with round-robin on ties, and availability."""

from __future__ import annotations

import pytest

from helpdesk.errors import InvalidInput, PermissionDenied
from helpdesk.extensions import db
from helpdesk.vocabulary import Role, TicketStatus
from routing.service import assignment
from tests.builders import make_ticket, make_user
from tests.routing.builders import make_rule
from tests.security.support import error_of


@pytest.mark.usefixtures("ctx")
def test_the_least_loaded_available_agent_of_the_line_is_picked(clock):
    busy, idle, away = (make_user(role=Role.LINE2) for _ in range(3))
    make_user(role=Role.LINE2, active=False)
    make_user(role=Role.LINE1)  # another line
    make_ticket(line=2, assignee_id=busy.id)
    make_ticket(line=2, assignee_id=busy.id, status=TicketStatus.CLOSED)  # not active
    assignment.set_availability(away, False, actor=away, now=clock.now())
    assert assignment.least_loaded_agent(2, take=True) == idle


@pytest.mark.usefixtures("ctx")
def test_equally_loaded_agents_take_turns_and_a_look_changes_nothing():
    agents = sorted((make_user(role=Role.LINE3) for _ in range(3)), key=lambda u: u.id)
    picks = [assignment.least_loaded_agent(3, take=True) for _ in range(4)]
    assert picks == [agents[0], agents[1], agents[2], agents[0]]
    look = assignment.least_loaded_agent(3, take=False)
    assert look == assignment.least_loaded_agent(3, take=False) == agents[1]


@pytest.mark.usefixtures("ctx")
def test_nobody_available_means_no_pick(clock):
    agent = make_user(role=Role.LINE1)
    assignment.set_availability(agent, False, actor=agent, now=clock.now())
    assert assignment.least_loaded_agent(1, take=True) is None


@pytest.mark.usefixtures("ctx")
def test_a_rule_spreads_new_tickets_over_the_line():
    agents = sorted((make_user(role=Role.LINE2) for _ in range(2)), key=lambda u: u.id)
    make_rule(
        name="spread",
        actions=[
            {"type": "set_line", "line": 2},
            {"type": "assign_least_loaded", "line": None},
        ],
    )
    tickets = [make_ticket() for _ in range(4)]
    db.session.commit()
    assert [t.assignee_id for t in tickets] == [a.id for a in agents] * 2


@pytest.mark.usefixtures("ctx")
def test_agents_change_only_their_own_availability_managers_anyones(clock):
    agent, other = make_user(role=Role.LINE1), make_user(role=Role.LINE1)
    with pytest.raises(PermissionDenied):
        assignment.set_availability(other, False, actor=agent, now=clock.now())
    manager = make_user(role=Role.MANAGER)
    assignment.set_availability(other, False, actor=manager, now=clock.now())
    assert not assignment.is_available(other.id)
    with pytest.raises(InvalidInput):
        assignment.set_availability(manager, False, actor=manager, now=clock.now())


def test_the_nav_toggle_and_the_api_show_availability(
    app, client, given, login, bearer
):
    agent = given(make_user, role=Role.LINE2)
    login(agent)
    page = client.get("/queue").get_data(as_text=True)
    assert (
        'id="routing-availability"' in page and ">\n        Available</button>" in page
    )
    response = client.post(
        "/routing/availability", data={"available": "false", "next": "/queue?line=2"}
    )
    assert response.headers["Location"] == "/queue?line=2"
    evil = client.post(
        "/routing/availability", data={"available": "true", "next": "//evil.test/"}
    )
    assert evil.headers["Location"] == "/queue"
    headers = bearer(agent)
    client = app.test_client()  # a program: bearer token, no cookie session
    listed = client.get("/api/v1/routing/agents?line=2", headers=headers).json
    assert listed["items"] == [
        {
            "id": agent.id,
            "name": agent.name,
            "line": 2,
            "available": True,
            "active_tickets": 0,
        }
    ]
    patched = client.patch(
        f"/api/v1/routing/agents/{agent.id}", json={"available": False}, headers=headers
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["available"] is False
    bad = client.patch(
        f"/api/v1/routing/agents/{agent.id}",
        json={"available": "maybe"},
        headers=headers,
    )
    assert bad.status_code == 422 and "available" in error_of(bad)["fields"]
