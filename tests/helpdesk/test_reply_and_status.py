"""Reply and status in one action ("Send and set pending"), on the page and
in the API: one undo takes both back, and a status the reply cannot lead to
is refused before anything is sent."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Comment, Ticket
from helpdesk.undo.models import UndoAction
from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_category, make_ticket, make_user


def state(app, ticket_id: int) -> tuple[TicketStatus, list[str]]:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        found = (
            ticket.status,
            list(
                db.session.scalars(
                    sa.select(Comment.body).where(Comment.ticket_id == ticket_id)
                )
            ),
        )
        db.session.remove()
    return found


@pytest.fixture
def world(given):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER, name="Carl")
    agent = given(make_user, role=Role.LINE1, name="Lena")
    return customer, agent


def test_send_and_set_pending_on_the_page_is_undone_in_one_step(
    client, given, login, app, world
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer, line=1)
    login(agent)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Send and set “Waiting on customer”" in page
    assert "Send and set “Resolved”" in page

    response = client.post(
        f"/tickets/{ticket.id}/comments",
        data={"body": "Please send a photo.", "status": "pending", "version": "0"},
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert "Status changed to “Waiting on customer”." in page
    assert "Undo send" in page
    assert state(app, ticket.id) == (TicketStatus.PENDING, ["Please send a photo."])
    with app.app_context():
        action_id = db.session.scalar(sa.select(sa.func.max(UndoAction.id)))
        db.session.remove()

    undone = client.post(f"/undo/{action_id}", follow_redirects=True)

    assert "Sending stopped. Your reply is back in the box below." in undone.get_data(
        as_text=True
    )
    assert state(app, ticket.id) == (TicketStatus.NEW, [])


def test_a_reply_to_a_resolved_ticket_cannot_set_it_pending_and_sends_nothing(
    client, given, login, bearer, app, world
):
    customer, agent = world
    ticket = given(
        make_ticket, requester=customer, line=1, status=TicketStatus.RESOLVED
    )
    login(agent)

    page = client.post(
        f"/tickets/{ticket.id}/comments",
        data={"body": "One more thing.", "status": "pending"},
    )
    api = app.test_client().post(
        f"/api/v1/tickets/{ticket.id}/comments",
        headers=bearer(agent),
        json={"body": "One more thing.", "status": "pending"},
    )

    assert page.status_code == 409
    assert "cannot become “Waiting on customer”" in page.get_data(as_text=True)
    assert "One more thing." in page.get_data(as_text=True)  # the text is kept
    assert api.status_code == 409 and api.json["error"]["code"] == "invalid_transition"
    assert state(app, ticket.id) == (TicketStatus.RESOLVED, [])


def test_the_api_replies_and_resolves_in_one_request_with_one_undo(
    client, given, bearer, app, world
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer, line=1)
    headers = bearer(agent)

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        headers=headers,
        json={"body": "Fixed: restart the router.", "status": "resolved"},
    )

    assert response.status_code == 201, response.json
    assert state(app, ticket.id) == (
        TicketStatus.RESOLVED,
        ["Fixed: restart the router."],
    )
    undone = client.post(response.json["undo"], headers=headers)
    assert undone.status_code == 200, undone.json
    assert state(app, ticket.id) == (TicketStatus.NEW, [])


def test_closing_is_no_status_a_reply_sets(client, given, bearer, world):
    customer, agent = world
    ticket = given(make_ticket, requester=customer, line=1)

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        headers=bearer(agent),
        json={"body": "Bye.", "status": "closed"},
    )

    assert response.status_code == 422
    assert "status" in response.json["error"]["fields"]


def test_a_note_with_a_status_is_undone_as_a_status_change(
    client, given, bearer, app, world
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer, line=1, status=TicketStatus.OPEN)
    headers = bearer(agent)

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        headers=headers,
        json={"body": "Waiting for the vendor.", "internal": True, "status": "pending"},
    )

    assert response.status_code == 201 and response.json["undo"]
    assert state(app, ticket.id)[0] == TicketStatus.PENDING
    assert client.post(response.json["undo"], headers=headers).status_code == 200
    assert state(app, ticket.id) == (TicketStatus.OPEN, [])


def test_a_note_and_a_requesters_message_without_a_status_are_as_before(
    client, given, login, app, world
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer, line=1, status=TicketStatus.OPEN)
    login(agent)

    noted = client.post(
        f"/tickets/{ticket.id}/comments",
        data={"body": "Called the vendor.", "internal": "true"},
        follow_redirects=True,
    )

    assert "Internal note added." in noted.get_data(as_text=True)
    assert "Undo" not in noted.get_data(as_text=True)
    assert state(app, ticket.id) == (TicketStatus.OPEN, ["Called the vendor."])
