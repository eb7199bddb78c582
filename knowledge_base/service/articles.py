"""Articles: who sees what, writing with a version per save, restore, search.

``visible_articles(actor)`` is the only way to load articles: staff see every
article; customers only public, published ones — an internal article or a
draft answers "not found" to them wherever they ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from blinker import Namespace
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import defer, joinedload, lazyload

from helpdesk.errors import Conflict, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Comment, Ticket, User
from helpdesk.service.tickets import active_category
from helpdesk.vocabulary import Role, TicketStatus
from knowledge_base import search
from knowledge_base.markup import plain_text, render_markdown
from knowledge_base.models import (
    Article,
    ArticleStatus,
    ArticleTag,
    ArticleVersion,
    LinkKind,
    Visibility,
)
from knowledge_base.service.links import add_link

CONTENT_FIELDS = ("title", "body", "category", "tags")
FIELDS = CONTENT_FIELDS + ("visibility", "status")


def public_conditions() -> list:
    return [
        Article.visibility == Visibility.PUBLIC,
        Article.status == ArticleStatus.PUBLISHED,
    ]


def visibility_conditions(actor: User) -> list:
    """What ``actor`` may read: staff everything, customers public published."""
    return [] if actor.is_staff else public_conditions()


def visible_articles(actor: User) -> sa.Select[tuple[Article]]:
    return sa.select(Article).where(*visibility_conditions(actor))


def get_visible_article(actor: User, article_id: int) -> Article:
    article = db.session.scalar(visible_articles(actor).where(Article.id == article_id))
    if article is None:
        # The same answer for "absent" and "internal": ids leak nothing.
        raise NotFound(_l("Article not found."))
    return article


def ensure_writer(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied(_l("Only agents can write articles."))


# --- writing -----------------------------------------------------------------


def create_article(
    data: dict, *, actor: User, now: datetime, source_ticket: Ticket | None = None
) -> Article:
    """A new article (version 1) from loaded data: title, body (Markdown),
    category code, tags, visibility, status. Written from ``source_ticket``,
    it is linked to that ticket."""
    ensure_writer(actor)
    article = Article(
        author_id=actor.id,
        updated_by_id=actor.id,
        source_ticket_id=source_ticket.id if source_ticket else None,
        version=1,
        created_at=now,
        updated_at=now,
    )
    _apply(article, data, now=now)
    db.session.add(article)
    db.session.flush()
    _record_version(article, changes=list(FIELDS), actor=actor, now=now)
    if source_ticket is not None:
        add_link(article, source_ticket, kind=LinkKind.SOURCE, actor=actor, now=now)
    return article


def update_article(
    article: Article, changes: dict, *, actor: User, now: datetime
) -> Article:
    """Apply the fields present in ``changes``; a save that changes something
    becomes the next version. ``base_version`` (optional) guards against
    overwriting someone else's save made since the editor opened the form."""
    ensure_writer(actor)
    base = changes.get("base_version")
    if base is not None and base != article.version:
        raise Conflict(
            _l(
                "Someone saved version %(version)s of this article meanwhile. "
                "Reload it and apply your changes again.",
                version=article.version,
            )
        )
    changed = _apply(article, changes, now=now)
    if changed:
        _next_version(article, changed, actor=actor, now=now)
    return article


def restore_version(
    article: Article, number: int, *, actor: User, now: datetime
) -> Article:
    """Bring back the content (title, body, category, tags) of version
    ``number`` as a new version; visibility and status stay as they are, so a
    restore never publishes or exposes anything by itself."""
    ensure_writer(actor)
    old = get_version(article, number)
    data = {
        "title": old.title,
        "body": old.body,
        "category": old.category.code,
        "tags": list(old.tags),
    }
    changed = _apply(article, data, now=now)
    if changed:
        _next_version(article, changed, actor=actor, now=now, restored_from=number)
    return article


def delete_article(article: Article, *, actor: User) -> None:
    """Delete the article with its versions, tags, links, votes and counts."""
    ensure_writer(actor)
    db.session.delete(article)
    db.session.flush()


def _apply(article: Article, data: dict, *, now: datetime) -> list[str]:
    """Set the fields present in ``data``; return the names that changed."""
    changed = []
    for field in ("title", "body"):
        if field in data and data[field] != getattr(article, field):
            setattr(article, field, data[field])
            changed.append(field)
    if "body" in changed:
        article.body_html = render_markdown(article.body)
        article.body_text = plain_text(article.body_html)
    if "category" in data and (
        article.category is None or article.category.code != data["category"]
    ):
        article.category = active_category(data["category"])
        changed.append("category")
    if "tags" in data and sorted(set(data["tags"])) != article.tag_names:
        kept = {t.tag: t for t in article.tags}
        article.tags = [
            kept.get(t) or ArticleTag(tag=t) for t in sorted(set(data["tags"]))
        ]
        changed.append("tags")
    for field in ("visibility", "status"):
        if field in data and data[field] != getattr(article, field):
            setattr(article, field, data[field])
            changed.append(field)
    if article.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = now
    if {"title", "body", "tags"} & set(changed):
        # Tags weigh as much as the title: they are what agents file it under.
        article.search_title = search.index_text(
            article.title, " ".join(article.tag_names)
        )
        article.search_body = search.index_text(article.body_text)
    return changed


def _next_version(
    article: Article,
    changed: list[str],
    *,
    actor: User,
    now: datetime,
    restored_from: int | None = None,
) -> None:
    article.version += 1
    article.updated_at = now
    article.updated_by_id = actor.id
    db.session.flush()
    _record_version(
        article, changes=changed, actor=actor, now=now, restored_from=restored_from
    )


def _record_version(
    article: Article,
    *,
    changes: list[str],
    actor: User,
    now: datetime,
    restored_from: int | None = None,
) -> ArticleVersion:
    version = ArticleVersion(
        article_id=article.id,
        number=article.version,
        title=article.title,
        body=article.body,
        category_id=article.category_id,
        tags=article.tag_names,
        visibility=article.visibility,
        status=article.status,
        editor_id=actor.id,
        created_at=now,
        changes=[f for f in FIELDS if f in changes],
        restored_from=restored_from,
    )
    db.session.add(version)
    db.session.flush()
    return version


# --- reading -------------------------------------------------------------------


def get_version(article: Article, number: int) -> ArticleVersion:
    version = db.session.scalar(
        article.versions.select().where(ArticleVersion.number == number)
    )
    if version is None:
        raise NotFound(_l("Version not found."))
    return version


def article_versions(article: Article) -> list[ArticleVersion]:
    """Every version, newest first, with its editor (one query)."""
    return list(
        db.session.scalars(
            article.versions.select()
            .options(joinedload(ArticleVersion.editor))
            .order_by(ArticleVersion.number.desc())
        )
    )


def list_articles(
    actor: User, filters: dict, *, after_id: int | None, limit: int
) -> list[Article]:
    """Newest first, keyset-paginated on id. ``filters``: ``status``,
    ``visibility``, ``category`` (code), ``tag``."""
    query = visible_articles(actor).options(joinedload(Article.category))
    query = query.where(*_filter_conditions(filters))
    if after_id is not None:
        query = query.where(Article.id < after_id)
    return list(db.session.scalars(query.order_by(Article.id.desc()).limit(limit)))


def _filter_conditions(filters: dict) -> list:
    conditions = []
    if filters.get("status"):
        conditions.append(Article.status == filters["status"])
    if filters.get("visibility"):
        conditions.append(Article.visibility == filters["visibility"])
    if filters.get("category"):
        conditions.append(Article.category.has(code=filters["category"]))
    if filters.get("tag"):
        conditions.append(
            Article.id.in_(
                sa.select(ArticleTag.article_id).where(ArticleTag.tag == filters["tag"])
            )
        )
    return conditions


@dataclass(frozen=True)
class SearchHit:
    article: Article
    score: float
    title_html: Markup
    snippet: Markup


# Sent by the search page and the API's search when a query found nothing
# (sender: the text searched; ``actor``, ``now``): the managers' reports
# count them (what to write next). Receivers write in the request's
# transaction and never commit; the view commits.
search_found_nothing = Namespace().signal("kb-search-found-nothing")


def search_articles(
    actor: User,
    text: str,
    *,
    limit: int,
    filters: dict | None = None,
    public_only: bool = False,
) -> list[SearchHit]:
    """Ranked matches of ``text`` that ``actor`` may read, best first, with
    highlighted title and snippet. Published articles only, unless staff ask
    for a ``status``; ``public_only`` narrows staff to what customers see
    (the request form's suggestions)."""
    query = search.parse_query(text)
    filters = filters or {}
    public = public_only or not actor.is_staff
    conditions = public_conditions() if public else []
    if not filters.get("status"):
        conditions.append(Article.status == ArticleStatus.PUBLISHED)
    if not public and not filters.get("visibility"):
        # Says nothing, but lets SQLite check a candidate in the covering
        # (status, visibility, id) index instead of reading the article row.
        conditions.append(Article.visibility.in_(list(Visibility)))
    conditions += _filter_conditions(filters)
    ranked = search.ranked_ids(db.session, query, conditions, limit=limit)
    if not ranked:
        return []
    articles = {
        a.id: a
        for a in db.session.scalars(
            sa.select(Article)
            .where(Article.id.in_([article_id for article_id, _score in ranked]))
            .options(
                joinedload(Article.category),
                lazyload(Article.tags),
                # A hit needs the plain text only, not the source or the HTML.
                defer(Article.body),
                defer(Article.body_html),
                defer(Article.search_title),
                defer(Article.search_body),
            )
        )
    }
    return [
        SearchHit(
            article=articles[article_id],
            score=score,
            title_html=search.highlight(articles[article_id].title, query),
            snippet=search.snippet(articles[article_id].body_text, query),
        )
        for article_id, score in ranked
    ]


def prefill_from_ticket(ticket: Ticket, *, actor: User) -> dict:
    """Form data for an article written from a resolved ticket: its subject,
    the problem as described and the agents' public replies as the solution.
    Internal and a draft, so nothing of the ticket is published unread."""
    ensure_writer(actor)
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise Conflict(_l("Only a resolved ticket can become an article."))
    replies = db.session.scalars(
        sa.select(Comment.body)
        .join(User, User.id == Comment.author_id)
        .where(
            Comment.ticket_id == ticket.id,
            Comment.internal.is_(False),
            User.role != Role.CUSTOMER,
        )
        .order_by(Comment.id)
    )
    solution = "\n\n".join(replies)
    problem, solution_heading = _l("Problem"), _l("Solution")
    body = (
        f"## {problem}\n\n{ticket.description}\n\n## {solution_heading}\n\n{solution}"
    )
    return {
        "title": ticket.subject,
        "body": body.strip() + "\n",
        "category": ticket.category.code,
        "tags": [],
        "visibility": Visibility.INTERNAL,
        "status": ArticleStatus.DRAFT,
    }
