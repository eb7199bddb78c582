"""A queue refreshes itself: the page holds its rows' ETag, /queue/rows
answers 304 while they are unchanged and the new rows once a ticket was
taken, answered or opened (the browser's side is tests/e2e)."""

from __future__ import annotations

import re

from helpdesk.vocabulary import Role
from tests.builders import make_category, make_ticket, make_user


def etag_of(page: str) -> str:
    return re.search(r'data-etag="([0-9a-f]+)"', page).group(1)


def test_a_ticket_another_agent_takes_leaves_the_unassigned_view(
    client, given, login, bearer, app
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    taken = given(make_ticket, requester=customer, line=1, subject="Printer jams")
    given(make_ticket, requester=customer, line=1, subject="VPN drops")
    other = given(make_user, role=Role.LINE1, name="Max")
    login(given(make_user, role=Role.LINE1))
    page = client.get("/queue?assignee=0").get_data(as_text=True)
    etag = etag_of(page)
    assert 'data-refresh-url="/queue/rows?assignee=0"' in page

    unchanged = client.get(
        "/queue/rows?assignee=0", headers={"If-None-Match": f'"{etag}"'}
    )
    assert unchanged.status_code == 304 and unchanged.get_data() == b""

    assert (
        app.test_client()
        .patch(
            f"/api/v1/tickets/{taken.id}",
            headers=bearer(other),
            json={"assignee": other.id},
        )
        .status_code
        == 200
    )
    changed = client.get(
        "/queue/rows?assignee=0", headers={"If-None-Match": f'"{etag}"'}
    )

    assert changed.status_code == 200
    assert changed.headers["ETag"] != f'"{etag}"'
    rows = changed.get_data(as_text=True)
    assert "VPN drops" in rows and "Printer jams" not in rows
    assert "<html" not in rows  # the rows alone


def test_an_empty_queue_says_so_and_keeps_its_bulk_bar_for_when_rows_come(
    client, given, login
):
    login(given(make_user, role=Role.LINE2))

    page = client.get("/queue").get_data(as_text=True)
    rows = client.get("/queue/rows").get_data(as_text=True)

    assert '<fieldset class="bulk-bar" hidden>' in page
    assert "No tickets match these filters." in rows


def test_customers_get_no_queue_rows(client, given, login):
    login(given(make_user, role=Role.CUSTOMER))
    assert client.get("/queue/rows").status_code == 403
