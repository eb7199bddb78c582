"""The knowledge base in a real browser: a customer's request answered by a
suggestion, and a call resolved with an article in three clicks."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import Role, Ticket
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


def test_a_line1_agent_resolves_a_call_with_an_article_in_three_clicks(
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
    given(make_user, role=Role.CUSTOMER, name="Pavel", phone="+74951234567")

    log_in(page, agent)
    expect(page).to_have_url(re.compile(r"/phone$"))
    clicks = 0
    page.get_by_role("searchbox", name="Find the caller").fill("+7 495 123-45-67")
    page.get_by_role("button", name="Find").click()
    clicks += 1  # the only match is selected at once
    page.get_by_role("searchbox", name="Search the knowledge base").press_sequentially(
        "vpn 809", delay=20
    )
    hit = page.locator(".kb-panel li.kb-hit").filter(has_text="VPN error 809")
    expect(hit.locator("mark").first).to_have_text("VPN")
    screenshot(page, "kb-phone")
    hit.get_by_role("button", name="Resolved with this article").click()
    clicks += 1

    expect(page.get_by_role("status")).to_have_text(
        re.compile(
            r"^HD-\d{6} registered and resolved on the call with “VPN error 809”\.$"
        )
    )
    recent = page.locator("aside article").filter(
        has_text="Recent tickets of this caller"
    )
    expect(recent).to_contain_text("Resolved")
    expect(recent).to_contain_text("VPN error 809")
    assert clicks <= 3  # two now: the only caller found is selected at once
    with app.app_context():
        ticket = db.session.scalar(sa.select(Ticket))
        assert (ticket.channel.value, ticket.status.value) == ("phone", "resolved")
        db.session.remove()
