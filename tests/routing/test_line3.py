"""Tickets and line 3's defects: a linked active ticket waits on line 3 (its
policy decides whether its SLA clocks pause), comes back to its line as
"confirm the fix with the customer" when the defect is fixed, and waits again
when a fix that did not hold is reopened."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.vocabulary import Role, TicketStatus
from sla.models import Target
from sla.service.clocks import ticket_clocks
from tests.builders import make_category, make_ticket, make_user
from tests.security.support import db_state, error_of
from tests.sla.builders import make_policy

DEFECT = {
    "kind": "defect",
    "title": "Posting a waybill fails",
    "description": "Steps: post waybill 42.",
    "severity": "major",
}


@pytest.fixture
def people(given):
    given(make_category, "access")
    return {
        role: given(make_user, role=role, name=role.value)
        for role in (Role.LINE2, Role.LINE3, Role.CUSTOMER)
    }


def status_of(app, ticket_id: int) -> TicketStatus:
    with app.app_context():
        return db.session.get(Ticket, ticket_id).status


def clock_phases(app, ticket_id: int) -> dict[Target, str]:
    with app.app_context():
        return {c.target: c.phase.value for c in ticket_clocks(ticket_id)}


def kinds(app, ticket_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(TicketEvent.kind)
                .where(TicketEvent.ticket_id == ticket_id)
                .order_by(TicketEvent.id)
            )
        )


def file_defect(client, bearer, filer, ticket) -> dict:
    response = client.post(
        "/api/v1/routing/defects",
        json=DEFECT | {"ticket": ticket.id},
        headers=bearer(filer),
    )
    assert response.status_code == 201, response.json
    return response.json


def fix(client, bearer, fixer, defect) -> None:
    response = client.post(
        f"/api/v1/routing/defects/{defect['id']}/fixes",
        json={"resolution": "Fixed in 2.4.1."},
        headers=bearer(fixer),
    )
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    ("pause_on_line3", "waiting_phase"), [(False, "running"), (True, "paused")]
)
def test_waiting_on_line3_pauses_the_clocks_only_if_the_policy_says_so(
    app, client, given, people, bearer, clock, pause_on_line3, waiting_phase
):
    given(make_policy, resolution_minutes=8 * 60, pause_on_line3=pause_on_line3)
    ticket = given(make_ticket, line=2)

    defect = file_defect(client, bearer, people[Role.LINE2], ticket)

    assert status_of(app, ticket.id) == TicketStatus.WAITING_LINE3
    assert clock_phases(app, ticket.id) == {
        Target.FIRST_RESPONSE: waiting_phase,
        Target.RESOLUTION: waiting_phase,
    }
    clock.advance(hours=2)
    fix(client, bearer, people[Role.LINE3], defect)
    assert status_of(app, ticket.id) == TicketStatus.CONFIRM_FIX
    assert set(clock_phases(app, ticket.id).values()) == {"running"}


def test_a_fixed_defect_puts_its_tickets_in_their_lines_queue_to_confirm(
    app, client, given, people, bearer, login
):
    line2, api = people[Role.LINE2], app.test_client()  # bearer calls, no cookie
    ticket = given(make_ticket, line=2, subject="Waybill 42 fails")
    defect = file_defect(api, bearer, line2, ticket)
    login(line2)
    queue = client.get("/queue").get_data(as_text=True)
    assert "Waybill 42 fails" in queue and "Waiting on line 3" in queue

    fix(api, bearer, people[Role.LINE3], defect)

    queue = client.get("/queue?status=confirm_fix").get_data(as_text=True)
    assert "Waybill 42 fails" in queue
    assert "Confirm the fix with the customer" in queue
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Status: Waiting on line 3 → Confirm the fix with the customer." in page
    # From here the line moves it on by hand, as usual; not back to waiting.
    moves = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'name="status" value="waiting_line3"' not in moves
    assert 'name="status" value="resolved"' in moves


def test_a_ticket_waiting_on_two_defects_waits_until_both_are_fixed(
    app, client, given, people, bearer
):
    line2, line3 = people[Role.LINE2], people[Role.LINE3]
    ticket = given(make_ticket, line=2)
    first = file_defect(client, bearer, line2, ticket)
    second = file_defect(client, bearer, line2, ticket)

    fix(client, bearer, line3, first)
    assert status_of(app, ticket.id) == TicketStatus.WAITING_LINE3
    fix(client, bearer, line3, second)
    assert status_of(app, ticket.id) == TicketStatus.CONFIRM_FIX


def test_a_reopened_defect_sends_its_active_tickets_back_to_waiting(
    app, client, given, people, bearer, login
):
    line2, line3 = people[Role.LINE2], people[Role.LINE3]
    ticket = given(make_ticket, line=2)
    done = given(make_ticket, line=2)
    defect = file_defect(client, bearer, line2, ticket)
    client.post(
        f"/api/v1/routing/defects/{defect['id']}/tickets",
        json={"ticket": done.id},
        headers=bearer(line2),
    )
    path = f"/api/v1/routing/defects/{defect['id']}/reopenings"
    not_fixed = client.post(path, json={"reason": "x"}, headers=bearer(line2))
    assert not_fixed.status_code == 409 and error_of(not_fixed)["code"] == "conflict"
    fix(client, bearer, line3, defect)
    client.post(
        f"/api/v1/tickets/{done.id}/transitions",
        json={"status": "resolved"},
        headers=bearer(line2),
    )
    headers = bearer(line2)
    before = db_state(app)
    assert client.post(path, json={"reason": ""}, headers=headers).status_code == 422
    assert db_state(app) == before

    login(line2)  # line 2 hears from the customer that it still fails
    response = client.post(
        f"/routing/defects/{defect['id']}/reopenings",
        data={"reason": "Waybill 43 still fails."},
    )

    assert response.status_code == 302
    assert status_of(app, ticket.id) == TicketStatus.WAITING_LINE3
    assert status_of(app, done.id) == TicketStatus.RESOLVED  # left alone
    assert kinds(app, ticket.id)[-2:] == ["routing_defect_reopened", "status_changed"]
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "is open again: the ticket waits on line 3 again." in page
    assert "Waybill 43 still fails." in page
    reopened = client.get(f"/api/v1/routing/defects/{defect['id']}").json
    assert (reopened["status"], reopened["fixed_at"]) == ("open", None)
    # Open again, it can be fixed again.
    fix(app.test_client(), bearer, line3, defect)
    assert status_of(app, ticket.id) == TicketStatus.CONFIRM_FIX


def test_the_customer_sees_no_line_in_the_status(
    app, client, given, people, bearer, login
):
    customer = people[Role.CUSTOMER]
    ticket = given(make_ticket, requester=customer, line=2)
    file_defect(client, bearer, people[Role.LINE2], ticket)
    login(customer)

    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)

    assert "Being fixed" in page
    assert "line 3" not in page.lower()
    listing = client.get("/tickets").get_data(as_text=True)
    assert "Being fixed" in listing


def test_the_line3_statuses_are_not_set_by_hand(app, client, given, people, bearer):
    ticket = given(make_ticket, line=2)
    response = client.post(
        f"/api/v1/tickets/{ticket.id}/transitions",
        json={"status": "waiting_line3"},
        headers=bearer(people[Role.LINE2]),
    )
    assert response.status_code == 409
    listed = client.get(
        "/api/v1/tickets?status=waiting_line3,confirm_fix",
        headers=bearer(people[Role.LINE2]),
    )
    assert listed.status_code == 200 and listed.json["items"] == []


def test_the_openapi_document_names_the_new_statuses_and_paths(client):
    document = client.get("/api/openapi.json").json
    statuses = document["components"]["schemas"]["TicketOut"]["properties"]["status"]
    assert {"waiting_line3", "confirm_fix"} <= set(statuses["enum"])
    assert "/v1/routing/defects/{id}/reopenings" in document["paths"]
    assert "/v1/tickets/{id}/follow-ups" in document["paths"]
    policy = document["components"]["schemas"]["PolicyOut"]["properties"]
    assert policy["pause_on_line3"]["type"] == "boolean"
