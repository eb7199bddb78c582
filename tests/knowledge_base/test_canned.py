"""Canned responses: placeholders, who sees which, the pages, and the
reply tools on the ticket page."""

from __future__ import annotations

from html import unescape

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from knowledge_base.models import CannedResponse
from knowledge_base.service import canned
from tests.builders import make_ticket, make_user
from tests.knowledge_base.builders import make_canned


def test_placeholders_are_filled_and_other_braces_stay(ctx):
    requester = make_user(name="Анна Смирнова")
    agent = make_user(role=Role.LINE1, name="Ольга")
    ticket = make_ticket(requester=requester)

    text = canned.fill_placeholders(
        "Здравствуйте, {requester_name}! Заявка {ticket_number}. {agent_name}. "
        "{unknown} {0.__class__} {{requester_name}}",
        ticket=ticket,
        agent=agent,
    )

    assert text == (
        f"Здравствуйте, Анна Смирнова! Заявка {ticket.number}. Ольга. "
        "{unknown} {0.__class__} {Анна Смирнова}"
    )


def test_personal_replies_are_their_owners_and_shared_ones_their_lines(ctx):
    alice = make_user(role=Role.LINE1)
    bob = make_user(role=Role.LINE1)
    carol = make_user(role=Role.LINE2)
    manager = make_user(role=Role.MANAGER)
    make_canned(author=alice, title="Alice's own")
    make_canned(author=alice, title="Line 1 shared", line=1)
    make_canned(author=carol, title="Line 2 shared", line=2)

    def visible(user):
        return [c.title for c in canned.list_canned(user)]

    assert visible(alice) == ["Alice's own", "Line 1 shared"]
    assert visible(bob) == ["Line 1 shared"]
    assert visible(carol) == ["Line 2 shared"]
    assert visible(manager) == ["Line 1 shared", "Line 2 shared"]
    assert visible(make_user()) == []


def test_a_ticket_offers_the_replies_of_its_line_and_the_agents_line(ctx):
    line1 = make_user(role=Role.LINE1)
    line2 = make_user(role=Role.LINE2)
    make_canned(author=line1, title="L1", line=1)
    make_canned(author=line2, title="L2", line=2)
    make_canned(author=line1, title="Mine")
    ticket = make_ticket(line=2)

    assert [c.title for c in canned.canned_for_ticket(line1, ticket)] == [
        "L1",
        "L2",
        "Mine",
    ]
    assert [c.title for c in canned.canned_for_ticket(line2, ticket)] == ["L2"]


def test_the_reply_tools_insert_the_filled_text(client, given, login):
    agent = login(given(make_user, role=Role.LINE1, name="Lena"))
    requester = given(make_user, name='Bob "<b>"')
    ticket = given(make_ticket, requester=requester)
    given(
        make_canned,
        author=agent,
        title="Hello",
        body="Hi {requester_name}, about {ticket_number} — {agent_name}",
    )

    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)

    tools = page.split('<div class="kb-canned">')[1].split("</div>")[0]
    assert 'data-target="body"' in tools
    text = unescape(tools.split('data-text="')[1].split('"')[0])
    assert text == f'Hi Bob "<b>", about {ticket.number} — Lena'
    assert "<b>" not in tools  # escaped in the attribute


def test_customers_get_no_reply_tools(client, given, login):
    customer = login(given(make_user))
    ticket = given(make_ticket, requester=customer)
    assert "kb-canned" not in client.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_an_agent_creates_edits_and_deletes_replies_through_the_pages(
    client, given, login, app
):
    login(given(make_user, role=Role.LINE2))

    assert (
        client.post(
            "/kb/canned/new",
            data={"title": "Mine", "body": "Hi {requester_name}", "line": ""},
        ).status_code
        == 302
    )
    shared = client.post(
        "/kb/canned/new", data={"title": "Team", "body": "Hello", "line": "2"}
    )
    assert shared.status_code == 302
    other_line = client.post(
        "/kb/canned/new", data={"title": "Sneaky", "body": "x", "line": "1"}
    )
    assert other_line.status_code == 422
    assert "Not your line." in other_line.get_data(as_text=True)
    assert (
        client.post("/kb/canned/new", data={"title": "", "body": ""}).status_code == 422
    )

    listing = client.get("/kb/canned").get_data(as_text=True)
    assert "Mine" in listing and "Line 2" in listing and "only me" in listing
    client.post(
        "/kb/canned/1", data={"title": "Mine, renamed", "body": "Hey", "line": ""}
    )
    client.post("/kb/canned/2/delete", data={"confirm": "1"})
    with app.app_context():
        rows = db.session.execute(
            sa.select(CannedResponse.title, CannedResponse.line)
        ).all()
        assert rows == [("Mine, renamed", None)]


def test_others_cannot_see_or_change_a_personal_reply(client, given, login):
    owner = given(make_user, role=Role.LINE1)
    reply = given(make_canned, author=owner, title="Private")
    shared = given(make_canned, author=owner, title="Line 1", line=1)
    login(given(make_user, role=Role.LINE2))

    assert client.get(f"/kb/canned/{reply.id}").status_code == 404
    assert client.post(f"/kb/canned/{reply.id}/delete").status_code == 404
    assert client.post(f"/kb/canned/{shared.id}/delete").status_code == 404
