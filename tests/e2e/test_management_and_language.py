"""Managers and admins in a real browser; the page language follows the browser;
the SLA dashboard's charts and the queue's scripts run under the Content
Security Policy, which allows no inline code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpdesk.vocabulary import Role
from tests.builders import make_ticket, make_user

pytestmark = pytest.mark.browser


def test_manager_sees_every_line_and_admin_changes_a_role(
    page, new_page, given, log_in
):
    manager = given(make_user, role=Role.MANAGER)
    admin = given(make_user, role=Role.ADMIN)
    agent = given(make_user, role=Role.LINE1, name="Ivan Promoted")
    on_line_1 = given(make_ticket, subject="Password reset")
    on_line_2 = given(make_ticket, subject="Database is slow", line=2)

    log_in(page, manager)
    expect(page).to_have_url(re.compile(r"/queue$"))
    expect(page.get_by_role("heading", name="All lines")).to_be_visible()
    for ticket, line in ((on_line_1, "1"), (on_line_2, "2")):
        row = page.get_by_role("row").filter(has_text=ticket.number)
        expect(row).to_contain_text(ticket.subject)
        expect(row.locator("td").nth(5)).to_have_text(
            line
        )  # the Line column, after the checkbox

    admin_page = new_page()
    log_in(admin_page, admin)
    admin_page.get_by_text("Administration").click()  # the top bar's drop-down
    admin_page.get_by_role("link", name="Users").click()
    expect(admin_page).to_have_url(re.compile(r"/admin/users$"))
    admin_page.get_by_role("link", name="Ivan Promoted").click()
    expect(admin_page.get_by_role("heading", name=agent.email)).to_be_visible()
    admin_page.get_by_label("Role").select_option(label="Line 2 agent")
    admin_page.get_by_role("button", name="Save", exact=True).click()

    expect(admin_page).to_have_url(re.compile(r"/admin/users$"))
    expect(admin_page.get_by_role("status")).to_have_text(f"User {agent.email} saved.")
    row = admin_page.get_by_role("row").filter(has_text=agent.email)
    expect(row).to_contain_text("Line 2 agent")


def test_pages_are_in_russian_for_a_russian_browser(new_page):
    russian = new_page(locale="ru-RU")
    russian.goto("/login")
    expect(russian.locator("html")).to_have_attribute("lang", "ru")

    english = new_page(locale="en-US")
    english.goto("/login")
    expect(english.locator("html")).to_have_attribute("lang", "en")


def _csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return found


def test_the_sla_dashboard_draws_its_charts_under_the_content_security_policy(
    page, given, log_in
):
    manager = given(make_user, role=Role.MANAGER)
    given(make_ticket, subject="Printer jams")
    violations = _csp_violations(page)
    log_in(page, manager)

    page.goto("/sla")

    for chart in ("period", "line", "priority", "policy", "backlog"):
        page.wait_for_function(
            "id => window.Chart && Chart.getChart(document.getElementById(id))",
            arg=f"chart-{chart}",
        )
    assert violations == []


def test_the_queue_select_all_box_works_without_inline_handlers(page, given, log_in):
    manager = given(make_user, role=Role.MANAGER)
    for subject in ("Printer jams", "VPN drops"):
        given(make_ticket, subject=subject)
    violations = _csp_violations(page)
    log_in(page, manager)

    page.get_by_label("Select all").check()

    boxes = page.locator("input[name=ticket_ids]")
    expect(boxes).to_have_count(2)
    for index in range(2):
        expect(boxes.nth(index)).to_be_checked()
    assert violations == []
