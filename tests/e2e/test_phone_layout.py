"""Every page of every role on a 390 px wide phone and an 800 px tablet, the
customer's view, and the choices of filters and forms on a laptop.

The pages come from the app's URL map - every GET route without arguments,
and those whose arguments are ids the demo data has (a ticket, an article, a
rule…) or one of a route's fixed words (each report) - so a new page is
walked without an edit here. One browser, one context per role, one login
each.
"""

from __future__ import annotations

import itertools
import re

import pytest
import sqlalchemy as sa
from flask import url_for
from playwright.sync_api import expect
from werkzeug.routing.converters import AnyConverter

from helpdesk.custom_fields.models import CustomField
from helpdesk.extensions import db
from helpdesk.macros.models import Macro
from helpdesk.models import Category, Ticket, User
from helpdesk.organisations.models import Organisation
from helpdesk.service import accounts, lines
from helpdesk.service import tickets as ticket_service
from helpdesk.vocabulary import Priority, TicketStatus
from knowledge_base.models import Article, CannedResponse
from routing.models import Defect, RoutingRule
from sla.models import BusinessCalendar, SlaPolicy

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# (a tablet's content column is narrower than a laptop's: what fits it fits those)
TABLET = {"width": 800, "height": 1024}
LAPTOP = {"width": 1280, "height": 800}
DEMO_PASSWORD = "demo"
ROLES = {
    "anonymous": None,
    "customer": "customer@example.com",
    "line1": "line1@example.com",
    "line2": "line2@example.com",
    "line3": "line3@example.com",
    "manager": "manager@example.com",
    "admin": "admin@example.com",
}
# Arguments filled with the id of a demo row (the first one).
ARGUMENT_MODELS = {
    "article_id": Article,
    "rule_id": RoutingRule,
    "policy_id": SlaPolicy,
    "calendar_id": BusinessCalendar,
    "user_id": User,
    "canned_id": CannedResponse,
    "macro_id": Macro,
    "organisation_id": Organisation,
    "category_id": Category,
    "field_id": CustomField,
    "defect_id": Defect,
}
# Not pages: files (``.csv``, ``.<any(csv, xlsx):fmt>``), feeds and machine
# endpoints (a queue's rows alone, for its refresh loop).
NOT_PAGES = re.compile(
    r"^/(api|static|kb/static|healthz|metrics|queue/rows)\b|\.(\w+|<[^>]+>)$"
)


def _demo_world(runner, app) -> dict:
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        first = {
            arg: db.session.scalar(sa.select(sa.func.min(model.id)))
            for arg, model in ARGUMENT_MODELS.items()
        }
        # (a model the demo has no row of: its pages are not walked)
        ids = {arg: id_ for arg, id_ in first.items() if id_ is not None}
        ids["number"] = 1  # an article's first version
        customer = accounts.find_user_by_email(ROLES["customer"])
        ticket = db.session.scalar(
            sa.select(Ticket).where(Ticket.requester_id == customer.id).limit(1)
        )
        ids["ticket_id"] = ticket.id
        return ids


@pytest.fixture
def demo(saved_world, runner, app) -> dict:
    """The demo data (``flask demo load``), loaded once and put back."""
    return saved_world("demo data", lambda: _demo_world(runner, app))


def page_urls(app, ids: dict) -> list[str]:
    """Every GET page whose arguments are all ids of the demo data or one of
    a fixed set of words (``<any(volume,csat):name>``: each of them)."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or NOT_PAGES.search(rule.rule):
                continue
            for values in _argument_values(rule, ids):
                urls.append(url_for(rule.endpoint, **values))
    return sorted(set(urls))


def _argument_values(rule, ids: dict) -> list[dict]:
    """Every way to fill the rule's arguments (none when one can't be)."""
    choices = []
    for argument in sorted(rule.arguments):
        converter = rule._converters[argument]
        if argument in ids:
            choices.append([(argument, ids[argument])])
        elif isinstance(converter, AnyConverter):
            choices.append([(argument, word) for word in sorted(converter.items)])
        else:
            return []
    return [dict(combination) for combination in itertools.product(*choices)]


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Demo users read their own language: the welcome is not always English.
    expect(page).not_to_have_url(re.compile(r"/login"))


def _pages_of_the_role(app, context, urls: list[str], role: str) -> list[str]:
    """The URLs that are this role's HTML pages, asked in process with the
    browser's session cookie: a page refused to the role, or one that sends
    it to the login form, is one error page or the login form again, and
    loading each of those in the browser was most of the walk's time."""
    client = app.test_client()
    for cookie in context.cookies():
        client.set_cookie(cookie["name"], cookie["value"])
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, f"{role} {url}: {response.status_code}"
        if response.status_code == 200 and response.mimetype == "text/html":
            pages.append(url)
    return pages


# The labels whose small hint is drawn over their own checkbox or radio button
# (Pico draws an input's next <small> as a help line pulled up under a field).
OVERLAPS = """() => [...document.querySelectorAll("label")].flatMap((label) => {
  const box = label.querySelector("input[type=checkbox], input[type=radio]");
  if (!box || box.offsetParent === null) return [];
  const a = box.getBoundingClientRect();
  const over = [...label.querySelectorAll("small")].some((hint) =>
    [...hint.getClientRects()].some((b) =>
      b.left < a.right && a.left < b.right && b.top < a.bottom && a.top < b.bottom));
  return over ? [label.textContent.trim().slice(0, 60)] : [];
})"""


# Each role's walk is its own test, so the workers share the ~200 page loads;
# the fewest of its own pages each role must reach (not only the login form).
LEAST_PAGES = {
    "anonymous": 2,
    "customer": 5,
    "line1": 8,
    "line2": 5,
    "line3": 5,
    "manager": 20,
    "admin": 24,
}


@pytest.mark.parametrize("screen", [PHONE, TABLET], ids=["phone", "tablet"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_every_role_fits_the_screen_without_sideways_scroll(
    browser, live_server, app, demo, role, screen
):
    urls = page_urls(app, demo)
    assert {"/queue", f"/tickets/{demo['ticket_id']}", "/sla", "/kb"} <= set(urls)
    too_wide, overlapped, seen = [], [], 0
    context = browser.new_context(base_url=live_server, viewport=screen)
    page = context.new_page()
    if ROLES[role]:
        _log_in(page, ROLES[role])
    for url in _pages_of_the_role(app, context, urls, role):
        # The page's stylesheets come before its deferred scripts, so at
        # DOMContentLoaded the layout is final; images need not load.
        response = page.goto(url, wait_until="domcontentloaded")
        assert response.status == 200, f"{role} {url}: {response.status}"
        seen += 1
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > screen["width"]:
            too_wide.append(f"{role} {url}: {width} px")
        overlapped += [f"{role} {url}: {label}" for label in page.evaluate(OVERLAPS)]
    context.close()
    assert not too_wide, "pages wider than the screen:\n" + "\n".join(too_wide)
    assert not overlapped, "hints over their checkbox:\n" + "\n".join(overlapped)
    assert seen >= LEAST_PAGES[role], f"{role} reached only {seen} pages"


def _staff_work_on_the_customers_ticket(app, ticket_id: int) -> None:
    """What staff do that the requester must not see: priority, tags, line."""
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        manager = accounts.find_user_by_email(ROLES["manager"])
        now = ticket.updated_at
        ticket_service.update_ticket(
            ticket,
            {"priority": Priority.P1, "tags": ["vip", "printer"]},
            actor=manager,
            now=now,
        )
        lines.move_to_line(ticket, 2, reason="Needs line 2", actor=manager, now=now)
        ticket_service.change_status(
            ticket, TicketStatus.RESOLVED, actor=manager, now=now
        )
        db.session.commit()


def test_a_customer_sees_no_staff_labels_no_token_panel_and_no_preset_rating(
    app, demo, new_page
):
    _staff_work_on_the_customers_ticket(app, demo["ticket_id"])
    page = new_page()
    _log_in(page, ROLES["customer"])

    page.goto(f"/tickets/{demo['ticket_id']}")
    header = page.locator("hgroup")
    expect(header).to_contain_text("Решена")  # the demo customer reads Russian
    for label in ("Линия", "P1", "P3", "#vip"):
        expect(header).not_to_contain_text(label)
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Заявка зарегистрирована")
    for internal in ("Приоритет", "P1", "vip", "линии", "Линия"):
        expect(timeline).not_to_contain_text(internal)

    radios = page.locator("#rate input[type=radio]")
    expect(radios).to_have_count(5)
    for n in range(5):
        expect(radios.nth(n)).not_to_be_checked()
    page.locator("#rate button[type=submit]").click()
    expect(page.locator("#score-error")).to_have_text("Поставьте оценку от 1 до 5.")
    expect(page.locator("#rate")).to_be_visible()  # the form, not a bare error page

    page.goto("/profile")
    expect(page.get_by_role("heading", name="Профиль")).to_be_visible()
    expect(page.locator("#api-tokens")).to_have_count(0)


def test_on_a_phone_the_menu_folds_and_log_out_is_two_taps_away(
    browser, live_server, demo
):
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    _log_in(page, ROLES["manager"])
    log_out = page.get_by_role("button", name="Выйти")
    expect(page.locator("#nav-menu")).to_be_hidden()

    page.locator("label.nav-toggle-label").click()
    expect(page.get_by_role("link", name="Очередь", exact=True)).to_be_visible()
    page.locator("summary", has_text="Администрирование").click()
    expect(page.get_by_role("link", name="Политики SLA")).to_be_visible()
    page.locator("summary", has_text="Мария Руководитель").click()
    expect(log_out).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    log_out.click()
    expect(page).to_have_url(re.compile(r"/login"))
    context.close()


# The selects whose chosen text is wider than the box leaves for it.
CLIPPED_SELECTS = """() => [...document.querySelectorAll("main select")].filter((s) => {
  const chosen = s.options[s.selectedIndex];
  if (!chosen || !s.offsetWidth) return false;
  const style = getComputedStyle(s);
  const text = document.createElement("canvas").getContext("2d");
  text.font = style.font;
  const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return text.measureText(chosen.text).width > room + 1;
}).map((s) => s.name + ": " + s.options[s.selectedIndex].text)"""


def _rule_assigning_the_least_loaded(app) -> int:
    with app.app_context():
        rules = db.session.scalars(sa.select(RoutingRule).order_by(RoutingRule.id))
        return next(
            rule.id
            for rule in rules
            if any(a.get("type") == "assign_least_loaded" for a in rule.actions)
        )


def test_on_a_laptop_filters_and_forms_show_their_choices_whole_in_russian(
    browser, live_server, app, demo
):
    rule_id = _rule_assigning_the_least_loaded(app)  # its action's name is long
    context = browser.new_context(base_url=live_server, viewport=LAPTOP)
    page = context.new_page()
    _log_in(page, ROLES["manager"])  # (Мария reads Russian)
    clipped = []
    pages = (
        "/queue",
        "/reports/volume",
        "/reports/csat",
        "/sla",
        f"/routing/rules/{rule_id}",
    )
    for url in pages:
        page.goto(url)
        clipped += [f"{url} {name}" for name in page.evaluate(CLIPPED_SELECTS)]
    context.close()
    assert not clipped, "choices cut short:\n" + "\n".join(clipped)
