"""Routing in a real browser: an admin writes a rule and tests it against a
ticket; an agent escalates a ticket by hand."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpdesk.vocabulary import Role
from tests.builders import make_category, make_ticket, make_user

pytestmark = pytest.mark.browser


def test_admin_writes_and_tests_a_rule_and_an_agent_escalates_by_hand(
    page, new_page, given, log_in, screenshot
):
    given(make_category, "configuration", name_en="System configuration")
    admin = given(make_user, role=Role.ADMIN)
    agent = given(make_user, role=Role.LINE1, name="Lena Agent")
    given(make_user, role=Role.LINE2, name="Pyotr Config")
    ticket = given(
        make_ticket,
        subject="Where is the VAT setting?",
        category="configuration",
    )

    # The admin writes a rule...
    log_in(page, admin)
    page.get_by_text("Administration").click()  # the top bar's drop-down
    page.get_by_role("link", name="Routing rules").click()
    expect(page.get_by_role("heading", name="Routing rules")).to_be_visible()
    page.get_by_role("button", name="New rule").click()
    page.get_by_label("Name").fill("Configuration to line 2")
    page.get_by_label("When", exact=True).select_option("ticket_created")
    page.get_by_label("Condition 1: field").select_option("category")
    page.get_by_label("Condition 1: operator").select_option("eq")
    page.get_by_label("Condition 1: value").fill("configuration")
    page.get_by_label("Action 1", exact=True).select_option("set_line")
    page.get_by_label("Action 1: value").fill("2")
    page.get_by_label("Action 2", exact=True).select_option("assign_least_loaded")
    screenshot(page, "routing-rule-form")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("status")).to_have_text(
        "Rule “Configuration to line 2” saved."
    )
    row = page.locator("#routing-rules tr[data-rule='Configuration to line 2']")
    expect(row).to_contain_text("category is “configuration”")

    # ... and tests it against a ticket registered before it existed.
    page.get_by_label("Ticket number").fill(ticket.number)
    page.get_by_role("button", name="Test the rules against this ticket").click()
    result = page.locator("#routing-dry-run tr[data-rule='Configuration to line 2']")
    expect(result).to_have_attribute("data-outcome", "matched")
    expect(result).to_contain_text("Line 1 → 2")
    expect(result).to_contain_text("Assigned to Pyotr Config")
    screenshot(page, "routing-dry-run")

    # The dry run changed nothing: a line-1 agent still has the ticket on
    # line 1, and escalates it by hand with a reason.
    agent_page = new_page()
    log_in(agent_page, agent)
    agent_page.goto(f"/tickets/{ticket.id}")
    expect(agent_page.get_by_text("Line 1", exact=False).first).to_be_visible()
    agent_page.get_by_label("To line").select_option("3")
    agent_page.get_by_label("Reason (required)").fill("Needs a developer: report bug.")
    agent_page.get_by_role("button", name="Move the ticket").click()
    expect(agent_page.get_by_role("status")).to_have_text(
        f"{ticket.number} moved to line 3."
    )
    expect(agent_page.locator(".routing-line")).to_contain_text(
        "Escalated from line 1 to line 3."
    )
    expect(agent_page.locator(".routing-line")).to_contain_text(
        "Needs a developer: report bug."
    )
    expect(agent_page.locator("hgroup")).to_contain_text(re.compile(r"Line 3"))
    screenshot(agent_page, "routing-escalated")
