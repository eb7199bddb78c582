"""Two agents on one ticket: a change from a stale page or a stale API read
is refused with what changed since, never written over the other's; the
ticket page tells who else has it open."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Comment, Ticket, User
from helpdesk.runtime_models import TicketViewer
from helpdesk.service import tickets as ticket_service
from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_category, make_ticket, make_user
from tests.sla.builders import make_policy


def meanwhile(app, ticket_id: int, user_id: int, change) -> None:
    """Another session changes the ticket: ``change(ticket, user)``, committed."""
    with app.app_context():
        change(db.session.get(Ticket, ticket_id), db.session.get(User, user_id))
        db.session.commit()
        db.session.remove()


def version_of(app, ticket_id: int) -> int:
    with app.app_context():
        version = db.session.get(Ticket, ticket_id).version
        db.session.remove()
    return version


def test_every_change_bumps_the_version_but_the_clocks_bookkeeping_does_not(ctx, clock):
    make_category("access")
    make_policy()
    agent = make_user(role=Role.LINE1)
    ticket = make_ticket()
    assert ticket.version == 0  # registered, clocks started
    ticket_service.change_status(
        ticket, TicketStatus.PENDING, actor=agent, now=clock.now()
    )
    assert ticket.version == 1  # the status event; the clocks' pause is no change
    ticket_service.add_comment(
        ticket,
        body="Any news?",
        internal=False,
        actor=ticket.requester,
        now=clock.now(),
    )
    assert ticket.version == 3  # the reply, and the status it moved on


def test_a_stale_status_change_on_the_page_shows_what_changed_and_changes_nothing(
    client, given, login, app
):
    given(make_category, "access")
    first = given(make_user, role=Role.LINE1, name="Lena")
    ticket = given(make_ticket, status=TicketStatus.OPEN)
    loaded = version_of(app, ticket.id)
    meanwhile(
        app,
        ticket.id,
        first.id,
        lambda t, user: ticket_service.assign_ticket(
            t, user.id, actor=user, now=t.created_at
        ),
    )
    login(given(make_user, role=Role.LINE1, name="Max"))

    response = client.post(
        f"/tickets/{ticket.id}/transitions",
        data={"status": "resolved", "version": loaded},
    )

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert f"{ticket.number} was changed by someone else since you loaded it." in page
    assert "What changed since you loaded the page" in page
    assert "Assigned to Lena." in page
    with app.app_context():
        assert db.session.get(Ticket, ticket.id).status == TicketStatus.OPEN
        db.session.remove()
    # The page is the ticket as it is now: its forms carry the new version.
    assert f'name="version" value="{loaded + 1}"' in page


def test_a_stale_reply_keeps_its_text_and_a_fresh_one_goes_through(
    client, given, login, app
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER, name="Carl")
    ticket = given(make_ticket, requester=customer, status=TicketStatus.OPEN)
    loaded = version_of(app, ticket.id)
    meanwhile(
        app,
        ticket.id,
        customer.id,
        lambda t, user: ticket_service.add_comment(
            t, body="It works now!", internal=False, actor=user, now=t.created_at
        ),
    )
    login(given(make_user, role=Role.LINE1))

    stale = client.post(
        f"/tickets/{ticket.id}/comments",
        data={"body": "Please restart it.", "version": loaded},
    )
    fresh = client.post(
        f"/tickets/{ticket.id}/comments",
        data={"body": "Great, closing.", "version": version_of(app, ticket.id)},
    )

    page = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert ">Please restart it.</textarea>" in page
    assert "It works now!" in page  # the customer's reply, in the changes
    assert fresh.status_code == 302
    with app.app_context():
        bodies = list(db.session.scalars(sa.select(Comment.body).order_by(Comment.id)))
        db.session.remove()
    assert bodies == ["It works now!", "Great, closing."]


def test_the_api_refuses_a_stale_if_match_and_names_the_changes(
    client, given, bearer, app
):
    given(make_category, "access")
    lena = given(make_user, role=Role.LINE1, name="Lena")
    max_ = given(make_user, role=Role.LINE1, name="Max")
    ticket = given(make_ticket)
    read = client.get(f"/api/v1/tickets/{ticket.id}", headers=bearer(max_))
    etag = read.headers["ETag"]
    assert etag == '"0"'
    changed = client.patch(
        f"/api/v1/tickets/{ticket.id}",
        headers=bearer(lena) | {"If-Match": etag},
        json={"priority": "P1"},
    )
    assert changed.status_code == 200 and changed.headers["ETag"] == '"1"'

    stale = client.patch(
        f"/api/v1/tickets/{ticket.id}",
        headers=bearer(max_) | {"If-Match": etag},
        json={"priority": "P4"},
    )
    by_body = client.post(
        f"/api/v1/tickets/{ticket.id}/transitions",
        headers=bearer(max_),
        json={"status": "open", "version": 0},
    )
    without = client.patch(
        f"/api/v1/tickets/{ticket.id}", headers=bearer(max_), json={"priority": "P2"}
    )

    assert stale.status_code == by_body.status_code == 409
    error = stale.json["error"]
    assert error["code"] == "stale_version"
    assert [line.split(" ", 3)[-1] for line in error["fields"]["version"]] == [
        "Lena: Priority: P3 → P1."
    ]
    assert by_body.json["error"]["code"] == "stale_version"
    assert without.status_code == 200  # no version sent: nothing checked
    assert without.json["priority"] == "P2"


def test_a_malformed_if_match_is_a_422_naming_the_header(client, given, bearer):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket)
    response = client.patch(
        f"/api/v1/tickets/{ticket.id}",
        headers=bearer(agent) | {"If-Match": '"v7"'},
        json={"priority": "P2"},
    )
    assert response.status_code == 422
    assert "If-Match" in response.json["error"]["fields"]


def test_the_heartbeat_tells_who_else_is_viewing_or_replying(
    client, given, bearer, clock
):
    given(make_category, "access")
    lena = given(make_user, role=Role.LINE1, name="Lena")
    max_ = given(make_user, role=Role.LINE2, name="Max")
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer)
    url = f"/api/v1/tickets/{ticket.id}/viewers"

    first = client.post(url, headers=bearer(lena), json={"activity": "replying"})
    clock.advance(seconds=15)
    second = client.post(url, headers=bearer(max_), json={})
    clock.advance(seconds=40)
    later = client.post(url, headers=bearer(lena), json={"activity": "viewing"})
    clock.advance(seconds=46)
    alone = client.post(url, headers=bearer(max_), json={})

    assert first.json == {"items": [], "next_cursor": None}
    assert [(v["user"]["name"], v["activity"]) for v in second.json["items"]] == [
        ("Lena", "replying")
    ]
    assert second.headers["ETag"] == '"0"'
    assert [v["user"]["name"] for v in later.json["items"]] == ["Max"]
    assert alone.json["items"] == []
    bad = client.post(url, headers=bearer(lena), json={"activity": "typing"})
    assert bad.status_code == 422 and "activity" in bad.json["error"]["fields"]
    refused = client.post(url, headers=bearer(customer), json={})
    assert refused.status_code == 403


def test_the_ticket_page_carries_its_version_and_the_heartbeat(client, given, login):
    given(make_category, "access")
    login(given(make_user, role=Role.LINE1))
    ticket = given(make_ticket)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f'data-presence-url="/api/v1/tickets/{ticket.id}/viewers"' in page
    assert page.count('name="version" value="0"') >= 4
    assert "<script>" not in page  # the CSP allows none inline


def test_old_viewer_rows_are_forgotten(client, given, bearer, app, clock):
    given(make_category, "access")
    lena = given(make_user, role=Role.LINE1)
    max_ = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket)
    url = f"/api/v1/tickets/{ticket.id}/viewers"
    client.post(url, headers=bearer(lena), json={})
    clock.advance(hours=2)
    client.post(url, headers=bearer(max_), json={})
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(TicketViewer))
        db.session.remove()
    assert rows == 1


def test_a_requesters_reply_is_never_refused_as_stale(client, given, login, app):
    given(make_category, "access")
    customer = login(given(make_user, role=Role.CUSTOMER))
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket, requester=customer)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'name="version"' not in page and 'id="presence"' not in page
    meanwhile(
        app,
        ticket.id,
        agent.id,
        lambda t, user: ticket_service.assign_ticket(
            t, user.id, actor=user, now=t.created_at
        ),
    )
    response = client.post(f"/tickets/{ticket.id}/comments", data={"body": "Hello?"})
    assert response.status_code == 302
