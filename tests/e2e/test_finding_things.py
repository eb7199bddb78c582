"""Finding things in a real browser: the top bar's search by number and by a
word of a comment, and a caller found on the phone console by ``8 495 …``."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from helpdesk.vocabulary import Role
from tests.builders import make_category, make_comment, make_ticket, make_user


def test_an_agent_opens_a_ticket_by_its_number_and_finds_one_by_a_comment_word(
    page, given, log_in, screenshot
):
    agent = given(make_user, role=Role.LINE1, name="Lena Agent")
    wanted = given(make_ticket, subject="Badge reader at the door", description="x")
    noted = given(make_ticket, subject="Meeting room screen", description="Blank")
    given(make_comment, noted, author=agent, body="The projectors were replaced")
    given(make_ticket, subject="Another ticket", description="Nothing to see")

    log_in(page, agent)
    box = page.get_by_role("searchbox", name="Search tickets")
    box.fill(str(wanted.id))
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{wanted.id}$"))
    expect(page.get_by_role("heading", level=2)).to_contain_text(wanted.number)

    box = page.get_by_role("searchbox", name="Search tickets")
    box.fill("projector")  # the comment said "projectors"
    box.press("Enter")
    results = page.locator("table.search-results tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(noted.number)
    screenshot(page, "search")
    results.first.get_by_role("link", name=noted.number).click()
    expect(page).to_have_url(re.compile(rf"/tickets/{noted.id}$"))


def test_a_caller_dialled_as_8_495_is_found_and_selected_at_once(
    page, given, log_in, screenshot
):
    given(make_category, "access")
    agent = given(make_user, role=Role.LINE1, name="Lena Agent")
    given(make_user, name="Pavel Orlov", phone="+7 (495) 123-45-67")
    given(make_user, name="Pavla Other", phone="+7 (812) 765-43-21")

    log_in(page, agent)
    page.goto("/phone")
    page.get_by_role("searchbox", name="Find the caller").fill("8 495 123-45-67")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("article header")).to_contain_text("Pavel Orlov")
    expect(page.get_by_label("Subject")).to_be_visible()
    screenshot(page, "caller-found")
