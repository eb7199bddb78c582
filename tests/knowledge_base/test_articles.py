"""Writing articles: sanitised Markdown, versions and restore, concurrent
edits, an article from a resolved ticket — through services and pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from helpdesk.errors import Conflict, PermissionDenied
from helpdesk.extensions import db
from helpdesk.vocabulary import Role, TicketStatus
from knowledge_base.markup import plain_text, render_markdown
from knowledge_base.models import (
    Article,
    ArticleStatus,
    ArticleTicketLink,
    LinkKind,
    Visibility,
)
from knowledge_base.service import articles as article_service
from tests.builders import make_category, make_comment, make_ticket, make_user
from tests.knowledge_base.builders import make_article

# --- sanitising -------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<svg onload=alert(1)></svg>",
    "<iframe src=https://evil.example></iframe>",
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
    "<object data=x></object><embed src=x>",
    "<form action=https://evil.example><input name=p></form>",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_no_script_survives_rendering(source):
    html = render_markdown(source).lower()
    for needle in (
        "<script",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "data:",
        "<iframe",
        "<svg",
        "<object",
        "<embed",
        "<form",
        "style=",
    ):
        assert needle not in html, (source, html)


def test_markdown_renders_headings_lists_tables_and_safe_links():
    html = render_markdown(
        "## Steps\n\n1. **Open** the tray\n2. See [docs](https://example.com)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h2>Steps</h2>" in html
    assert "<ol>" in html and "<strong>Open</strong>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">' in html
    assert "<table>" in html
    assert plain_text("<p>a &amp; b</p>") == "a & b"


def test_the_article_page_shows_the_sanitised_body(client, given, login):
    agent = login(given(make_user, role=Role.LINE2))
    article = given(
        make_article,
        title="Hostile",
        body="Hello <script>alert('x')</script><img src=x onerror=alert(2)> "
        "[go](javascript:alert(3)) **bold**",
        author=agent,
    )
    page = client.get(f"/kb/articles/{article.id}").get_data(as_text=True)
    body = page.split('<div class="kb-body">')[1].split("</div>")[0]
    assert "<strong>bold</strong>" in body
    assert "alert" not in body and "onerror" not in body


# --- versions ---------------------------------------------------------------------


def test_every_save_that_changes_something_is_a_version_with_what_changed(ctx, clock):
    author = make_user(role=Role.LINE2)
    editor = make_user(role=Role.LINE1, name="Editor")
    make_category("access")
    article = make_article(title="VPN", body="v1", author=author)

    clock.advance(hours=1)
    article_service.update_article(
        article, {"body": "v2", "tags": ["vpn"]}, actor=editor, now=clock.now()
    )
    article_service.update_article(
        article, {"body": "v2"}, actor=editor, now=clock.now()
    )
    clock.advance(hours=1)
    article_service.update_article(
        article,
        {"category": "access", "status": ArticleStatus.DRAFT},
        actor=author,
        now=clock.now(),
    )

    versions = article_service.article_versions(article)
    assert [(v.number, v.changes, v.editor.name) for v in versions] == [
        (3, ["category", "status"], author.name),
        (2, ["body", "tags"], "Editor"),
        (1, ["title", "body", "category", "tags", "visibility", "status"], author.name),
    ]
    assert article.version == 3 and article.updated_by_id == author.id
    assert versions[1].created_at == article.created_at.replace(hour=10)


def test_restore_brings_back_the_content_as_a_new_version_and_keeps_visibility(
    ctx, clock
):
    agent = make_user(role=Role.LINE2)
    article = make_article(
        title="Old title", body="old text", tags=["a"], visibility=Visibility.PUBLIC
    )
    article_service.update_article(
        article,
        {
            "title": "New title",
            "body": "new text",
            "tags": ["b"],
            "visibility": Visibility.INTERNAL,
        },
        actor=agent,
        now=clock.now(),
    )

    article_service.restore_version(article, 1, actor=agent, now=clock.now())

    assert (article.title, article.body, article.tag_names) == (
        "Old title",
        "old text",
        ["a"],
    )
    assert article.visibility == Visibility.INTERNAL  # a restore never exposes
    latest = article_service.article_versions(article)[0]
    assert (latest.number, latest.restored_from) == (3, 1)
    assert article.body_html == "<p>old text</p>"
    assert (
        article_service.search_articles(agent, "old", limit=5)[0].article.id
        == article.id
    )


def test_restoring_the_current_content_adds_no_version(ctx, clock):
    agent = make_user(role=Role.LINE2)
    article = make_article()
    article_service.restore_version(article, 1, actor=agent, now=clock.now())
    assert article.version == 1


def test_a_save_based_on_an_old_version_is_refused(ctx, clock):
    agent = make_user(role=Role.LINE2)
    article = make_article(body="v1")
    article_service.update_article(
        article, {"body": "v2"}, actor=agent, now=clock.now()
    )

    with pytest.raises(Conflict):
        article_service.update_article(
            article, {"body": "mine", "base_version": 1}, actor=agent, now=clock.now()
        )


def test_customers_cannot_write(ctx, clock):
    customer = make_user(role=Role.CUSTOMER)
    make_category("hardware")
    with pytest.raises(PermissionDenied):
        article_service.create_article(
            {"title": "x", "body": "y", "category": "hardware"},
            actor=customer,
            now=clock.now(),
        )


# --- from a ticket ----------------------------------------------------------------


def test_an_article_is_prefilled_from_a_resolved_ticket_and_linked_to_it(
    client, given, login, app
):
    agent = login(given(make_user, role=Role.LINE1))
    customer = given(make_user, name="Anna")
    ticket = given(
        make_ticket,
        requester=customer,
        subject="Outlook does not send",
        description="Stuck in the Outbox.",
    )
    given(make_comment, ticket, author=agent, body="Turn off Work Offline.")
    given(make_comment, ticket, author=agent, body="Secret note", internal=True)
    given(make_comment, ticket, author=customer, body="Thanks!")

    assert client.get(f"/kb/articles/new?ticket_id={ticket.id}").status_code == 409
    with app.app_context():
        db.session.execute(
            sa.text("UPDATE tickets SET status = 'resolved' WHERE id = :id"),
            {"id": ticket.id},
        )
        db.session.commit()

    form = client.get(f"/kb/articles/new?ticket_id={ticket.id}").get_data(as_text=True)
    assert 'value="Outlook does not send"' in form
    assert "Stuck in the Outbox." in form and "Turn off Work Offline." in form
    assert "Secret note" not in form and "Thanks!" not in form
    assert '<option value="internal" selected>' in form

    response = client.post(
        "/kb/articles/new",
        data={
            "ticket_id": ticket.id,
            "title": "Outlook keeps mail in the Outbox",
            "body": "Turn off **Work Offline**.",
            "category": "access",
            "tags": "outlook, Mail",
            "visibility": "public",
            "status": "published",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        article = db.session.scalar(sa.select(Article))
        assert article.tag_names == ["mail", "outlook"]
        assert article.source_ticket_id == ticket.id
        link = db.session.scalar(sa.select(ArticleTicketLink))
        assert (link.ticket_id, link.kind) == (ticket.id, LinkKind.SOURCE)
    sidebar = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Outlook keeps mail in the Outbox" in sidebar
    assert "written from this ticket" in sidebar


def test_the_ticket_page_offers_the_article_link_only_once_resolved(
    client, given, login
):
    login(given(make_user, role=Role.LINE1))
    open_ticket = given(make_ticket)
    resolved = given(make_ticket, status=TicketStatus.RESOLVED)

    assert "Create article from this ticket" not in client.get(
        f"/tickets/{open_ticket.id}"
    ).get_data(as_text=True)
    assert f"/kb/articles/new?ticket_id={resolved.id}" in client.get(
        f"/tickets/{resolved.id}"
    ).get_data(as_text=True)


# --- pages ---------------------------------------------------------------------


def test_an_agent_writes_edits_and_restores_through_the_pages(
    client, given, login, app
):
    given(make_category, "hardware")
    login(given(make_user, role=Role.LINE2))
    data = {"title": "Toner", "body": "Shake it.", "category": "hardware", "tags": ""}

    assert client.post("/kb/articles/new", data=data).status_code == 302
    edit = client.get("/kb/articles/1/edit").get_data(as_text=True)
    assert 'name="base_version" value="1"' in edit
    client.post(
        "/kb/articles/1/edit", data=data | {"body": "Replace it.", "base_version": "1"}
    )
    stale = client.post(
        "/kb/articles/1/edit", data=data | {"body": "Mine.", "base_version": "1"}
    )
    assert stale.status_code == 409
    assert "Mine." in stale.get_data(as_text=True)  # what was typed is kept

    history = client.get("/kb/articles/1/versions").get_data(as_text=True)
    assert "text" in history and "Restore" in history
    diff = client.get("/kb/articles/1/versions/2").get_data(as_text=True)
    assert "-Shake it." in diff and "+Replace it." in diff

    response = client.post("/kb/articles/1/versions/1/restore", follow_redirects=True)
    assert "Version 1 restored as version 3." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Article, 1).body == "Shake it."


def test_the_form_shows_errors_and_keeps_input(client, given, login):
    login(given(make_user, role=Role.LINE2))
    response = client.post(
        "/kb/articles/new",
        data={"title": "Kept", "body": " ", "category": "nope", "visibility": "secret"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Kept"' in page
    assert "Write the article: 1 to 100000 characters." in page
    assert "Choose public or internal." in page


def test_customers_browse_only_public_published_articles(client, given, login):
    login(given(make_user))
    public = given(make_article, title="Public one")
    internal = given(make_article, title="Internal one", visibility=Visibility.INTERNAL)
    draft = given(make_article, title="Draft one", status=ArticleStatus.DRAFT)

    listing = client.get("/kb").get_data(as_text=True)
    assert "Public one" in listing
    assert "Internal one" not in listing and "Draft one" not in listing
    assert (
        client.get("/kb?visibility=internal")
        .get_data(as_text=True)
        .count("Internal one")
        == 0
    )
    assert client.get(f"/kb/articles/{public.id}").status_code == 200
    assert client.get(f"/kb/articles/{internal.id}").status_code == 404
    assert client.get(f"/kb/articles/{draft.id}").status_code == 404
    found = client.get("/kb?q=one").get_data(as_text=True)
    assert "<mark>one</mark>" in found and "Internal" not in found


def test_the_list_filters_by_tag_and_category(client, given, login):
    login(given(make_user, role=Role.LINE1))
    given(make_article, title="Tagged", tags=["vpn"])
    given(make_article, title="Other", category="access")

    assert "Other" not in client.get("/kb?tag=vpn").get_data(as_text=True)
    page = client.get("/kb?category=access").get_data(as_text=True)
    assert "Other" in page and "Tagged" not in page
