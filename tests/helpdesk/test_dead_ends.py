"""No dead ends: a form that cannot be done answers on its own page, with
the form as it was sent and a message that says what to do - never a bare
error page."""

from __future__ import annotations

from datetime import date

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_category, make_ticket, make_user
from tests.security.support import db_state


def test_a_bulk_action_with_nothing_ticked_answers_on_the_queue(
    app, client, given, login
):
    login(given(make_user, role=Role.LINE1))
    given(make_category, "access")
    ticket = given(make_ticket, subject="Printer jam")
    before = db_state(app)

    response = client.post(
        "/queue/bulk?line=1", data={"action": "status", "status": "pending"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422 and db_state(app) == before
    assert "tick the tickets in the list first" in page
    assert "Printer jam" in page  # the queue itself, with its bulk bar
    assert '<option value="pending" selected>' in page
    assert 'action="/queue/bulk?line=1"' in page
    assert ticket.number in page


def test_a_bulk_status_without_a_status_keeps_the_ticks(app, client, given, login):
    login(given(make_user, role=Role.LINE1))
    given(make_category, "access")
    ticket = given(make_ticket)

    response = client.post(
        "/queue/bulk", data={"ticket_ids": [str(ticket.id)], "action": "status"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the new status." in page
    assert f'value="{ticket.id}" aria-label="{ticket.number}" checked' in page


def test_a_reversed_period_on_the_sla_dashboard_keeps_the_form(
    app, client, given, login
):
    login(given(make_user, role=Role.MANAGER))

    response = client.get("/sla?from=2026-11-20&to=2026-11-01&line=2")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The end date must come after the start date." in page
    assert "Correct the dates" in page
    assert 'name="from" value="2026-11-20"' in page
    assert 'name="to" value="2026-11-01" aria-invalid="true"' in page
    assert 'id="sla-compliance"' in page  # the figures of the default period
    assert '<option value="2" selected>' in page  # the line kept


def test_a_start_after_today_alone_is_not_an_error_page(app, client, given, login):
    login(given(make_user, role=Role.MANAGER))
    response = client.get(f"/sla?from={date(2030, 1, 1).isoformat()}")
    assert response.status_code == 422
    assert 'id="sla-filters"' in response.get_data(as_text=True)


def test_a_merge_into_a_ticket_outside_the_line_says_whom_to_ask(
    app, client, given, login
):
    login(given(make_user, role=Role.LINE1))
    given(make_category, "access")
    customer = given(make_user)
    duplicate = given(make_ticket, requester=customer)
    survivor = given(make_ticket, requester=customer, line=3)
    before = db_state(app)

    response = client.post(
        f"/tickets/{duplicate.id}/merge", data={"into": survivor.number}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422 and db_state(app) == before
    assert f"{survivor.number} is on line 3, outside your line" in page
    assert "ask an agent of line 3 or a manager" in page
    assert f'name="into"\n           value="{survivor.number}"' in page
    assert '<details class="side-section" id="side-merge" open>' in page


def test_a_stale_status_button_shows_the_ticket_as_it_is_now(app, client, given, login):
    login(given(make_user, role=Role.LINE1))
    given(make_category, "access")
    ticket = given(make_ticket, status=TicketStatus.RESOLVED)

    # The page was loaded while the ticket was open; someone resolved it since.
    response = client.post(
        f"/tickets/{ticket.id}/transitions", data={"status": "pending"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "cannot become" in page and ticket.number in page
    assert 'name="status" value="closed"' in page  # what it can do now


def test_an_assignee_outside_the_line_answers_on_the_ticket_page(
    app, client, given, login
):
    login(given(make_user, role=Role.LINE1))
    given(make_category, "access")
    ticket = given(make_ticket)
    other = given(make_user, role=Role.LINE3)

    response = client.post(
        f"/tickets/{ticket.id}/properties", data={"assignee": str(other.id)}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You can assign only to agents of the ticket&#39;s line." in page
    assert 'id="side-properties"' in page
    with app.app_context():
        assert db.session.get(Ticket, ticket.id).assignee_id is None


def test_a_second_rating_answers_on_the_ticket_page(app, client, given, login):
    customer = login(given(make_user))
    given(make_category, "access")
    ticket = given(make_ticket, requester=customer, status=TicketStatus.RESOLVED)
    client.post(f"/tickets/{ticket.id}/rating", data={"score": "5"})

    again = client.post(f"/tickets/{ticket.id}/rating", data={"score": "1"})

    assert again.status_code == 409
    assert "already been rated" in again.get_data(as_text=True)
    assert ticket.subject in again.get_data(as_text=True)


def test_reversed_dates_in_the_search_keep_the_form(app, client, given, login):
    login(given(make_user, role=Role.LINE1))

    response = client.get(
        "/search?q=printer&created_from=2026-11-20&created_to=2026-11-01"
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The end date is before the start date." in page
    assert 'name="created_from" value="2026-11-20"' in page
    assert 'value="printer"' in page
