"""Line 1 in a real browser: the phone console and a ticket from the queue."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpdesk.vocabulary import Role
from tests.builders import make_category, make_organisation, make_ticket, make_user

pytestmark = pytest.mark.browser


def test_line1_agent_registers_a_phone_call_for_a_new_caller_and_resolves_it_on_the_call(
    page, given, log_in, screenshot
):
    given(make_category, "email", name_en="E-mail", name_ru="Почта")
    agent = given(make_user, role=Role.LINE1, name="Lena Agent")
    given(make_user, role=Role.CUSTOMER, email="olga.petrova@example.test", name="Olga")
    given(make_organisation, "Orlov & Sons")

    log_in(page, agent)
    expect(page).to_have_url(re.compile(r"/phone$"))
    expect(page.get_by_role("heading", name="Phone console")).to_be_visible()

    search = page.get_by_role("searchbox", name="Find the caller")
    search.fill("+7 (495) 123-45-67")
    page.get_by_role("button", name="Find").click()
    expect(
        page.get_by_text("No caller found. Register the caller below.")
    ).to_be_visible()
    screenshot(page, "phone-no-caller")

    page.get_by_label("Name").fill("Pavel Orlov")
    page.get_by_label("E-mail").fill("pavel@example.test")
    page.get_by_label("Phone").fill("+7 (495) 123-45-67")
    page.get_by_label("Organisation").fill("Orlov & Sons")
    page.get_by_role("button", name="Register caller").click()

    expect(page.get_by_role("status")).to_have_text("Caller Pavel Orlov registered.")
    caller_card = page.locator("article header").filter(has_text="Pavel Orlov")
    expect(caller_card).to_contain_text("pavel@example.test · +74951234567")
    expect(page.get_by_text("No tickets yet.")).to_be_visible()

    page.get_by_label("Subject").fill("Cannot send mail")
    page.get_by_label("Category").select_option(label="E-mail")
    page.get_by_label("What the caller reports").fill("Outbox stuck since 8:00.")
    page.get_by_label("Resolved during the call").check()
    page.get_by_label("Solution given on the call").fill("Cleared the outbox.")
    screenshot(page, "phone")
    page.get_by_role("button", name="Register ticket").click()

    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"^HD-\d{6} registered and resolved on the call\.$")
    )
    number = page.get_by_role("status").inner_text().split(" ")[0]
    recent = page.locator("aside article").filter(
        has_text="Recent tickets of this caller"
    )
    expect(recent.get_by_role("paragraph").filter(has_text=number)).to_contain_text(
        "Resolved"
    )
    expect(recent).to_contain_text("Cannot send mail")

    # The next caller is already known: found by the start of her e-mail, and
    # being the only match, selected at once.
    page.get_by_role("link", name="Next call").click()
    page.get_by_role("searchbox", name="Find the caller").fill("olga.p")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("article header")).to_contain_text("Olga")

    page.get_by_label("Subject").fill("Mailbox full")
    page.get_by_label("Category").select_option(label="E-mail")
    page.get_by_label("Priority").select_option("P2")
    page.get_by_label("What the caller reports").fill("Quota warning every minute.")
    page.get_by_role("button", name="Register ticket").click()

    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"^HD-\d{6} registered\.$")
    )
    number = page.get_by_role("status").inner_text().split(" ")[0]
    expect(recent.get_by_role("paragraph").filter(has_text=number)).to_contain_text(
        "New"
    )
    screenshot(page, "phone-after-call")


def test_line1_agent_works_a_ticket_from_the_queue(
    page, new_page, given, log_in, screenshot
):
    customer = given(make_user, role=Role.CUSTOMER, name="Carl Customer")
    agent = given(make_user, role=Role.LINE1, name="Lena Agent")
    ticket = given(make_ticket, requester=customer, subject="VPN drops every hour")

    log_in(page, agent)
    page.get_by_role("link", name="Queue", exact=True).click()
    expect(page.get_by_role("heading", name="Line 1 queue")).to_be_visible()
    page.get_by_role("link", name="VPN drops every hour").click()
    expect(page.get_by_role("heading", level=2)).to_have_text(
        f"{ticket.number} · VPN drops every hour"
    )

    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_role("status")).to_have_text(f"Ticket {ticket.number} updated.")
    expect(page.locator("dl.props")).to_contain_text("Lena Agent")

    page.get_by_label("Your message").fill("Carl is still on the 2019 VPN client.")
    page.get_by_label("Internal note").check()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Internal note added.")

    page.get_by_label("Your message").fill("Please install the new VPN client.")
    page.get_by_role("button", name="Send", exact=True).click()
    # It leaves after the "Undo send" window (tests/e2e/test_undo_and_conflicts.py).
    expect(page.get_by_role("status")).to_have_text(
        "Your reply will be sent in 10 seconds."
    )

    page.get_by_label("Priority").select_option("P2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text(f"Ticket {ticket.number} updated.")

    expect(page.locator(".timeline > li")).to_contain_text(
        [
            "Ticket registered via Web, priority P3.",
            "Assigned to Lena Agent.",
            "Carl is still on the 2019 VPN client.",
            "Please install the new VPN client.",
            "Priority: P3 → P2.",
        ]
    )
    expect(page.locator(".timeline li.note")).to_contain_text("internal note")
    screenshot(page, "ticket-agent")

    # The customer, in a browser of his own, sees the reply but not the note.
    customer_page = new_page()
    log_in(customer_page, customer)
    customer_page.get_by_role("link", name=ticket.number).click()
    timeline = customer_page.locator(".timeline")
    expect(timeline).to_contain_text("Please install the new VPN client.")
    expect(timeline).not_to_contain_text("2019 VPN client")
    expect(customer_page.locator(".timeline li.note")).to_have_count(0)
    expect(customer_page.locator("dl.props")).to_contain_text("Lena Agent")


def test_a_file_attached_to_an_internal_note_stays_hidden_from_the_customer(
    page, new_page, given, log_in
):
    customer = given(make_user, role=Role.CUSTOMER)
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket, requester=customer, subject="VPN drops every hour")

    log_in(page, agent)
    page.goto(f"/tickets/{ticket.id}")
    page.get_by_label("Your message").fill("Firewall dump, do not share.")
    page.get_by_label("Internal note").check()
    page.get_by_label("Attachment").set_input_files(
        {"name": "firewall-dump.txt", "mimeType": "text/plain", "buffer": b"secret"}
    )
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Internal note added.")

    customer_page = new_page()
    log_in(customer_page, customer)
    customer_page.goto(f"/tickets/{ticket.id}")
    expect(customer_page.get_by_role("heading", level=2)).to_contain_text(ticket.number)
    expect(customer_page.get_by_text("firewall-dump.txt")).to_have_count(0)


def test_registering_a_caller_whose_email_is_taken_says_so_on_the_form(
    page, given, log_in
):
    agent = given(make_user, role=Role.LINE1)
    given(make_user, role=Role.CUSTOMER, email="olga@example.test")

    log_in(page, agent)
    page.get_by_label("Name").fill("Olga Again")
    page.get_by_label("E-mail").fill("olga@example.test")
    page.get_by_role("button", name="Register caller").click()

    expect(page.locator("#email-error")).to_have_text("Already registered.")
    expect(page.get_by_label("Name")).to_have_value("Olga Again")
