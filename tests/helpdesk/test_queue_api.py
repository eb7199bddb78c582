"""The queue's bulk bar and saved views through the API, as the pages do them."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_ticket, make_user
from tests.security.support import error_of


def states(app, ids):
    with app.app_context():
        rows = {
            t.id: (t.status, t.line, t.assignee_id)
            for t in db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids)))
        }
        db.session.remove()
    return [rows[i] for i in ids]


def test_a_bulk_status_change_skips_what_it_cannot_change_and_can_be_undone(
    app, client, given, bearer
):
    agent = given(make_user, role=Role.LINE1)
    open_one = given(make_ticket, status=TicketStatus.OPEN)
    closed = given(make_ticket, status=TicketStatus.CLOSED)
    other_line = given(make_ticket, line=2, status=TicketStatus.OPEN)
    ids = [open_one.id, closed.id, other_line.id]

    done = client.post(
        "/api/v1/tickets/bulk-updates",
        json={"ticket_ids": ids, "action": "status", "status": "pending"},
        headers=bearer(agent),
    )

    assert done.status_code == 201, done.json
    assert done.json["changed"] == [open_one.number]
    assert {s["ticket"] for s in done.json["skipped"]} == {
        closed.number,
        other_line.number,
    }
    assert all(s["reason"] for s in done.json["skipped"])
    assert states(app, ids)[0][0] == TicketStatus.PENDING

    undone = client.post(done.json["undo"], headers=bearer(agent))
    assert undone.status_code == 200, undone.json
    assert states(app, ids)[0][0] == TicketStatus.OPEN


def test_a_bulk_escalation_moves_the_tickets_with_the_reason(
    app, client, given, bearer
):
    agent = given(make_user, role=Role.LINE1)
    ids = [given(make_ticket, status=TicketStatus.OPEN).id for _ in range(2)]

    done = client.post(
        "/api/v1/tickets/bulk-escalations",
        json={"ticket_ids": ids, "line": 2, "reason": "Needs a configuration change"},
        headers=bearer(agent),
    )
    events = client.get(f"/api/v1/tickets/{ids[0]}/events", headers=bearer(agent)).json[
        "items"
    ]

    assert done.status_code == 201, done.json
    assert len(done.json["changed"]) == 2 and done.json["skipped"] == []
    assert [line for _, line, _ in states(app, ids)] == [2, 2]
    assert any("Needs a configuration change" in str(e["data"]) for e in events)


def test_bulk_actions_name_the_bad_field_and_are_for_staff_only(client, given, bearer):
    agent = given(make_user, role=Role.LINE1)
    customer = given(make_user, role=Role.CUSTOMER)
    mine = given(make_ticket, requester=customer)

    nothing = client.post(
        "/api/v1/tickets/bulk-updates",
        json={"ticket_ids": [], "action": "assign_me"},
        headers=bearer(agent),
    )
    no_status = client.post(
        "/api/v1/tickets/bulk-updates",
        json={"ticket_ids": [mine.id], "action": "status"},
        headers=bearer(agent),
    )
    no_reason = client.post(
        "/api/v1/tickets/bulk-escalations",
        json={"ticket_ids": [mine.id], "line": 2},
        headers=bearer(agent),
    )
    by_customer = client.post(
        "/api/v1/tickets/bulk-updates",
        json={"ticket_ids": [mine.id], "action": "unassign"},
        headers=bearer(customer),
    )

    assert nothing.status_code == 422 and "ticket_ids" in error_of(nothing)["fields"]
    assert no_status.status_code == 422 and "status" in error_of(no_status)["fields"]
    assert no_reason.status_code == 422 and "reason" in error_of(no_reason)["fields"]
    assert by_customer.status_code == 403


def test_an_agent_saves_lists_and_deletes_a_view_and_sees_only_their_own(
    client, given, bearer
):
    agent = given(make_user, role=Role.LINE1)
    colleague = given(make_user, role=Role.LINE1)
    customer = given(make_user, role=Role.CUSTOMER)
    headers = bearer(agent)

    saved = client.post(
        "/api/v1/me/views",
        json={"name": " P1 new ", "filters": {"priority": "P1", "status": "new"}},
        headers=headers,
    )
    again = client.post("/api/v1/me/views", json={"name": "P1 new"}, headers=headers)
    bad_filter = client.post(
        "/api/v1/me/views",
        json={"name": "Odd", "filters": {"line": "seven"}},
        headers=headers,
    )
    listed = client.get("/api/v1/me/views", headers=headers)
    theirs = client.get("/api/v1/me/views", headers=bearer(colleague))
    foreign_delete = client.delete(
        f"/api/v1/me/views/{saved.json['id']}", headers=bearer(colleague)
    )
    by_customer = client.get("/api/v1/me/views", headers=bearer(customer))

    assert saved.status_code == 201, saved.json
    assert saved.json["name"] == "P1 new"
    assert saved.json["filters"] == {"priority": "P1", "status": "new"}
    assert again.status_code == 409 and "name" in error_of(again)["fields"]
    assert bad_filter.status_code == 422 and "line" in error_of(bad_filter)["fields"]
    assert [v["name"] for v in listed.json["items"]] == ["P1 new"]
    assert theirs.json["items"] == [] and foreign_delete.status_code == 404
    assert by_customer.status_code == 403

    deleted = client.delete(f"/api/v1/me/views/{saved.json['id']}", headers=headers)
    assert deleted.status_code == 204
    assert client.get("/api/v1/me/views", headers=headers).json["items"] == []
