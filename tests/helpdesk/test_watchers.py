"""Watchers (CC): the requester or an agent adds people - customers of the
requester's organisation, or staff -; they get the ticket's public mails,
reply, see it in their list, and a merge keeps them."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.notify.preferences import Notice
from helpdesk.outbox import deliver_outbox
from helpdesk.vocabulary import Role, TicketStatus
from helpdesk.watchers.models import TicketWatcher
from tests.builders import (
    make_category,
    make_organisation,
    make_ticket,
    make_user,
    outbox_mails,
)
from tests.security.support import assert_unchanged, db_state, error_of


@pytest.fixture
def office(given):
    """Anna asked; Boris is her colleague at ООО Ромашка, Dave a customer
    of no organisation, Lena the line-1 agent."""
    given(make_category, "access")
    given(make_organisation, "ООО Ромашка")
    anna = given(make_user, name="Anna", organisation="ООО Ромашка")
    return {
        "anna": anna,
        "boris": given(
            make_user,
            name="Boris",
            email="boris@romashka.example",
            organisation="ООО Ромашка",
        ),
        "dave": given(make_user, name="Dave", email="dave@elsewhere.example"),
        "lena": given(make_user, role=Role.LINE1, name="Lena"),
        "ticket": given(make_ticket, requester=anna, subject="Printer jams"),
    }


def watchers(app, ticket_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(TicketWatcher.user_id)
                .where(TicketWatcher.ticket_id == ticket_id)
                .order_by(TicketWatcher.user_id)
            )
        )


# --- issue 21: done when ----------------------------------------------------------


def test_a_ccd_customer_receives_the_public_reply(
    mail_app, client, login, bearer, clock, smtp, office
):
    ticket, boris = office["ticket"], office["boris"]
    login(office["anna"])
    added = client.post(f"/tickets/{ticket.id}/watchers", data={"email": boris.email})
    assert added.status_code == 302
    assert watchers(mail_app, ticket.id) == [boris.id]
    client.post("/logout")

    agent = bearer(office["lena"])
    replied = client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        headers=agent,
        json={"body": "Please open the back cover and take out the torn sheet."},
    )
    assert replied.status_code == 201, replied.json
    client.post(
        f"/api/v1/tickets/{ticket.id}/comments",
        headers=agent,
        json={"body": "The toner is low.", "internal": True},
    )
    clock.advance(seconds=mail_app.config["REPLY_UNDO_SECONDS"] + 1)
    deliver_outbox(mail_app)

    to_boris = [m for m in smtp.handler.messages() if m["To"] == boris.email]
    assert len(to_boris) == 1
    mail = to_boris[0]
    text = mail.get_body(("plain",)).get_content()
    assert "Lena replied on " + ticket.number in text
    assert "take out the torn sheet" in text
    assert "toner" not in text  # never an internal note
    # In the ticket's thread: his answer by mail finds the ticket.
    assert mail["References"] == f"<ticket-{ticket.id}@example.test>"
    assert mail["Reply-To"] == f"helpdesk+{ticket.number}@example.test"
    assert [
        m["Subject"].split("] ")[1]
        for m in smtp.handler.messages()
        if m["To"] == office["anna"].email
    ] == ["Request registered: Printer jams", "New reply: Printer jams"]


# --- who follows, who adds ----------------------------------------------------------


def test_a_watcher_sees_the_ticket_in_their_list_and_replies(
    app, client, login, given, office
):
    ticket, boris = office["ticket"], office["boris"]
    given(make_ticket, requester=office["anna"], subject="Not watched")
    login(office["anna"])
    client.post(f"/tickets/{ticket.id}/watchers", data={"email": boris.email})
    client.post("/logout")

    login(boris)
    page = client.get("/tickets").get_data(as_text=True)
    assert re.findall(r">(HD-\d{6})<", page) == [ticket.number]
    assert "Anna" in page  # whose request it is
    reply = client.post(f"/tickets/{ticket.id}/comments", data={"body": "Me too."})
    assert reply.status_code == 302
    with app.app_context():
        told = {(m.payload["event"], m.recipient) for m in outbox_mails()}
    # The requester hears of her colleague's reply; the line's agents too.
    assert (Notice.OTHER_REPLIED.value, office["anna"].email) in told
    assert (Notice.CUSTOMER_REPLIED.value, office["lena"].email) in told


def test_an_outsider_and_an_unknown_address_get_the_same_refusal(
    app, client, bearer, office
):
    """Nobody learns from the answer which addresses have an account."""
    ticket = office["ticket"]
    headers = bearer(office["anna"])
    before = db_state(app)
    answers = [
        client.post(
            f"/api/v1/tickets/{ticket.id}/watchers", headers=headers, json={"email": e}
        )
        for e in (office["dave"].email, "nobody@elsewhere.example")
    ]
    assert [a.status_code for a in answers] == [422, 422]
    assert error_of(answers[0]) == error_of(answers[1])
    assert_unchanged(app, before)


def test_an_agent_adds_staff_and_the_ticket_lists_its_watchers(
    app, client, given, bearer, login, office
):
    ticket = office["ticket"]
    colleague = given(make_user, role=Role.LINE2, name="Ivan")
    headers = bearer(office["lena"])
    added = client.post(
        f"/api/v1/tickets/{ticket.id}/watchers",
        headers=headers,
        json={"email": colleague.email},
    )
    assert added.status_code == 201
    again = client.post(
        f"/api/v1/tickets/{ticket.id}/watchers",
        headers=headers,
        json={"email": colleague.email},
    )
    assert again.status_code == 409
    listed = client.get(
        f"/api/v1/tickets/{ticket.id}/watchers", headers=bearer(office["anna"])
    ).json
    assert [(w["user_id"], w["name"]) for w in listed["items"]] == [
        (colleague.id, "Ivan")
    ]
    assert listed["items"][0]["id"] == added.json["id"]
    assert added.headers["Location"] == f"/api/v1/watchers/{added.json['id']}"
    login(office["anna"])
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Ivan follows the ticket." in page  # the timeline says so
    assert "Following (CC)" in page


def test_a_watcher_stops_following_and_the_ticket_leaves_their_list(
    app, client, login, given, office
):
    ticket, boris = office["ticket"], office["boris"]
    given(lambda: _watch(ticket.id, boris.id))
    login(boris)
    left = client.post(f"/tickets/{ticket.id}/watchers/{boris.id}/removal")
    assert left.status_code == 302 and left.location.endswith("/tickets")
    assert watchers(app, ticket.id) == []
    assert client.get(f"/tickets/{ticket.id}").status_code == 404


def _watch(ticket_id: int, user_id: int) -> TicketWatcher:
    ticket = db.session.get(Ticket, ticket_id)
    row = TicketWatcher(
        ticket_id=ticket_id, user_id=user_id, created_at=ticket.created_at
    )
    db.session.add(row)
    db.session.flush()
    return row


# --- the mails they get ----------------------------------------------------------------


def test_watchers_hear_the_resolution_without_the_requesters_links(
    app, ctx, clock, office
):
    from helpdesk.models import User
    from helpdesk.service import tickets as ticket_service

    ticket = db.session.get(Ticket, office["ticket"].id)
    _watch(ticket.id, office["boris"].id)
    agent = db.session.get(User, office["lena"].id)
    ticket_service.change_status(
        ticket, TicketStatus.RESOLVED, actor=agent, now=clock.now()
    )
    resolved = {m.recipient: m for m in outbox_mails(Notice.TICKET_RESOLVED.value)}
    assert set(resolved) == {office["anna"].email, office["boris"].email}
    assert "#rate" in resolved[office["anna"].email].body
    assert "#rate" not in resolved[office["boris"].email].body
    assert f"{ticket.number} is resolved." in resolved[office["boris"].email].body


# --- merges keep them ------------------------------------------------------------------


def test_a_merge_keeps_the_watchers_and_its_undo_takes_them_off_again(
    app, client, given, bearer, office
):
    boris = office["boris"]
    survivor = office["ticket"]
    duplicate = given(make_ticket, requester=office["anna"], subject="Printer again")
    given(lambda: _watch(duplicate.id, boris.id))
    headers = bearer(office["lena"])

    merged = client.post(
        f"/api/v1/tickets/{duplicate.id}/merges",
        headers=headers,
        json={"into": survivor.id},
    )
    assert merged.status_code == 201, merged.json
    assert watchers(app, survivor.id) == [boris.id]
    with app.app_context():
        told = [m.recipient for m in outbox_mails(Notice.TICKET_MERGED.value)]
    assert told == [office["anna"].email, boris.email]

    undone = client.post(merged.json["undo"], headers=headers)
    assert undone.status_code == 200, undone.json
    assert watchers(app, survivor.id) == []
    assert watchers(app, duplicate.id) == [boris.id]


def test_a_colleague_who_leaves_the_organisation_stops_watching(
    app, client, bearer, office
):
    from helpdesk.models import User
    from helpdesk.service import accounts

    ticket, boris = office["ticket"], office["boris"]
    with app.app_context():
        _watch(ticket.id, boris.id)
        accounts.set_membership(db.session.get(User, boris.id), None, contact=False)
        db.session.commit()
    assert watchers(app, ticket.id) == []
    seen = client.get(f"/api/v1/tickets/{ticket.id}", headers=bearer(boris))
    assert seen.status_code == 404
