"""Protection against mistakes in a real browser: an agent closes a ticket by
mistake and undoes it; sends a reply and stops it before any mail leaves;
two agents on one ticket, and the second is told what the first changed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from helpdesk.outbox import deliver_due_messages
from helpdesk.vocabulary import Role, TicketStatus
from tests.builders import make_category, make_ticket, make_user

pytestmark = pytest.mark.browser


def test_an_agent_closes_a_ticket_by_mistake_and_undoes_it(page, given, log_in):
    customer = given(make_user, role=Role.CUSTOMER, name="Carl Customer")
    agent = given(make_user, role=Role.LINE1, name="Lena Agent")
    ticket = given(
        make_ticket,
        requester=customer,
        subject="VPN drops every hour",
        status=TicketStatus.RESOLVED,
    )

    log_in(page, agent)
    page.goto(f"/tickets/{ticket.id}")
    page.locator("#side-status").get_by_role("button", name="Close for good…").click()
    # Closing asks first; the agent says yes (by mistake).
    page.locator("dialog#confirm-dialog [data-confirm-ok]").click()
    expect(page.get_by_role("status")).to_have_text("Status changed to “Closed”.")
    expect(page.locator(".undo-left")).to_contain_text(re.compile(r"\d+ s left"))

    page.get_by_role("button", name="Undo", exact=True).click()

    expect(page.get_by_role("status")).to_have_text(
        f"Undone: the status change ({ticket.number})."
    )
    expect(page.locator("hgroup")).to_contain_text("Resolved")
    expect(page.locator(".timeline li.undone")).to_contain_text(
        "Status: Resolved → Closed."
    )
    expect(page.locator(".timeline li.undo")).to_have_text(
        re.compile(r"Undone by Lena Agent: the status change\.")
    )
    # Nothing stops the agent from going on: the reply box is back.
    expect(page.get_by_label("Your message")).to_be_visible()


def test_an_agent_undoes_a_send_and_no_mail_reaches_the_server(
    page, given, log_in, app, clock, smtp, monkeypatch
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER, name="Carl Customer")
    agent = given(make_user, role=Role.LINE1, name="Lena Agent")
    ticket = given(make_ticket, requester=customer, subject="Printer jams")

    log_in(page, agent)
    page.goto(f"/tickets/{ticket.id}")
    page.get_by_label("Your message").fill("Your printer is beyond repair.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(
        "Your reply will be sent in 10 seconds."
    )
    clock.advance(seconds=4)

    page.get_by_role("button", name="Undo send").click()

    expect(page.get_by_role("status")).to_have_text(
        "Sending stopped. Your reply is back in the box below."
    )
    expect(page.get_by_label("Your message")).to_have_value(
        "Your printer is beyond repair."
    )
    expect(page.locator(".timeline li.reply.undone")).to_contain_text(
        "Withdrawn before it was sent."
    )

    # Long after the window, the delivery job runs against a real SMTP server:
    # the registration mail goes out, the withdrawn reply never does.
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "SMTP_PORT", smtp.port)
        with app.app_context():
            counts = deliver_due_messages(
                now=clock.now() + timedelta(minutes=10), settings=app.config
            )
    received = smtp.handler.messages()
    assert counts.sent == len(received) >= 1
    assert [m["To"] for m in received] == [customer.email]
    texts = [m.get_body(("plain",)).get_content() for m in received]
    assert not any("beyond repair" in text for text in texts)


def test_two_agents_edit_one_ticket_and_the_second_gets_the_conflict(
    new_page, given, log_in
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER, name="Carl Customer")
    lena = given(make_user, role=Role.LINE1, name="Lena Agent")
    max_ = given(make_user, role=Role.LINE1, name="Max Agent")
    ticket = given(make_ticket, requester=customer, subject="VPN drops every hour")

    first, second = new_page(), new_page()
    log_in(first, lena)
    first.goto(f"/tickets/{ticket.id}")
    expect(first.get_by_role("heading", level=2)).to_contain_text(ticket.number)
    log_in(second, max_)
    second.goto(f"/tickets/{ticket.id}")
    # Max sees that Lena has the ticket open too.
    expect(second.locator(".presence-people")).to_have_text(
        "Also on this ticket: Lena Agent (viewing)"
    )

    first.get_by_label("Priority").select_option("P1")
    first.get_by_role("button", name="Save").click()
    expect(first.get_by_role("status")).to_have_text(f"Ticket {ticket.number} updated.")

    second.get_by_label("Your message").fill("Try the new client.")
    second.get_by_role("button", name="Send", exact=True).click()

    expect(second.get_by_role("alert")).to_have_text(
        f"{ticket.number} was changed by someone else since you loaded it. "
        "Look at what changed, then try again."
    )
    conflict = second.locator("#conflict")
    expect(conflict).to_contain_text("What changed since you loaded the page")
    expect(conflict.locator(".timeline li")).to_contain_text(["Priority: P3 → P1."])
    expect(second.get_by_label("Your message")).to_have_value("Try the new client.")
    # Sent again from the page as it is now, it goes through.
    second.get_by_role("button", name="Send", exact=True).click()
    expect(second.get_by_role("status")).to_have_text(
        "Your reply will be sent in 10 seconds."
    )
