"""The knowledge base in a real browser: a customer's request answered by a
suggestion, and a call resolved with an article on one page (no page load
from finding the caller to the resolved ticket)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.outbox.models import OutboxMessage
from helpdesk.vocabulary import Role
from knowledge_base.models import Deflection, Visibility
from tests.builders import make_category, make_user
from tests.knowledge_base.builders import make_article

pytestmark = pytest.mark.browser


def count(app, model) -> int:
    with app.app_context():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
        return n


def test_a_customer_sees_suggestions_while_typing_and_is_helped_without_a_ticket(
    page, given, log_in, app, screenshot
):
    given(make_category, "hardware", name_en="Hardware", name_ru="Оборудование")
    given(
        make_article,
        title="Принтер пишет «Замятие бумаги»",
        body="Откройте **заднюю крышку** и выньте обрывок листа.",
    )
    given(
        make_article,
        title="Принтер: инструкция для агентов",
        visibility=Visibility.INTERNAL,
    )
    given(make_article, title="VPN error 809", body="Reboot the router.")
    customer = given(make_user, role=Role.CUSTOMER, name="Anna")

    log_in(page, customer)
    page.goto("/tickets/new")
    suggestions = page.locator(".kb-suggestions")
    expect(suggestions).to_be_hidden()
    page.get_by_label("Subject").press_sequentially("Не печатает принтера", delay=20)

    expect(suggestions).to_be_visible()
    hits = suggestions.locator("li.kb-hit")
    expect(hits).to_have_count(1)
    expect(hits.first.locator("a mark")).to_have_text("Принтер")
    expect(suggestions).not_to_contain_text("инструкция для агентов")
    screenshot(page, "kb-suggestions")

    hits.first.get_by_role("button", name="This solved my problem").click()

    expect(page.get_by_role("status")).to_have_text(
        "Thank you! We are glad the article solved your problem — no request needed."
    )
    expect(
        page.get_by_role("heading", name="Принтер пишет «Замятие бумаги»")
    ).to_be_visible()
    assert count(app, Deflection) == 1
    assert count(app, Ticket) == 0


def test_a_line1_agent_resolves_a_call_with_an_article_without_leaving_the_page(
    page, given, log_in, app, screenshot
):
    given(make_category, "access", name_en="Access", name_ru="Доступ")
    given(
        make_article,
        title="VPN error 809",
        body="Choose the **Office-SSL** profile in FortiClient.",
        category="access",
        tags=["vpn"],
    )
    agent = given(make_user, role=Role.LINE1, name="Lena Agent")
    caller = given(make_user, role=Role.CUSTOMER, name="Pavel", phone="+74951234567")

    log_in(page, agent)
    expect(page).to_have_url(re.compile(r"/phone$"))
    # From here on the console is one page: no load, the same document. The
    # console's own load may still be under way (scripts arrive late on a busy
    # machine); only loads after it count.
    page.wait_for_load_state("load")
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.evaluate("window.sameDocument = true")

    page.get_by_role("searchbox", name="Find the caller").fill("+7 495 123-45-67")
    page.get_by_role("button", name="Find").click()
    # The only match is selected at once; the address follows.
    expect(page.locator("#phone-console article header")).to_contain_text("Pavel")
    expect(page).to_have_url(re.compile(rf"/phone\?requester_id={caller.id}$"))
    # What the caller says goes in as the subject; the search follows it.
    page.get_by_label("Subject").press_sequentially("VPN says error 809", delay=20)
    expect(
        page.get_by_role("searchbox", name="Search the knowledge base")
    ).to_have_value("VPN says error 809")
    hit = page.locator(".kb-panel li.kb-hit").filter(has_text="VPN error 809")
    expect(hit.locator("mark").first).to_have_text("VPN")
    screenshot(page, "kb-phone")
    hit.get_by_role("button", name="Resolved with this article").click()

    expect(page.get_by_role("status")).to_have_text(
        re.compile(
            r"^HD-\d{6} registered and resolved on the call with “VPN error 809”\.$"
        )
    )
    recent = page.locator("aside article").filter(
        has_text="Recent tickets of this caller"
    )
    expect(recent).to_contain_text("Resolved")
    expect(recent).to_contain_text("VPN says error 809")
    expect(page.locator("#just-registered")).to_contain_text("VPN says error 809")
    assert loads == [] and page.evaluate("window.sameDocument") is True
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket))
        assert (ticket.channel.value, ticket.status.value) == ("phone", "resolved")
        assert (ticket.subject, ticket.description) == (
            "VPN says error 809",
            "VPN says error 809",
        )
        mail = db.session.scalar(
            sa.select(OutboxMessage).where(
                OutboxMessage.payload["event"].as_string() == "agent_replied"
            )
        )
        assert "Choose the Office-SSL profile in FortiClient." in mail.body
        assert "**" not in mail.body and "<strong>Office-SSL</strong>" in mail.html
        db.session.remove()
