"""Actions that cannot be undone ask first: the page's dialog (app.js) or,
without script, the server's confirmation page; a single unconfirmed submit
does nothing. The API is not asked. (Who may call each route, confirmed and
not: the permission matrices.)"""

from __future__ import annotations

import re

from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.vocabulary import Role, TicketStatus
from sla.models import SlaPolicy
from tests.builders import make_category, make_ticket, make_user
from tests.security.support import db_state
from tests.sla.builders import make_policy


def status_of(app, ticket_id: int) -> TicketStatus:
    with app.app_context():
        return db.session.get(Ticket, ticket_id).status


def form_with(page: str, marker: str) -> str:
    """The HTML of the page's form that contains ``marker``."""
    at = page.index(marker)
    start = page.rindex("<form", 0, at)
    return page[start : page.index("</form>", at)]


def hidden_fields(page: str) -> dict[str, str]:
    """The confirmation form's hidden fields."""
    form = form_with(page, 'class="confirm-actions"')
    return dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    )


def test_closing_on_the_ticket_page_asks_and_only_the_confirmed_submit_closes(
    app, client, given, login
):
    login(given(make_user, role=Role.LINE1))
    given(make_category, "access")
    ticket = given(make_ticket)
    before = db_state(app)

    asked = client.post(f"/tickets/{ticket.id}/transitions", data={"status": "closed"})

    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and db_state(app) == before
    assert f"Close {ticket.number} for good?" in page
    assert "Nobody can reply on it or reopen it any more." in page
    assert "This cannot be undone." in page
    assert hidden_fields(page) | {"csrf_token": ""} == {
        "csrf_token": "",
        "status": "closed",
        "confirm": "1",
    }
    assert f'href="/tickets/{ticket.id}"' in page  # Cancel goes back
    done = client.post(
        f"/tickets/{ticket.id}/transitions", data={"status": "closed", "confirm": "1"}
    )
    assert done.status_code == 302
    assert status_of(app, ticket.id) == TicketStatus.CLOSED


def test_a_new_tickets_first_step_is_open_and_close_comes_last_apart(
    client, given, login
):
    login(given(make_user, role=Role.LINE1))
    given(make_category, "access")
    ticket = given(make_ticket)

    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)

    # The sidebar's status section (the reply's "Send and set …" come before it).
    side = page[page.index('id="side-status"') :]
    offered = re.findall(r'name="status" value="(\w+)"', side)
    assert offered == ["open", "pending", "resolved", "closed"]
    close_form = form_with(page, 'id="close-ticket"')
    assert 'class="status-final"' in close_form
    assert "data-confirm=" in close_form and "Close for good" in close_form


def test_the_api_closes_without_asking(app, client, given, bearer):
    agent = given(make_user, role=Role.LINE1)
    given(make_category, "access")
    ticket = given(make_ticket, status=TicketStatus.RESOLVED)

    response = client.post(
        f"/api/v1/tickets/{ticket.id}/transitions",
        json={"status": "closed"},
        headers=bearer(agent),
    )

    assert response.status_code == 201 and response.json["status"] == "closed"


def test_closing_in_bulk_asks_with_the_numbers_and_keeps_the_selection(
    app, client, given, login
):
    login(given(make_user, role=Role.LINE1))
    given(make_category, "access")
    first, second = given(make_ticket), given(make_ticket)
    form = {
        "ticket_ids": [str(first.id), str(second.id)],
        "action": "status",
        "status": "closed",
    }
    before = db_state(app)

    asked = client.post("/queue/bulk?line=1", data=form)

    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and db_state(app) == before
    assert "Close 2 tickets for good?" in page
    assert f"{first.number}, {second.number}" in page
    assert 'action="/queue/bulk?line=1"' in page
    assert page.count('name="ticket_ids"') == 2
    done = client.post("/queue/bulk?line=1", data=form | {"confirm": "1"})
    assert done.status_code == 302
    assert status_of(app, first.id) == TicketStatus.CLOSED
    assert status_of(app, second.id) == TicketStatus.CLOSED


def test_other_bulk_statuses_do_not_ask(app, client, given, login):
    login(given(make_user, role=Role.LINE1))
    given(make_category, "access")
    ticket = given(make_ticket)

    response = client.post(
        "/queue/bulk",
        data={"ticket_ids": [str(ticket.id)], "action": "status", "status": "pending"},
    )

    assert response.status_code == 302
    assert status_of(app, ticket.id) == TicketStatus.PENDING


def test_deactivating_a_user_asks_and_other_edits_do_not(app, client, given, login):
    login(given(make_user, role=Role.ADMIN))
    agent = given(make_user, role=Role.LINE2, name="Agent")
    form = {"name": "Agent Smith", "role": "line2"}
    before = db_state(app)

    asked = client.post(f"/admin/users/{agent.id}", data=form)

    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and db_state(app) == before
    assert "Deactivate Agent (" in page
    assert "Their open sessions and API tokens end now, for good." in page
    assert hidden_fields(page)["name"] == "Agent Smith"
    assert "active" not in hidden_fields(page)  # still unticked on the way back
    done = client.post(f"/admin/users/{agent.id}", data=form | {"confirm": "1"})
    assert done.status_code == 302
    with app.app_context():
        user = db.session.get(User, agent.id)
        assert (user.active, user.name) == (False, "Agent Smith")
    renamed = client.post(
        f"/admin/users/{agent.id}", data={"name": "A. Smith", "role": "line2"}
    )
    assert renamed.status_code == 302  # already inactive: nothing to ask


def test_the_edit_form_asks_in_the_browser_only_when_active_is_unticked(
    client, given, login
):
    admin = login(given(make_user, role=Role.ADMIN))
    agent = given(make_user, role=Role.LINE2)
    page = client.get(f"/admin/users/{agent.id}").get_data(as_text=True)
    assert 'data-confirm-if="active:"' in page
    own = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "data-confirm=" not in own.split("<main", 1)[1].split("</form>", 1)[0]


def test_deleting_a_policy_asks_with_a_way_back(app, client, given, login):
    login(given(make_user, role=Role.MANAGER))
    unused = given(make_policy, name="Spare")

    asked = client.post(f"/sla/policies/{unused.id}/delete")

    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Delete the policy “Spare”?" in page
    assert f'href="/sla/policies/{unused.id}"' in page
    with app.app_context():
        assert db.session.get(SlaPolicy, unused.id) is not None
