"""A requester writing again about a closed ticket opens a follow-up: a new
ticket linked to the closed one, routed and timed like any new ticket; a
resolved ticket is still reopened by a reply. (By e-mail: test_mail_in.py.)"""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.vocabulary import Channel, Role, TicketStatus
from sla.models import Target
from sla.service.clocks import ticket_clocks
from tests.builders import make_category, make_ticket, make_user
from tests.routing.builders import make_rule
from tests.sla.builders import make_policy


def closed_ticket(given, requester, **fields):
    given(make_category, "access")
    given(make_category, "network")
    return given(
        make_ticket,
        requester=requester,
        category="network",
        subject="VPN drops every hour",
        status=TicketStatus.CLOSED,
        **fields,
    )


def newest_ticket(app) -> Ticket:
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket).order_by(Ticket.id.desc()))
        db.session.expunge(ticket)
        return ticket


def follow_up_events(app, ticket_id: int) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(TicketEvent.data).where(
                    TicketEvent.ticket_id == ticket_id,
                    TicketEvent.kind == "follow_up",
                )
            )
        )


def test_the_requester_writes_again_on_a_closed_ticket_and_opens_a_follow_up(
    app, client, given, login
):
    ann = given(make_user, organisation="Acme")
    given(make_policy, resolution_minutes=480)
    given(make_category, "network")
    given(
        make_rule,
        name="Network to line 2",
        conditions=[{"field": "category", "op": "eq", "value": "network"}],
    )
    closed = closed_ticket(given, ann, line=1)
    login(ann)

    page = client.get(f"/tickets/{closed.id}").get_data(as_text=True)
    assert "Send as a new request" in page
    response = client.post(
        f"/tickets/{closed.id}/follow-ups", data={"body": "It drops again."}
    )

    follow_up = newest_ticket(app)
    assert response.status_code == 302
    assert response.location.endswith(f"/tickets/{follow_up.id}")
    # The reply is the description; requester (so organisation), subject and
    # category carried over; a new ticket, routed by the rules and timed.
    assert (follow_up.description, follow_up.subject) == (
        "It drops again.",
        "VPN drops every hour",
    )
    assert (follow_up.requester_id, follow_up.follow_up_of_id) == (ann.id, closed.id)
    assert (follow_up.channel, follow_up.status) == (Channel.WEB, TicketStatus.NEW)
    assert follow_up.line == 2  # the rule on the category routed it
    with app.app_context():
        assert db.session.get(Ticket, follow_up.id).category.code == "network"
        assert {c.target for c in ticket_clocks(follow_up.id)} == {
            Target.FIRST_RESPONSE,
            Target.RESOLUTION,
        }
        assert db.session.get(Ticket, closed.id).status == TicketStatus.CLOSED
    assert follow_up_events(app, follow_up.id) == [
        {"follow_up_of": closed.number, "follow_up_of_id": closed.id}
    ]
    assert follow_up_events(app, closed.id) == [
        {"follow_up": follow_up.number, "follow_up_id": follow_up.id}
    ]
    # Both pages (and both timelines) name the other ticket.
    new_page = client.get(response.location).get_data(as_text=True)
    assert f"a follow-up of {closed.number}" in new_page  # the flash
    assert 'id="follow-up-of"' in new_page and closed.number in new_page
    old_page = client.get(f"/tickets/{closed.id}").get_data(as_text=True)
    assert 'id="follow-ups"' in old_page and follow_up.number in old_page
    assert f"{follow_up.number}</a> continues this ticket." in old_page


def test_a_reply_from_a_page_loaded_before_the_closing_opens_a_follow_up(
    app, client, given, login
):
    ann = given(make_user)
    closed = closed_ticket(given, ann)
    login(ann)

    response = client.post(f"/tickets/{closed.id}/comments", data={"body": "Any news?"})

    assert response.status_code == 302
    follow_up = newest_ticket(app)
    assert (follow_up.follow_up_of_id, follow_up.description) == (
        closed.id,
        "Any news?",
    )


def test_a_reply_to_a_resolved_ticket_still_reopens_it(app, client, given, login):
    ann = given(make_user)
    given(make_category, "access")
    resolved = given(make_ticket, requester=ann, status=TicketStatus.RESOLVED)
    login(ann)

    client.post(f"/tickets/{resolved.id}/comments", data={"body": "Not solved."})

    assert newest_ticket(app).id == resolved.id  # no new ticket
    assert newest_ticket(app).status == TicketStatus.REOPENED


def test_only_the_requester_follows_up_and_only_a_closed_unmerged_ticket(
    app, client, given, bearer
):
    ann, agent = given(make_user), given(make_user, role=Role.LINE1)
    closed = closed_ticket(given, ann)
    open_one = given(make_ticket, requester=ann)
    merged = given(
        make_ticket,
        requester=ann,
        status=TicketStatus.CLOSED,
        merged_into_id=open_one.id,
    )
    body = {"body": "Again."}

    by_agent = client.post(
        f"/api/v1/tickets/{closed.id}/follow-ups", json=body, headers=bearer(agent)
    )
    not_closed = client.post(
        f"/api/v1/tickets/{open_one.id}/follow-ups", json=body, headers=bearer(ann)
    )
    into_merged = client.post(
        f"/api/v1/tickets/{merged.id}/follow-ups", json=body, headers=bearer(ann)
    )
    empty = client.post(
        f"/api/v1/tickets/{closed.id}/follow-ups",
        json={"body": " "},
        headers=bearer(ann),
    )

    assert by_agent.status_code == 403
    assert not_closed.status_code == 409
    assert into_merged.status_code == 409
    assert open_one.number in into_merged.json["error"]["message"]
    assert empty.status_code == 422 and "body" in empty.json["error"]["fields"]
    assert newest_ticket(app).id == merged.id  # nothing opened
    created = client.post(
        f"/api/v1/tickets/{closed.id}/follow-ups", json=body, headers=bearer(ann)
    )
    assert created.status_code == 201
    assert created.json["follow_up_of"] == closed.number
    assert created.headers["Location"] == f"/api/v1/tickets/{created.json['id']}"
    assert created.json["channel"] == "api"


def test_an_empty_follow_up_on_the_page_keeps_the_form(app, client, given, login):
    ann = given(make_user)
    closed = closed_ticket(given, ann)
    login(ann)

    response = client.post(f"/tickets/{closed.id}/follow-ups", data={"body": ""})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Send as a new request" in page and 'aria-invalid="true"' in page
    assert newest_ticket(app).id == closed.id
