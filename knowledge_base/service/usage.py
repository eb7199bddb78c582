"""How articles are used: views, votes, deflections, links to tickets, and
calls resolved on the phone with an article (first-contact resolutions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from helpdesk.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.service.tickets import register_call
from helpdesk.service.timeline import record_event
from helpdesk.vocabulary import Role
from knowledge_base.markup import readable_text
from knowledge_base.models import (
    Article,
    ArticleStatus,
    ArticleTicketLink,
    ArticleViewDay,
    ArticleVote,
    Deflection,
    LinkKind,
    Visibility,
)
from knowledge_base.service.articles import public_conditions
from knowledge_base.service.links import add_link

UNLINKED_EVENT = "kb_article_unlinked"


NOT_LINKED = _l("This article is not linked to the ticket.")


def record_view(article: Article, *, now: datetime) -> None:
    """Count one view on the article's row for ``now``'s UTC day (an upsert:
    one statement, one row per article and day however many views)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ArticleViewDay).values(
        article_id=article.id, day=now.date(), views=1
    )
    statement = statement.on_conflict_do_update(
        index_elements=[ArticleViewDay.article_id, ArticleViewDay.day],
        set_={"views": ArticleViewDay.views + 1},
    )
    db.session.execute(statement)


def vote(article: Article, *, helpful: bool, actor: User, now: datetime) -> ArticleVote:
    """Helpful or not: one vote per user and article; voting again replaces it."""
    existing = db.session.scalar(
        sa.select(ArticleVote).where(
            ArticleVote.article_id == article.id, ArticleVote.user_id == actor.id
        )
    )
    if existing is not None:
        existing.helpful = helpful
        existing.created_at = now
        db.session.flush()
        return existing
    ballot = ArticleVote(
        article_id=article.id, user_id=actor.id, helpful=helpful, created_at=now
    )
    db.session.add(ballot)
    db.session.flush()
    return ballot


def deflect(
    article: Article, *, subject: str, actor: User, now: datetime
) -> Deflection:
    """A customer's "this solved my problem": a request that was not needed."""
    if actor.role != Role.CUSTOMER:
        raise PermissionDenied(
            _l("Only customers can close a request with an article.")
        )
    if not article.is_public:
        raise NotFound(_l("Article not found."))
    deflection = Deflection(
        article_id=article.id, user_id=actor.id, subject=subject[:200], created_at=now
    )
    db.session.add(deflection)
    db.session.flush()
    return deflection


def link_article(
    article: Article, ticket: Ticket, *, actor: User, now: datetime
) -> ArticleTicketLink:
    """Any agent links any article to any ticket; linking twice changes nothing."""
    _ensure_agent(actor)
    return add_link(article, ticket, kind=LinkKind.LINKED, actor=actor, now=now)


def unlink_article(
    article: Article, ticket: Ticket, *, actor: User, now: datetime
) -> None:
    """Undo a link made by mistake; a resolution on the call stays (it is a
    fact the statistics count)."""
    _ensure_agent(actor)
    link = db.session.scalar(
        sa.select(ArticleTicketLink).where(
            ArticleTicketLink.article_id == article.id,
            ArticleTicketLink.ticket_id == ticket.id,
        )
    )
    if link is None:
        raise NotFound(NOT_LINKED)
    if link.kind == LinkKind.RESOLVED_ON_CALL:
        raise Conflict(_l("The ticket was resolved with this article; the link stays."))
    db.session.delete(link)
    record_event(
        ticket,
        UNLINKED_EVENT,
        actor=actor,
        now=now,
        data={"article_id": article.id, "title": article.title},
        internal=True,
    )
    db.session.flush()


def resolve_call_with_article(
    article: Article, data: dict, *, caller: User, actor: User, now: datetime
) -> Ticket:
    """Register the call as a phone ticket resolved on the call with
    ``article``, linked to it as a first-contact resolution.

    The ticket keeps the caller's own words: the subject typed, else the
    description's first line, else what the agent searched the knowledge base
    for as the caller spoke (``query``); the description typed, else those
    words. Only when nothing was typed at all does a public article's title
    stand in. The reply is the solution typed, else the public article as
    readable text (its HTML for the mail's HTML part: no Markdown reaches the
    caller); nothing of an internal article reaches the caller: a neutral
    sentence stands in. ``data``: subject, description, query, priority,
    solution (each may be empty)."""
    _ensure_agent(actor)
    if article.status != ArticleStatus.PUBLISHED:
        raise Conflict(_l("Only a published article can resolve a call."))
    if caller.role != Role.CUSTOMER:
        raise InvalidInput(
            _l("Find or create the caller first."),
            fields={"requester_id": [_l("Find or create the caller first.")]},
        )
    public = article.visibility == Visibility.PUBLIC
    neutral = str(_l("Resolved during the call."))
    words = callers_words(data)
    subject = words or (article.title if public else neutral)
    solution, solution_html = data.get("solution"), None
    if not solution and public:
        solution, solution_html = readable_text(article.body_html), article.body_html
    ticket = register_call(
        {
            "subject": subject,
            "description": data.get("description") or data.get("query") or subject,
            "category": article.category.code,
            "priority": data["priority"],
            "resolve_on_call": True,
            "solution": solution or neutral,
            "solution_html": solution_html if solution else None,
        },
        caller=caller,
        actor=actor,
        now=now,
    )
    add_link(article, ticket, kind=LinkKind.RESOLVED_ON_CALL, actor=actor, now=now)
    return ticket


def callers_words(data: dict) -> str:
    """A subject in the caller's words: the one typed, else the first line
    of the description (cut at 200 characters), else the search words."""
    first_line = (data.get("description") or "").strip().split("\n", 1)[0]
    words = data.get("subject") or first_line.strip() or data.get("query") or ""
    return words[:200].strip()


def _ensure_agent(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied(_l("Only agents can link articles to tickets."))


# --- reading -------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    views: int
    helpful: int
    not_helpful: int
    deflections: int
    linked_tickets: int


def article_usage(article: Article) -> Usage:
    """The article's counters, all in one statement of SQL aggregates."""

    def scalar(model, *conditions, value=None):
        column = (
            sa.func.count()
            if value is None
            else sa.func.coalesce(sa.func.sum(value), 0)
        )
        return (
            sa.select(column)
            .select_from(model)
            .where(model.article_id == article.id, *conditions)
            .scalar_subquery()
        )

    row = db.session.execute(
        sa.select(
            scalar(ArticleViewDay, value=ArticleViewDay.views),
            scalar(ArticleVote, ArticleVote.helpful.is_(True)),
            scalar(ArticleVote, ArticleVote.helpful.is_(False)),
            scalar(Deflection),
            scalar(ArticleTicketLink),
        )
    ).one()
    return Usage(*(int(value) for value in row))


def user_vote(article: Article, actor: User) -> bool | None:
    return db.session.scalar(
        sa.select(ArticleVote.helpful).where(
            ArticleVote.article_id == article.id, ArticleVote.user_id == actor.id
        )
    )


def linked_tickets(article: Article, *, limit: int = 20) -> list[ArticleTicketLink]:
    """The latest links of an article, with their tickets (staff only)."""
    return list(
        db.session.scalars(
            sa.select(ArticleTicketLink)
            .where(ArticleTicketLink.article_id == article.id)
            .options(joinedload(ArticleTicketLink.ticket))
            .order_by(ArticleTicketLink.id.desc())
            .limit(limit)
        )
    )


def linked_articles(ticket: Ticket, *, actor: User) -> list[ArticleTicketLink]:
    """The articles linked to a ticket that ``actor`` may read."""
    query = (
        sa.select(ArticleTicketLink)
        .join(Article, Article.id == ArticleTicketLink.article_id)
        .where(ArticleTicketLink.ticket_id == ticket.id)
        .options(joinedload(ArticleTicketLink.article))
        .order_by(ArticleTicketLink.id)
    )
    if not actor.is_staff:
        query = query.where(*public_conditions())
    return list(db.session.scalars(query))
