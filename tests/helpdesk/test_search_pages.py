"""The top bar's search, the queue's new filters and saved views."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.search.models import SavedView
from helpdesk.vocabulary import Priority, Role
from tests.builders import make_category, make_comment, make_ticket, make_user


def test_a_ticket_number_in_the_search_box_opens_the_ticket(client, given, login):
    login(given(make_user, role=Role.LINE1))
    ticket = given(make_ticket)
    for q in (ticket.number, str(ticket.id)):
        response = client.get("/search", query_string={"q": q})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/tickets/{ticket.id}")


def test_words_list_the_matching_tickets_with_the_filters(client, given, login):
    agent = login(given(make_user, role=Role.LINE1))
    hit = given(make_ticket, subject="Keyboard", description="x", priority=Priority.P2)
    given(make_comment, hit, author=agent, body="Replaced the клавиатуры cable")
    given(make_ticket, subject="Keyboard", description="y", priority=Priority.P4)
    page = client.get("/search", query_string={"q": "клавиатура", "priority": "P2"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and hit.number in text
    none = client.get("/search", query_string={"q": "клавиатура", "priority": "P1"})
    assert "No tickets match this search." in none.get_data(as_text=True)


def test_the_search_box_is_for_staff_only(client, given, login):
    login(given(make_user))
    assert "top-search" not in client.get("/tickets").get_data(as_text=True)
    assert client.get("/search", query_string={"q": "x"}).status_code == 403


def test_a_bad_filter_is_a_422_naming_it(client, given, login):
    login(given(make_user, role=Role.LINE1))
    response = client.get("/search", query_string={"q": "x", "priority": "P9"})
    assert response.status_code == 422


def test_queue_filters_by_priority_and_category(client, given, login):
    login(given(make_user, role=Role.MANAGER))
    given(make_category, "network")
    urgent = given(make_ticket, subject="Urgent one", priority=Priority.P1)
    network = given(make_ticket, subject="Switch dead", category="network")
    other = given(make_ticket, subject="Nothing special")
    by_priority = client.get("/queue", query_string={"priority": "P1"}).get_data(
        as_text=True
    )
    assert urgent.number in by_priority and other.number not in by_priority
    by_category = client.get("/queue", query_string={"category": "network"})
    text = by_category.get_data(as_text=True)
    assert network.number in text and other.number not in text


def test_an_agent_saves_opens_and_deletes_a_view_of_their_own(
    client, given, login, app
):
    agent = login(given(make_user, role=Role.LINE1))
    saved = client.post(
        "/queue/views", data={"name": "My P1s", "priority": "P1", "line": "1"}
    )
    assert saved.status_code == 302 and "priority=P1" in saved.headers["Location"]
    queue = client.get("/queue").get_data(as_text=True)
    assert "My P1s" in queue
    again = client.post("/queue/views", data={"name": "My P1s"}, follow_redirects=True)
    assert "You already have a view of that name." in again.get_data(as_text=True)
    with app.app_context():
        view = db.session.scalar(sa.select(SavedView))
        assert (view.owner_id, view.filters) == (
            agent.id,
            {"priority": "P1", "line": "1"},
        )
        view_id = view.id
    other = given(make_user, role=Role.LINE1)
    client.post("/logout")
    login(other)
    assert "My P1s" not in client.get("/queue").get_data(as_text=True)
    assert client.post(f"/queue/views/{view_id}/delete").status_code == 404
    client.post("/logout")
    login(agent)
    assert client.post(f"/queue/views/{view_id}/delete").status_code == 302
    assert "My P1s" not in client.get("/queue").get_data(as_text=True)
