"""The pages a customer, a line-1 agent and an admin use, through the test client."""

from __future__ import annotations

import io
import re

import lxml.html
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Attachment, Ticket, User
from helpdesk.outbox import OutboxMessage
from helpdesk.vocabulary import Channel, Role, TicketStatus
from tests.builders import make_category, make_ticket, make_user
from tests.helpdesk.accounts_support import link_in


def test_customer_submits_a_request_with_an_attachment_and_downloads_it(
    client, given, login
):
    given(make_category, "hardware")
    login(given(make_user))
    response = client.post(
        "/tickets/new",
        data={
            "subject": "Printer jam",
            "description": "Paper stuck",
            "category": "hardware",
            "attachment": (io.BytesIO(b"error log"), "log.txt", "text/plain"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "HD-000001" in page and "log.txt" in page
    download = client.get("/tickets/1/attachments/1")
    assert download.data == b"error log"
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_new_request_form_shows_errors_and_keeps_what_was_typed(client, given, login):
    given(make_category, "hardware")
    login(given(make_user))
    response = client.post(
        "/tickets/new",
        data={"subject": "Printer jam", "description": "   ", "category": "hardware"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Printer jam"' in page
    assert "Enter a description of 1 to 20000 characters." in page


def _inputs_by_name(response) -> dict[str, dict[str, str]]:
    """Each named input's attributes, as an HTML parser reads them."""
    page = lxml.html.fromstring(response.get_data(as_text=True))
    return {i.get("name"): dict(i.attrib) for i in page.iter("input") if i.get("name")}


def test_a_fields_limit_reaches_the_browser_as_written(client, given, login):
    """The form macros' extra attributes are not escaped into their values
    (``maxlength="&#34;200&#34;"`` is no limit at all)."""
    given(make_category, "hardware")
    login(given(make_user))
    subject = _inputs_by_name(client.get("/tickets/new"))["subject"]
    assert subject["maxlength"] == "200"
    assert subject["autocomplete"] == "off"


def test_the_import_form_accepts_only_spreadsheets_and_needs_a_file(
    client, given, login
):
    login(given(make_user, role=Role.ADMIN))
    file = _inputs_by_name(client.get("/admin/imports"))["file"]
    assert file["accept"] == ".csv,.xlsx,text/csv"
    assert "required" in file


def test_customer_lists_replies_resolves_and_rates_their_ticket(client, given, login):
    customer = login(given(make_user))
    ticket = given(make_ticket, requester=customer)

    listing = client.get("/tickets").get_data(as_text=True)
    assert ticket.number in listing

    client.post(f"/tickets/{ticket.id}/comments", data={"body": "Any news?"})
    client.post(f"/tickets/{ticket.id}/transitions", data={"status": "resolved"})
    response = client.post(
        f"/tickets/{ticket.id}/rating",
        data={"score": "5", "comment": "Thanks"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Any news?" in page
    assert "Your rating: 5 of 5." in page


def test_agent_page_actions_assign_note_reply_and_change_priority(
    client, given, login, app
):
    agent = login(given(make_user, role=Role.LINE1))
    ticket = given(make_ticket)

    client.post(f"/tickets/{ticket.id}/properties", data={"assignee": str(agent.id)})
    client.post(
        f"/tickets/{ticket.id}/comments",
        data={"body": "Check the driver", "internal": "true"},
    )
    client.post(f"/tickets/{ticket.id}/comments", data={"body": "On it"})
    client.post(
        f"/tickets/{ticket.id}/properties",
        data={"priority": "P2", "category": "access", "assignee": str(agent.id)},
    )

    with app.app_context():
        saved = db.session.get(Ticket, ticket.id)
        assert (saved.assignee_id, saved.priority.value, saved.status) == (
            agent.id,
            "P2",
            TicketStatus.OPEN,
        )
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    for text in ("Check the driver", "On it", "Priority: P3 → P2.", "Assigned to"):
        assert text in page


def test_queue_shows_the_agents_line_by_default(client, given, login):
    login(given(make_user, role=Role.LINE2))
    line1 = given(make_ticket, subject="Line one ticket")
    line2 = given(make_ticket, subject="Line two ticket", line=2)
    page = client.get("/queue").get_data(as_text=True)
    assert line2.number in page and line1.number not in page
    everything = client.get("/queue?line=").get_data(as_text=True)
    assert line1.number in everything and line2.number in everything


def test_phone_console_finds_a_caller_by_phone_and_registers_a_resolved_call(
    client, given, login, app
):
    given(make_category, "access")
    login(given(make_user, role=Role.LINE1))
    caller = given(make_user, phone="+7 (495) 123-45-67", name="Anna")

    for dictated in ("+7 495 123", "7495123", "8 495 123-45-67", "123-45-67"):
        found = client.get(
            "/phone", query_string={"q": dictated}, follow_redirects=True
        ).get_data(as_text=True)
        assert "Anna" in found

    response = client.post(
        "/phone/tickets",
        data={
            "requester_id": str(caller.id),
            "subject": "Forgot password",
            "description": "Cannot log in",
            "category": "access",
            "priority": "P3",
            "resolve_on_call": "true",
            "solution": "Reset the password together.",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket))
        assert (ticket.channel, ticket.status, ticket.requester_id) == (
            Channel.PHONE,
            TicketStatus.RESOLVED,
            caller.id,
        )


def test_phone_console_requires_a_solution_to_resolve_on_the_call(
    client, given, login, app
):
    given(make_category, "access")
    login(given(make_user, role=Role.LINE1))
    caller = given(make_user)
    response = client.post(
        "/phone/tickets",
        data={
            "requester_id": str(caller.id),
            "subject": "Forgot password",
            "description": "Cannot log in",
            "category": "access",
            "resolve_on_call": "true",
        },
    )
    assert response.status_code == 422
    assert "Required to resolve on the call." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 0


def test_phone_console_registers_a_new_caller(client, given, login, app):
    login(given(make_user, role=Role.LINE1))
    response = client.post(
        "/phone/callers",
        data={"name": "Ivan", "email": "Ivan@Example.com", "phone": "+7 916 000-00-00"},
    )
    assert response.status_code == 302
    with app.app_context():
        caller = db.session.scalar(
            sa.select(User).where(User.email == "ivan@example.com")
        )
        assert (caller.role, caller.phone, caller.password_hash) == (
            Role.CUSTOMER,
            "+79160000000",
            None,
        )
    assert f"requester_id={caller.id}" in response.location


def test_admin_creates_a_user_and_changes_their_role(client, given, login, app):
    login(given(make_user, role=Role.ADMIN))
    client.post(
        "/admin/users/new",
        data={
            "name": "New Agent",
            "email": "agent@example.com",
            "role": "line1",
            "password": "long-enough",
            "active": "true",
        },
    )
    with app.app_context():
        user = db.session.scalar(
            sa.select(User).where(User.email == "agent@example.com")
        )
    client.post(
        f"/admin/users/{user.id}",
        data={"name": "New Agent", "role": "line2", "active": "true"},
    )
    with app.app_context():
        assert db.session.get(User, user.id).role == Role.LINE2
    client.post("/logout")
    assert (
        client.post(
            "/login", data={"email": "agent@example.com", "password": "long-enough"}
        ).status_code
        == 302
    )


def test_admin_cannot_demote_themselves(client, given, login, app):
    admin = login(given(make_user, role=Role.ADMIN))
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"name": "Me", "role": "customer", "active": "true"},
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, admin.id).role == Role.ADMIN


def test_deactivated_user_cannot_log_in(client, given):
    user = given(make_user, active=False)
    response = client.post(
        "/login", data={"email": user.email, "password": "correct-horse"}
    )
    assert response.status_code == 401


def test_signup_creates_a_customer_and_mails_the_link_that_sets_the_password(
    client, app
):
    response = client.post(
        "/signup",
        data={"name": "Olga", "email": "olga@example.com", "role": "admin"},
    )  # a smuggled role is ignored
    assert response.status_code == 200  # "check your mail", as for any address
    with app.app_context():
        user = db.session.scalar(
            sa.select(User).where(User.email == "olga@example.com")
        )
        assert user.role == Role.CUSTOMER and user.password_hash is None
        mail = db.session.scalar(sa.select(OutboxMessage))
        assert mail.recipient == "olga@example.com"
        assert mail.payload["event"] == "signup_confirm"
        path = link_in(mail, "/password/set/")
    assert client.get("/tickets").status_code == 302  # not in before the link
    assert client.post(path, data={"password": "s3cret-pass"}).status_code == 302
    assert client.get("/tickets").status_code == 200


def test_profile_creates_shows_once_and_revokes_an_api_token(client, given, login, app):
    login(given(make_user, role=Role.LINE2))
    page = client.post("/profile/tokens", data={"name": "script"}).get_data(
        as_text=True
    )
    token = page.split('id="new-token" readonly value="')[1].split('"')[0]
    program = app.test_client()  # no session cookie: only the token counts
    bearer = {"Authorization": f"Bearer {token}"}
    assert program.get("/api/v1/me", headers=bearer).status_code == 200
    assert token not in client.get("/profile").get_data(as_text=True)
    client.post("/profile/tokens/1/revoke")
    assert program.get("/api/v1/me", headers=bearer).status_code == 401


def test_profile_saves_language_and_time_zone(client, given, login, app):
    user = login(given(make_user))
    response = client.post(
        "/profile",
        data={"name": "Anna", "locale": "ru", "timezone": "Europe/Moscow", "phone": ""},
    )
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.locale, saved.timezone) == ("ru", "Europe/Moscow")
    bad = client.post("/profile", data={"name": "Anna", "timezone": "Mars/Olympus"})
    assert bad.status_code == 422


def test_attachment_of_another_ticket_is_not_found(client, given, login, app):
    customer = login(given(make_user))
    mine = given(make_ticket, requester=customer)
    other = given(make_ticket)
    with app.app_context():
        db.session.add(
            Attachment(
                ticket_id=other.id,
                uploaded_by_id=customer.id,
                filename="x",
                content_type="text/plain",
                size_bytes=1,
                content=b"x",
                created_at=other.created_at,
            )
        )
        db.session.commit()
    assert client.get(f"/tickets/{mine.id}/attachments/1").status_code == 404
    assert client.get(f"/tickets/{other.id}/attachments/1").status_code == 404


def test_every_page_names_the_helpdesk_icon_and_it_is_served(client):
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', page).group(1)

    with client.get(href) as icon:
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"
