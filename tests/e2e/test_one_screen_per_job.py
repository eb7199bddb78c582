"""One screen per job, in a real browser: a macro previewed in place and
applied in one click, a reply sent and the status set in one action (and
undone), a queue that drops a ticket another agent took, and the keyboard
shortcuts with their "?" list."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Comment, Ticket
from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_category, make_macro, make_ticket, make_user

pytestmark = pytest.mark.browser


def stored(app, ticket_id: int) -> tuple[TicketStatus, list[str]]:
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        found = (
            ticket.status,
            list(
                db.session.scalars(
                    sa.select(Comment.body).where(Comment.ticket_id == ticket_id)
                )
            ),
        )
        db.session.remove()
    return found


@pytest.fixture
def world(given):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER, name="Carl")
    agent = given(make_user, role=Role.LINE1, name="Lena Agent")
    return customer, agent


def test_a_macro_is_previewed_in_place_and_applied_in_one_click(
    page, given, log_in, app, world, screenshot
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer, line=1, subject="VPN drops")
    given(
        make_macro,
        title="Ask for logs",
        body="Hello {requester_name}, please send the VPN logs.",
        status="pending",
        add_tags=["logs"],
    )
    log_in(page, agent)
    page.goto(f"/tickets/{ticket.id}")
    loads = []
    page.on("load", lambda: loads.append(page.url))

    page.locator("#side-macros summary").click()
    page.locator("#side-macros select").select_option(label="Ask for logs")

    preview = page.locator("#macro-preview")
    expect(preview).to_contain_text("“Ask for logs” will:")
    expect(preview).to_contain_text("status: Open → Waiting on customer")
    expect(preview).to_contain_text("tags: — → logs")
    reply = preview.get_by_label("Reply to the requester")
    expect(reply).to_have_value("Hello Carl, please send the VPN logs.")
    assert loads == []  # the preview came without a page load
    screenshot(page, "macro-preview")
    reply.fill("Hello Carl, please send the VPN logs from today.")
    preview.get_by_role("button", name="Apply macro").click()

    expect(page.get_by_role("status")).to_have_text("Macro “Ask for logs” applied.")
    expect(page.locator("#ticket-head")).to_contain_text("Waiting on customer")
    expect(page.locator("#ticket-head")).to_contain_text("#logs")
    assert stored(app, ticket.id) == (
        TicketStatus.PENDING,
        ["Hello Carl, please send the VPN logs from today."],
    )

    page.get_by_role("button", name="Undo send").click()

    expect(page.get_by_role("status")).to_have_text(
        "Sending stopped. Your reply is back in the box below."
    )
    assert stored(app, ticket.id) == (TicketStatus.NEW, [])


def test_an_agent_sends_a_reply_and_resolves_in_one_action_then_undoes_both(
    page, given, log_in, app, world
):
    customer, agent = world
    ticket = given(make_ticket, requester=customer, line=1)
    log_in(page, agent)
    page.goto(f"/tickets/{ticket.id}")

    page.get_by_label("Your message").fill("Restart the router, then it works.")
    page.get_by_role("button", name="Send and set “Resolved”").click()

    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"will be sent in \d+ seconds\. Status changed to “Resolved”\.$")
    )
    expect(page.locator("#ticket-head")).to_contain_text("Resolved")
    assert stored(app, ticket.id)[0] == TicketStatus.RESOLVED

    page.get_by_role("button", name="Undo send").click()

    expect(page.get_by_label("Your message")).to_have_value(
        "Restart the router, then it works."
    )
    expect(page.locator("#ticket-head")).to_contain_text("New")
    assert stored(app, ticket.id) == (TicketStatus.NEW, [])


def test_a_ticket_another_agent_takes_leaves_the_queue_without_a_reload(
    new_page, given, log_in, app, world, monkeypatch
):
    monkeypatch.setitem(app.config, "QUEUE_REFRESH_SECONDS", 1)
    customer, agent = world
    taken = given(make_ticket, requester=customer, line=1, subject="Printer jams")
    given(make_ticket, requester=customer, line=1, subject="VPN drops")
    colleague = given(make_user, role=Role.LINE1, name="Max Colleague")
    watching, working = new_page(), new_page()
    log_in(watching, agent)
    log_in(working, colleague)
    watching.goto("/queue?assignee=0")
    loads = []
    watching.on("load", lambda: loads.append(watching.url))
    rows = watching.locator("#queue-rows tbody tr")
    expect(rows).to_have_count(2)
    watching.get_by_role("checkbox", name="HD-000002").check()

    working.goto(f"/tickets/{taken.id}")
    working.get_by_role("button", name="Assign to me").click()
    expect(working.get_by_role("status")).to_have_text("Ticket HD-000001 updated.")

    expect(rows.filter(has_text="Printer jams")).to_have_count(0)
    expect(rows).to_have_count(1)
    # The other row is still ticked, the page never reloaded.
    expect(watching.get_by_role("checkbox", name="HD-000002")).to_be_checked()
    assert loads == []


def test_keyboard_shortcuts_work_the_queue_and_the_ticket_and_are_listed_on_question_mark(
    page, given, log_in, app, world
):
    customer, agent = world
    first = given(make_ticket, requester=customer, line=1, subject="Printer jams")
    second = given(make_ticket, requester=customer, line=1, subject="VPN drops")
    log_in(page, agent)
    page.goto("/queue")

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Assign the ticket to me")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("j")  # the newest first: HD-000002
    expect(page.get_by_role("link", name=second.number)).to_be_focused()
    page.keyboard.press("j")
    expect(page.get_by_role("link", name=first.number)).to_be_focused()
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(rf"/tickets/{first.id}$"))
    # The URL changes before the new page's scripts listen for keys.
    page.wait_for_load_state("load")

    page.keyboard.press("a")
    expect(page.get_by_role("status")).to_have_text(f"Ticket {first.number} updated.")
    # The status shows while the assignment's requests may still be in
    # flight; under load a key pressed then was once lost (focus stayed put).
    page.wait_for_load_state("networkidle")
    page.keyboard.press("n")
    expect(page.get_by_label("Your message")).to_be_focused()
    expect(
        page.get_by_label("Internal note (not visible to the requester)")
    ).to_be_checked()
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(
        page.get_by_label("Internal note (not visible to the requester)")
    ).not_to_be_checked()
    page.keyboard.type("r")  # typed into the reply: no shortcut
    expect(page.get_by_label("Your message")).to_have_value("r")
    page.keyboard.press("Escape")
    page.keyboard.press("k")  # the queue's previous ticket
    expect(page).to_have_url(re.compile(rf"/tickets/{second.id}$"))
    page.wait_for_load_state("load")
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search tickets")).to_be_focused()
    with app.app_context():
        assert db.session.get(Ticket, first.id).assignee_id == agent.id
        db.session.remove()
