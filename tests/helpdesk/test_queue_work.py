"""Several tickets at once from the queue, and merging a duplicate."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Comment, Ticket
from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_comment, make_ticket, make_user, outbox_mails


def tickets(app, ids):
    with app.app_context():
        rows = {
            t.id: (t.status, t.assignee_id)
            for t in db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids)))
        }
        db.session.remove()
    return [rows[i] for i in ids]


def test_agent_assigns_several_tickets_to_themselves_at_once(client, given, login, app):
    agent = login(given(make_user, role=Role.LINE1))
    ids = [given(make_ticket).id for _ in range(3)]
    response = client.post(
        "/queue/bulk", data={"ticket_ids": ids[:2], "action": "assign_me"}
    )
    assert response.status_code == 302
    assert tickets(app, ids) == [
        (TicketStatus.NEW, agent.id),
        (TicketStatus.NEW, agent.id),
        (TicketStatus.NEW, None),
    ]


def test_bulk_status_change_skips_the_tickets_it_cannot_change_and_says_why(
    client, given, login, app
):
    login(given(make_user, role=Role.LINE1))
    open_one = given(make_ticket, status=TicketStatus.OPEN)
    closed = given(make_ticket, status=TicketStatus.CLOSED)
    other_line = given(make_ticket, line=2, status=TicketStatus.OPEN)
    response = client.post(
        "/queue/bulk",
        data={
            "ticket_ids": [open_one.id, closed.id, other_line.id],
            "action": "status",
            "status": "pending",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert f"Changed: {open_one.number}." in page
    assert f"{closed.number} skipped" in page and f"{other_line.number} skipped" in page
    assert [s for s, _ in tickets(app, [open_one.id, closed.id, other_line.id])] == [
        TicketStatus.PENDING,
        TicketStatus.CLOSED,
        TicketStatus.OPEN,
    ]


def test_bulk_without_a_selection_is_refused(client, given, login):
    login(given(make_user, role=Role.LINE1))
    response = client.post("/queue/bulk", data={"action": "assign_me"})
    assert response.status_code == 422


def test_customers_cannot_use_queue_actions(client, given, login):
    customer = login(given(make_user))
    ticket = given(make_ticket, requester=customer)
    assert (
        client.post(
            "/queue/bulk", data={"ticket_ids": [ticket.id], "action": "assign_me"}
        ).status_code
        == 403
    )


def test_merging_moves_the_conversation_and_tells_the_duplicates_requester(
    client, given, login, app
):
    agent = login(given(make_user, role=Role.LINE1))
    alice = given(make_user)
    survivor = given(make_ticket, requester=alice)
    duplicate = given(make_ticket, requester=alice)
    given(make_comment, duplicate, author=alice, body="Same printer, floor 3")

    response = client.post(
        f"/tickets/{duplicate.id}/merge", data={"into": survivor.number}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/tickets/{survivor.id}")
    with app.app_context():
        merged = db.session.get(Ticket, duplicate.id)
        assert (merged.status, merged.merged_into_id) == (
            TicketStatus.CLOSED,
            survivor.id,
        )
        bodies = db.session.scalars(
            sa.select(Comment.body).where(Comment.ticket_id == survivor.id)
        ).all()
        assert bodies == ["Same printer, floor 3"]
        mail = outbox_mails("ticket_merged")
        assert [m.recipient for m in mail] == [alice.email]
        assert survivor.number in mail[0].subject
    page = client.get(f"/tickets/{survivor.id}").get_data(as_text=True)
    assert f"{duplicate.number} was merged into this ticket." in page
    assert agent


def test_merge_into_itself_or_an_unknown_ticket_keeps_everything(
    client, given, login, app
):
    login(given(make_user, role=Role.LINE1))
    ticket = given(make_ticket)
    for into in (ticket.number, "HD-999999", "nonsense"):
        response = client.post(f"/tickets/{ticket.id}/merge", data={"into": into})
        assert response.status_code == 422
    assert tickets(app, [ticket.id]) == [(TicketStatus.NEW, None)]


def test_api_merges_a_duplicate(client, given, app, bearer):
    agent, customer = given(make_user, role=Role.LINE1), given(make_user)
    survivor = given(make_ticket, requester=customer)
    duplicate = given(make_ticket, requester=customer)
    headers = bearer(agent)
    response = client.post(
        f"/api/v1/tickets/{duplicate.id}/merges",
        headers=headers,
        json={"into": survivor.number},
    )
    assert response.status_code == 201
    assert response.json["id"] == survivor.id
    unknown = client.post(
        f"/api/v1/tickets/{survivor.id}/merges", headers=headers, json={"into": 99999}
    )
    assert unknown.status_code == 422
    assert "into" in unknown.json["error"]["fields"]


def test_agent_tags_a_ticket_and_the_queue_filters_by_tag(client, given, login, app):
    login(given(make_user, role=Role.LINE1))
    tagged, other = given(make_ticket), given(make_ticket)
    client.post(f"/tickets/{tagged.id}/properties", data={"tags": "VIP, printer , vip"})
    with app.app_context():
        assert db.session.get(Ticket, tagged.id).tags == ["printer", "vip"]
    page = client.get("/queue?tag=vip").get_data(as_text=True)
    assert tagged.number in page and other.number not in page
    assert "Tags: printer, vip." in client.get(f"/tickets/{tagged.id}").get_data(
        as_text=True
    )


def test_bad_tags_are_refused_with_the_field_named(client, given, app, bearer):
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket)
    headers = bearer(agent)
    bad = client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=headers, json={"tags": ["has space"]}
    )
    assert bad.status_code == 422 and "tags" in bad.json["error"]["fields"]
    good = client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=headers, json={"tags": ["urgent"]}
    )
    assert good.json["tags"] == ["urgent"]
    listed = client.get("/api/v1/tickets?tag=urgent", headers=headers).json["items"]
    assert [t["id"] for t in listed] == [ticket.id]
