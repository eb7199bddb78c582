"""What each role may see: customers only their own tickets and never the
internal side of them; a ticket that is not yours looks exactly like one that
does not exist; sessions follow the user's current role and status."""

from __future__ import annotations

import time
from io import BytesIO

import pytest
from itsdangerous.timed import TimestampSigner

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_comment, make_ticket, make_user
from tests.security.support import (
    db_state,
    error_of,
)

NOTE = "Internal: customer is on the 2019 VPN client"
REPLY = "Please update your VPN client."


@pytest.fixture
def ticket_with_note(given):
    """A line-2 ticket with a public reply and an internal note by its agent."""
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    agent = given(make_user, role=Role.LINE2)
    ticket = given(make_ticket, requester=customer, line=2)
    reply = given(make_comment, ticket, author=agent, body=REPLY)
    note = given(make_comment, ticket, author=agent, body=NOTE, internal=True)
    return customer, agent, ticket, reply, note


def test_requester_never_sees_internal_notes_in_the_api(
    app, client, ticket_with_note, given, bearer
):
    customer, agent, ticket, reply, note = ticket_with_note
    other_line_agent = given(make_user, role=Role.LINE3)
    as_customer = bearer(customer)

    comments = client.get(f"/api/v1/tickets/{ticket.id}/comments", headers=as_customer)
    events = client.get(f"/api/v1/tickets/{ticket.id}/events", headers=as_customer)

    assert [c["id"] for c in comments.json["items"]] == [reply.id]
    assert NOTE not in comments.get_data(as_text=True)
    assert "note_added" not in [e["kind"] for e in events.json["items"]]
    assert all(e["data"].get("comment_id") != note.id for e in events.json["items"])
    assert not any(e["internal"] for e in events.json["items"])
    # Staff see it, even an agent of another line (staff read every ticket).
    for staff in (agent, other_line_agent):
        headers = bearer(staff)
        staff_comments = client.get(
            f"/api/v1/tickets/{ticket.id}/comments", headers=headers
        )
        assert [c["id"] for c in staff_comments.json["items"]] == [reply.id, note.id]
        staff_events = client.get(
            f"/api/v1/tickets/{ticket.id}/events", headers=headers
        )
        assert "note_added" in [e["kind"] for e in staff_events.json["items"]]


def test_requester_never_sees_internal_notes_on_the_ticket_page(
    client, ticket_with_note, login
):
    customer, agent, ticket, _reply, _note = ticket_with_note

    login(customer)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert REPLY in page
    assert NOTE not in page
    assert 'class="note"' not in page

    client.post("/logout")
    login(agent)
    assert NOTE in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_file_attached_to_an_internal_note_stays_internal(app, client, given, login):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    agent = given(make_user, role=Role.LINE2)
    ticket = given(make_ticket, requester=customer, line=2)
    login(agent)
    response = client.post(
        f"/tickets/{ticket.id}/comments",
        data={
            "body": NOTE,
            "internal": "true",
            "attachment": (BytesIO(b"vpn client 2019"), "internal-diagnosis.txt"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        attachment_id = db.session.execute(
            db.text("SELECT id FROM attachments")
        ).scalar_one()
    client.post("/logout")

    login(customer)
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    events = client.get(f"/api/v1/tickets/{ticket.id}/events").json["items"]
    download = client.get(f"/tickets/{ticket.id}/attachments/{attachment_id}")
    download.close()

    assert "internal-diagnosis.txt" not in page
    assert "attachment_added" not in [e["kind"] for e in events]
    assert download.status_code == 404


def test_customers_list_only_their_own_tickets(app, client, given, login, bearer):
    given(make_category, "access")
    alice = given(make_user, role=Role.CUSTOMER)
    bob = given(make_user, role=Role.CUSTOMER)
    manager = given(make_user, role=Role.MANAGER)
    alices = given(make_ticket, requester=alice, subject="Alice's printer")
    bobs = given(make_ticket, requester=bob, subject="Bob's laptop")

    def listed(user, query=""):
        headers = bearer(user)
        response = client.get(f"/api/v1/tickets{query}", headers=headers)
        assert response.status_code == 200, response.json
        return {t["id"] for t in response.json["items"]}

    assert listed(alice) == {alices.id}
    assert listed(bob) == {bobs.id}
    # Filters narrow what one may see; they never widen it.
    assert listed(bob, f"?requester={alice.id}") == set()
    assert listed(bob, "?line=1") == {bobs.id}
    assert listed(manager) == {alices.id, bobs.id}

    login(bob)
    page = client.get("/tickets").get_data(as_text=True)
    assert bobs.number in page
    assert alices.number not in page
    assert "Alice's printer" not in page


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"priority": "P1"}),
        ("GET", "/comments", None),
        ("POST", "/comments", {"body": "Hello?"}),
        ("GET", "/events", None),
        ("POST", "/transitions", {"status": "resolved"}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_someone_elses_ticket_looks_like_a_missing_one(
    method, suffix, body, app, client, given, bearer
):
    """Same status and same body as an id that does not exist: ids leak nothing."""
    given(make_category, "access")
    alice = given(make_user, role=Role.CUSTOMER)
    bob = given(make_user, role=Role.CUSTOMER)
    alices = given(make_ticket, requester=alice)
    headers = bearer(bob)
    before = db_state(app)

    theirs = client.open(
        f"/api/v1/tickets/{alices.id}{suffix}",
        method=method,
        headers=headers,
        json=body,
    )
    missing = client.open(
        f"/api/v1/tickets/{alices.id + 1000}{suffix}",
        method=method,
        headers=headers,
        json=body,
    )

    assert theirs.status_code == missing.status_code == 404
    assert error_of(theirs) == error_of(missing)
    assert db_state(app) == before


@pytest.mark.parametrize(
    "path",
    [
        "/tickets/{id}",
        "/tickets/{id}/comments",
        "/tickets/{id}/transitions",
        "/tickets/{id}/properties",
        "/tickets/{id}/rating",
    ],
)
def test_pages_of_someone_elses_ticket_answer_404_never_403(
    path, client, given, login, monkeypatch
):
    # Every page's logout form carries a CSRF token signed with the wall
    # clock's second: two requests straddling a second (likelier on a busy
    # machine) would differ by it. One second for the whole test.
    second = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: second)
    given(make_category, "access")
    alice = given(make_user, role=Role.CUSTOMER)
    bob = given(make_user, role=Role.CUSTOMER)
    alices = given(make_ticket, requester=alice)
    login(bob)
    client.get("/profile")  # consumes the welcome message, so pages compare equal
    method = "GET" if path == "/tickets/{id}" else "POST"
    form = {"body": "x", "status": "resolved", "priority": "P1", "score": "5"}

    # One request id for both: the page shows it.
    headers = {"X-Request-ID": "same-request-id"}
    theirs = client.open(
        path.format(id=alices.id),
        method=method,
        data=form if method == "POST" else None,
        headers=headers,
    )
    missing = client.open(
        path.format(id=alices.id + 1000),
        method=method,
        data=form if method == "POST" else None,
        headers=headers,
    )

    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_data() == missing.get_data()


def test_signup_never_grants_a_staff_role(app, client):
    response = client.post(
        "/signup",
        data={
            "name": "Mallory",
            "email": "mallory@example.test",
            "role": "admin",
        },
    )

    assert response.status_code == 200
    with app.app_context():
        user = db.session.scalar(
            db.select(User).where(User.email == "mallory@example.test")
        )
        assert user.role == Role.CUSTOMER
    assert client.get("/admin/users").status_code == 302  # in only via the mail


def test_a_role_change_takes_effect_on_the_next_request(app, client, given, login):
    agent = given(make_user, role=Role.LINE2)
    login(agent)
    assert client.get("/queue").status_code == 200

    with app.app_context():
        db.session.get(User, agent.id).role = Role.CUSTOMER
        db.session.commit()

    assert client.get("/queue").status_code == 403


def test_deactivating_a_user_ends_their_session(app, client, given, login):
    """flask-login's UserMixin counts an inactive user as not authenticated."""
    agent = given(make_user, role=Role.LINE2)
    login(agent)
    assert client.get("/queue").status_code == 200

    with app.app_context():
        db.session.get(User, agent.id).active = False
        db.session.commit()

    response = client.get("/queue")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/api/v1/me").status_code == 401
