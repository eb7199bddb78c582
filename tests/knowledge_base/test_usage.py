"""How articles are used: deflections on the request form, calls resolved
with an article, links, votes, views, and the statistics built from them."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from helpdesk.errors import Conflict, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Comment, Ticket
from helpdesk.outbox.models import OutboxMessage
from helpdesk.vocabulary import Channel, Priority, Role, TicketStatus
from knowledge_base.models import (
    ArticleStatus,
    ArticleTicketLink,
    Deflection,
    LinkKind,
    Visibility,
)
from knowledge_base.service import usage
from knowledge_base.service.stats import kb_stats
from tests.builders import PASSWORD, make_ticket, make_user
from tests.knowledge_base.builders import make_article


def count(model, *conditions) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(model).where(*conditions)
    )


# --- the customer's side ------------------------------------------------------------


def test_suggestions_answer_public_articles_for_a_typed_subject(client, given, login):
    login(given(make_user))
    given(make_article, title="Принтер не печатает", body="Очистите очередь.")
    given(
        make_article,
        title="Принтер: внутренняя инструкция",
        visibility=Visibility.INTERNAL,
    )
    given(make_article, title="Принтер: черновик", status=ArticleStatus.DRAFT)

    body = client.get("/api/v1/kb/suggestions?q=Не печатает принтера").json

    assert [i["title"] for i in body["items"]] == ["Принтер не печатает"]
    assert body["next_cursor"] is None
    assert (
        body["items"][0]["title_html"]
        == "<mark>Принтер</mark> не <mark>печатает</mark>"
    )


def test_the_request_form_carries_the_suggestion_panel_for_customers_only(
    client, given, login
):
    login(given(make_user))
    page = client.get("/tickets/new").get_data(as_text=True)
    assert 'data-endpoint="/api/v1/kb/suggestions"' in page
    assert 'data-action="/kb/articles/__ID__/deflections"' in page
    assert "This solved my problem" in page


def test_this_solved_my_problem_records_a_deflection_and_no_ticket(
    client, given, login, app
):
    customer = login(given(make_user))
    article = given(make_article, title="VPN error 809")

    reading = client.get(f"/kb/articles/{article.id}?subject=VPN+809")
    assert "This solved my problem" in reading.get_data(as_text=True)
    response = client.post(
        f"/kb/articles/{article.id}/deflections",
        data={"subject": "VPN 809"},
        follow_redirects=True,
    )

    assert "no request needed" in response.get_data(as_text=True)
    with app.app_context():
        deflection = db.session.scalar(sa.select(Deflection))
        assert (deflection.article_id, deflection.user_id, deflection.subject) == (
            article.id,
            customer.id,
            "VPN 809",
        )
        assert count(Ticket) == 0


def test_only_customers_deflect_and_only_with_public_articles(client, given, login):
    internal = given(make_article, visibility=Visibility.INTERNAL)
    public = given(make_article)
    login(given(make_user))
    assert client.post(f"/kb/articles/{internal.id}/deflections").status_code == 404
    client.post("/logout")
    login(given(make_user, role=Role.LINE1))
    assert client.post(f"/kb/articles/{public.id}/deflections").status_code == 403


def test_votes_one_per_user_and_a_new_vote_replaces_it(ctx, clock):
    article = make_article()
    alice, bob = make_user(), make_user()
    usage.vote(article, helpful=True, actor=alice, now=clock.now())
    usage.vote(article, helpful=True, actor=bob, now=clock.now())
    usage.vote(article, helpful=False, actor=bob, now=clock.now())

    numbers = usage.article_usage(article)
    assert (numbers.helpful, numbers.not_helpful) == (1, 1)
    assert usage.user_vote(article, bob) is False


def test_the_article_page_counts_views_per_day_and_shows_staff_the_numbers(
    client, given, login, clock
):
    article = given(make_article, title="Wi-Fi")
    login(given(make_user, role=Role.LINE1))
    client.get(f"/kb/articles/{article.id}")
    clock.advance(days=1)
    client.get(f"/kb/articles/{article.id}")
    client.post(f"/kb/articles/{article.id}/votes", data={"helpful": "true"})

    page = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    numbers = page.split('<div class="kb-numbers">')[1].split("</div>")[0]
    assert "<strong>3</strong>views" in numbers.replace("\n", "").replace(" ", "")
    assert "<strong>1</strong>helpful" in numbers.replace("\n", "").replace(" ", "")


def test_customers_see_no_usage_numbers(client, given, login):
    article = given(make_article)
    login(given(make_user))
    page = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    assert "kb-numbers" not in page and "Linked tickets" not in page


# --- the phone console --------------------------------------------------------------


def resolve(client, caller, article, **fields):
    return client.post(
        "/kb/phone/resolve",
        data={"requester_id": caller.id, "article_id": article.id} | fields,
    )


def test_resolved_with_this_article_registers_a_resolved_phone_ticket(
    client, given, login, app
):
    agent = login(given(make_user, role=Role.LINE1))
    caller = given(make_user, name="Olga")
    article = given(
        make_article,
        title="Printer jam",
        body="Open the **back cover**.",
        category="hardware",
    )

    response = resolve(client, caller, article, subject="", priority="P2")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/phone?requester_id={caller.id}&created=1"
    with app.app_context():
        ticket = db.session.get(Ticket, 1)
        assert (ticket.channel, ticket.status, ticket.subject, ticket.requester_id) == (
            Channel.PHONE,
            TicketStatus.RESOLVED,
            "Printer jam",
            caller.id,
        )
        assert ticket.category.code == "hardware" and ticket.priority.value == "P2"
        reply = db.session.scalar(sa.select(Comment))
        # The article as people read it, never its Markdown source.
        assert (reply.body, reply.internal, reply.author_id) == (
            "Open the back cover.",
            False,
            agent.id,
        )
        assert "<strong>back cover</strong>" in reply.body_html
        link = db.session.scalar(sa.select(ArticleTicketLink))
        assert (link.article_id, link.kind) == (article.id, LinkKind.RESOLVED_ON_CALL)
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "HD-000001 registered and resolved on the call with “Printer jam”." in flashed
    )


def test_the_caller_gets_the_article_as_readable_text_and_html_not_markdown(
    client, given, login, app
):
    login(given(make_user, role=Role.LINE1))
    caller = given(make_user, name="Olga")
    article = given(
        make_article,
        title="VPN error 809",
        body="Choose the **Office-SSL** profile:\n\n1. Open [FortiClient]"
        "(https://vpn.example.test/help)\n2. Press *Connect*",
    )

    resolve(client, caller, article, description="VPN says error 809")

    with app.app_context():
        mail = db.session.scalar(
            sa.select(OutboxMessage).where(
                OutboxMessage.recipient == caller.email,
                OutboxMessage.payload["event"].as_string() == "agent_replied",
            )
        )
        assert "Choose the Office-SSL profile:\n\n1. Open FortiClient" in mail.body
        assert "(https://vpn.example.test/help)\n2. Press Connect" in mail.body
        assert "**" not in mail.body and "](" not in mail.body
        assert "<strong>Office-SSL</strong>" in mail.html and "<ol>" in mail.html
        assert "**" not in mail.html


def test_the_callers_own_words_are_the_subject_and_description(
    client, given, login, app
):
    login(given(make_user, role=Role.LINE1))
    caller = given(make_user)
    article = given(make_article, title="Printer jam")

    # Only the knowledge base was searched: those are the words heard.
    resolve(client, caller, article, query="printer says paper jam")
    # Only a description: its first line is the subject.
    resolve(client, caller, article, description="HP on floor 3 jams\nSince 9 am")

    with app.app_context():
        first, second = db.session.scalars(sa.select(Ticket).order_by(Ticket.id))
        assert (first.subject, first.description) == (
            "printer says paper jam",
            "printer says paper jam",
        )
        assert (second.subject, second.description) == (
            "HP on floor 3 jams",
            "HP on floor 3 jams\nSince 9 am",
        )


def test_the_typed_subject_and_solution_win_over_the_article(client, given, login, app):
    login(given(make_user, role=Role.LINE1))
    caller = given(make_user)
    article = given(make_article, title="Printer jam")

    resolve(
        client,
        caller,
        article,
        subject="HP on floor 3 jams",
        description="Paper stuck",
        solution="Removed a scrap from the tray.",
    )

    with app.app_context():
        ticket = db.session.get(Ticket, 1)
        assert (ticket.subject, ticket.description) == (
            "HP on floor 3 jams",
            "Paper stuck",
        )
        assert (
            db.session.scalar(sa.select(Comment.body))
            == "Removed a scrap from the tray."
        )


def test_an_internal_article_never_reaches_the_caller(client, given, login, app):
    login(given(make_user, role=Role.LINE1))
    caller = given(make_user)
    article = given(
        make_article,
        title="Reset in AD (agents)",
        body="Admin console password: hunter2",
        visibility=Visibility.INTERNAL,
    )

    resolve(client, caller, article)

    with app.app_context():
        assert db.session.scalar(sa.select(Comment.body)) == "Resolved during the call."
    customer_client = app.test_client()
    customer_client.post("/login", data={"email": caller.email, "password": PASSWORD})
    page = customer_client.get("/tickets/1").get_data(as_text=True)
    assert "hunter2" not in page and "Reset in AD" not in page
    events = customer_client.get("/api/v1/tickets/1/events").json["items"]
    assert events and "kb_article_linked" not in {e["kind"] for e in events}


def test_the_console_shows_the_search_panel_and_one_click_resolve_with_a_caller(
    client, given, login
):
    login(given(make_user, role=Role.LINE1))
    caller = given(make_user)

    without = client.get("/phone").get_data(as_text=True)
    assert 'id="kb-phone-q"' in without and "data-action" not in without
    page = client.get(f"/phone?requester_id={caller.id}").get_data(as_text=True)
    assert 'data-action="/kb/phone/resolve"' in page
    assert f'data-fields=\'{{"requester_id": "{caller.id}"}}\'' in page


def test_a_refused_resolve_goes_back_to_the_console_with_the_reason(
    client, given, login, app
):
    login(given(make_user, role=Role.LINE1))
    caller = given(make_user)
    draft = given(make_article, status=ArticleStatus.DRAFT)
    staff = given(make_user, role=Role.LINE2)

    response = resolve(client, caller, draft)
    assert response.headers["Location"] == f"/phone?requester_id={caller.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only a published article can resolve a call." in page
    article = given(make_article)
    resolve(client, staff, article)
    assert "Find or create the caller first." in client.get("/phone").get_data(
        as_text=True
    )
    with app.app_context():
        assert count(Ticket) == 0


# --- links from the ticket page -------------------------------------------------------


def test_any_agent_links_an_article_to_any_ticket_and_can_undo_it(
    client, given, login, app
):
    login(given(make_user, role=Role.LINE3))  # not the ticket's line
    ticket = given(make_ticket, line=1)
    article = given(make_article, title="VPN setup", visibility=Visibility.INTERNAL)

    response = client.post(
        f"/kb/tickets/{ticket.id}/links", data={"article_id": article.id}
    )
    client.post(f"/kb/tickets/{ticket.id}/links", data={"article_id": article.id})

    assert response.headers["Location"] == f"/tickets/{ticket.id}"
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "VPN setup" in page and "Unlink" in page
    with app.app_context():
        assert count(ArticleTicketLink) == 1
    client.post(f"/kb/tickets/{ticket.id}/links/{article.id}/delete")
    with app.app_context():
        assert count(ArticleTicketLink) == 0


def test_the_requester_sees_linked_public_articles_only(client, given, login, app):
    customer = given(make_user)
    ticket = given(make_ticket, requester=customer)
    agent = login(given(make_user, role=Role.LINE1))
    public = given(make_article, title="Public help", author=agent)
    internal = given(make_article, title="Agent notes", visibility=Visibility.INTERNAL)
    for article in (public, internal):
        client.post(f"/kb/tickets/{ticket.id}/links", data={"article_id": article.id})

    customer_client = app.test_client()
    customer_client.post("/login", data={"email": customer.email, "password": PASSWORD})
    page = customer_client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Public help" in page and "Agent notes" not in page
    assert "kb_article_linked" not in page


def test_a_resolution_on_the_call_cannot_be_unlinked(ctx, clock):
    agent = make_user(role=Role.LINE1)
    article = make_article()
    ticket = usage.resolve_call_with_article(
        article,
        {"priority": Priority.P3},
        caller=make_user(),
        actor=agent,
        now=clock.now(),
    )
    with pytest.raises(Conflict):
        usage.unlink_article(article, ticket, actor=agent, now=clock.now())


def test_customers_cannot_link(ctx, clock):
    customer = make_user()
    with pytest.raises(PermissionDenied):
        usage.link_article(
            make_article(),
            make_ticket(requester=customer),
            actor=customer,
            now=clock.now(),
        )


# --- statistics ----------------------------------------------------------------------


def test_deflection_and_first_contact_resolution_rates(ctx, clock):
    now = clock.now()
    agent = make_user(role=Role.LINE1)
    customer = make_user()
    printer = make_article(title="Printer")
    vpn = make_article(title="VPN")
    # In the period: 3 deflections, 1 web ticket -> 75 %.
    for article in (printer, printer, vpn):
        usage.deflect(article, subject="help", actor=customer, now=now)
    make_ticket(requester=customer, channel=Channel.WEB, at=now)
    # 4 phone tickets, 2 resolved on the call with an article -> 50 %.
    for article in (printer, vpn):
        usage.resolve_call_with_article(
            article, {"priority": Priority.P3}, caller=customer, actor=agent, now=now
        )
    for _ in range(2):
        make_ticket(requester=customer, channel=Channel.PHONE, actor=agent, at=now)
    usage.link_article(
        vpn, make_ticket(requester=customer, at=now), actor=agent, now=now
    )
    # Long before the period: counted nowhere.
    old = now - timedelta(days=60)
    usage.deflect(vpn, subject="old", actor=customer, now=old)
    make_ticket(requester=customer, channel=Channel.PHONE, actor=agent, at=old)
    usage.record_view(printer, now=now)
    usage.record_view(printer, now=now)
    usage.record_view(vpn, now=old)
    usage.vote(printer, helpful=True, actor=customer, now=now)

    stats = kb_stats(start=now - timedelta(days=30), end=now + timedelta(days=1))

    assert (stats.deflections, stats.web_tickets) == (3, 2)  # 1 + the linked one
    assert stats.deflection_rate == pytest.approx(3 / 5)
    assert (stats.resolved_on_call, stats.phone_tickets) == (2, 4)
    assert stats.first_contact_resolution_rate == pytest.approx(0.5)
    top = {a.title: a for a in stats.top}
    assert [a.title for a in stats.top] == ["Printer", "VPN"]
    assert (
        top["Printer"].views,
        top["Printer"].deflections,
        top["Printer"].helpful,
    ) == (
        2,
        2,
        1,
    )
    assert (
        top["VPN"].views,
        top["VPN"].linked_tickets,
        top["VPN"].resolved_on_call,
    ) == (
        0,
        2,
        1,
    )


def test_rates_are_empty_without_any_traffic(ctx, clock):
    stats = kb_stats(start=clock.now() - timedelta(days=7), end=clock.now())
    assert stats.deflection_rate is None
    assert stats.first_contact_resolution_rate is None
    assert stats.top == []


def test_the_stats_page_shows_rates_for_managers(client, given, login):
    customer = given(make_user)
    article = given(make_article, title="Mailbox full")
    login(customer)
    client.post(f"/kb/articles/{article.id}/deflections", data={"subject": "mail"})
    client.post("/logout")

    login(given(make_user, role=Role.MANAGER))
    page = client.get("/kb/stats?days=7").get_data(as_text=True)
    assert "100.0 %" in page and "Mailbox full" in page
    assert client.get("/kb/stats?days=5").status_code == 422


def test_the_kb_timeline_entry_names_the_article(app, given):
    from flask import render_template_string

    agent = given(make_user, role=Role.LINE1)
    article = given(make_article, title="VPN <setup>")
    with app.test_request_context():
        html = render_template_string(
            '{% include "knowledge_base/_event.html" %}',
            event=SimpleNamespace(
                kind="kb_article_linked",
                actor=agent,
                created_at=article.created_at,
                data={
                    "article_id": article.id,
                    "title": article.title,
                    "kind": "linked",
                },
            ),
        )
    assert "Article linked:" in html and "VPN &lt;setup&gt;" in html
    assert f'href="/kb/articles/{article.id}"' in html
