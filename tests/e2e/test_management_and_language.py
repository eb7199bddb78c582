"""Managers and admins in a real browser; the page language follows the browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpdesk.models import Role
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
    admin_page.get_by_role("link", name="Users").click()
    expect(admin_page).to_have_url(re.compile(r"/admin/users$"))
    admin_page.get_by_role("link", name="Ivan Promoted").click()
    expect(admin_page.get_by_role("heading", name=agent.email)).to_be_visible()
    admin_page.get_by_label("Role").select_option(label="Line 2 agent")
    admin_page.get_by_role("button", name="Save").click()

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
