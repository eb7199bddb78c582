"""Defects for line 3: filed from tickets, more tickets linked, and when
fixed, every linked active ticket gets a note and goes back to its line."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.outbox import OutboxMessage
from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_category, make_ticket, make_user
from tests.security.support import db_state, error_of

DEFECT = {
    "kind": "defect",
    "title": "Posting a waybill fails with a referential integrity error",
    "description": "Steps: post waybill 42. Expected: posted. Actual: error.",
    "severity": "major",
}


@pytest.fixture
def people(app, given):
    given(make_category, "defect")
    return {
        role: given(make_user, role=role, name=role.value)
        for role in (Role.LINE1, Role.LINE2, Role.LINE3, Role.MANAGER, Role.CUSTOMER)
    }


def timeline(app, ticket_id: int) -> list[TicketEvent]:
    with app.app_context():
        events = db.session.scalars(
            sa.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.id)
        ).all()
        db.session.expunge_all()
        db.session.remove()
    return events


def ticket_of(app, ticket_id: int) -> Ticket:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        db.session.expunge(ticket)
        db.session.remove()
    return ticket


def test_a_fixed_defect_sends_its_tickets_back_for_confirmation(
    app, client, given, people, bearer
):
    line2, line3 = people[Role.LINE2], people[Role.LINE3]
    first = given(make_ticket, category="defect", line=2)
    second = given(make_ticket, category="defect", line=2)
    done = given(make_ticket, category="defect", line=2)

    filed = client.post(
        "/api/v1/routing/defects",
        json=DEFECT | {"ticket": first.number},
        headers=bearer(line2),
    )
    assert filed.status_code == 201, filed.json
    defect = filed.json
    assert (defect["number"], defect["status"]) == ("DF-00001", "open")
    assert [t["number"] for t in defect["tickets"]] == [first.number]
    for ticket in (second, done):
        linked = client.post(
            f"/api/v1/routing/defects/{defect['id']}/tickets",
            json={"ticket": ticket.id},
            headers=bearer(line2),
        )
        assert linked.status_code == 201
    for ticket in (first, second, done):
        assert ticket_of(app, ticket.id).status == TicketStatus.WAITING_LINE3
    # Line 2 hands the first ticket to line 3 meanwhile; the third gets closed.
    client.post(
        f"/api/v1/tickets/{first.id}/escalations",
        json={"line": 3, "reason": "Waiting on DF-00001."},
        headers=bearer(line2),
    )
    with app.app_context():
        db.session.get(Ticket, first.id).assignee_id = line3.id
        db.session.get(Ticket, done.id).status = TicketStatus.CLOSED
        db.session.commit()
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()

    fixed = client.post(
        f"/api/v1/routing/defects/{defect['id']}/fixes",
        json={"resolution": "Fixed in 2.4.1: the check now runs after posting."},
        headers=bearer(line3),
    )

    assert fixed.status_code == 201, fixed.json
    assert fixed.json["status"] == "fixed" and fixed.json["fixed_at"]
    back = ticket_of(app, first.id)
    assert (back.line, back.assignee_id) == (2, None)  # line 3 agent cleared
    kinds = [e.kind for e in timeline(app, first.id)]
    assert kinds[-4:] == [
        "routing_defect_fixed",
        "status_changed",
        "assigned",
        "routing_line_changed",
    ]
    assert timeline(app, first.id)[-3].data == {
        "old": "waiting_line3",
        "new": "confirm_fix",
    }
    assert back.status == TicketStatus.CONFIRM_FIX
    assert ticket_of(app, second.id).status == TicketStatus.CONFIRM_FIX
    assert ticket_of(app, done.id).status == TicketStatus.CLOSED
    note = timeline(app, first.id)[-4]
    assert note.internal and note.data["resolution"].startswith("Fixed in 2.4.1")
    moved = timeline(app, first.id)[-1]
    assert (moved.data["cause"], moved.data["reason"]) == ("defect_fixed", "DF-00001")
    assert "routing_defect_fixed" in [e.kind for e in timeline(app, second.id)]
    assert ticket_of(app, second.id).line == 2  # was there already: just told
    assert "routing_defect_fixed" not in [e.kind for e in timeline(app, done.id)]
    with app.app_context():
        recipients = db.session.scalars(sa.select(OutboxMessage.recipient)).all()
        db.session.remove()
    assert sorted(recipients) == sorted([line2.email, line2.email])


def test_who_may_file_see_and_fix(app, client, given, people, bearer):
    ticket = given(make_ticket, category="defect", line=2)
    body = DEFECT | {"ticket": ticket.id}
    token = {role: bearer(user) for role, user in people.items()}
    before = db_state(app)
    for role in (Role.LINE1, Role.CUSTOMER):
        refused = client.post("/api/v1/routing/defects", json=body, headers=token[role])
        assert refused.status_code == 403, role
    assert db_state(app) == before
    defect = client.post(
        "/api/v1/routing/defects", json=body, headers=token[Role.LINE2]
    ).json
    path = f"/api/v1/routing/defects/{defect['id']}"
    assert client.get(path, headers=token[Role.CUSTOMER]).status_code == 404
    listed = client.get("/api/v1/routing/defects", headers=token[Role.CUSTOMER])
    assert listed.status_code == 403
    assert client.get(path, headers=token[Role.LINE1]).status_code == 200
    fix = {"resolution": "Done."}
    before = db_state(app)
    refused = client.post(f"{path}/fixes", json=fix, headers=token[Role.LINE2])
    assert refused.status_code == 403
    assert db_state(app) == before
    in_progress = client.patch(
        path, json={"status": "in_progress"}, headers=token[Role.LINE3]
    )
    assert in_progress.json["status"] == "in_progress"
    fixed = client.post(f"{path}/fixes", json=fix, headers=token[Role.LINE3])
    assert fixed.status_code == 201
    again = client.post(f"{path}/fixes", json=fix, headers=token[Role.LINE3])
    assert again.status_code == 409 and error_of(again)["code"] == "conflict"
    other = given(make_ticket, category="defect", line=2)
    late = client.post(
        f"{path}/tickets", json={"ticket": other.id}, headers=token[Role.LINE2]
    )
    assert late.status_code == 409


def test_defect_input_is_checked(app, client, given, people, bearer):
    ticket = given(make_ticket, category="defect", line=2)
    headers = bearer(people[Role.LINE2])
    line3 = bearer(people[Role.LINE3])
    before = db_state(app)
    for change, field in (
        ({"severity": "apocalyptic"}, "severity"),
        ({"kind": "wish"}, "kind"),
        ({"title": ""}, "title"),
        ({"ticket": "HD-999999"}, "ticket"),
    ):
        response = client.post(
            "/api/v1/routing/defects",
            json=DEFECT | {"ticket": ticket.id} | change,
            headers=headers,
        )
        assert response.status_code == 422, change
        assert field in error_of(response)["fields"]
    assert db_state(app) == before
    defect = client.post(
        "/api/v1/routing/defects", json=DEFECT | {"ticket": ticket.id}, headers=headers
    ).json
    twice = client.post(
        f"/api/v1/routing/defects/{defect['id']}/tickets",
        json={"ticket": ticket.id},
        headers=headers,
    )
    assert twice.status_code == 409
    fixed_by_patch = client.patch(
        f"/api/v1/routing/defects/{defect['id']}",
        json={"status": "fixed"},
        headers=line3,
    )
    assert fixed_by_patch.status_code == 422


def test_the_pages_file_link_list_and_fix(app, client, given, login, people):
    ticket = given(make_ticket, category="defect", line=2, subject="Posting fails")
    other = given(make_ticket, category="defect", line=2)
    login(people[Role.LINE2])
    sidebar = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "File a defect for line 3" in sidebar
    form = client.get(f"/routing/defects/new?ticket={ticket.id}").get_data(as_text=True)
    assert 'value="Posting fails"' in form
    bad = client.post(
        "/routing/defects/new", data=DEFECT | {"ticket": ticket.id, "title": ""}
    )
    assert bad.status_code == 422
    created = client.post("/routing/defects/new", data=DEFECT | {"ticket": ticket.id})
    assert created.status_code == 302
    defect_url = created.headers["Location"]
    linked = client.post(
        f"/routing/tickets/{other.id}/defects",
        data={"defect": defect_url.rsplit("/", 1)[1]},
    )
    assert linked.status_code == 302
    page = client.get(defect_url).get_data(as_text=True)
    assert ticket.number in page and other.number in page
    assert "Mark fixed" not in page  # line 2 does not fix
    listing = client.get("/routing/defects?status=open").get_data(as_text=True)
    assert "DF-00001" in listing
    client.post("/logout")
    login(people[Role.LINE3])
    assert (
        client.post(f"{defect_url}/fixes", data={"resolution": ""}).status_code == 422
    )
    asked = client.post(f"{defect_url}/fixes", data={"resolution": "Patched."})
    assert asked.status_code == 200  # first the confirmation, nothing done yet
    assert "Mark DF-00001 fixed?" in asked.get_data(as_text=True)
    assert 'name="resolution" value="Patched."' in asked.get_data(as_text=True)
    assert ticket_of(app, ticket.id).status == TicketStatus.WAITING_LINE3
    fixed = client.post(
        f"{defect_url}/fixes", data={"resolution": "Patched.", "confirm": "1"}
    )
    assert fixed.status_code == 302
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "DF-00001 “" in page and "is fixed. Confirm with the customer." in page
