"""The knowledge base's numbers for managers, all computed by SQL aggregates.

- deflection rate = deflections / (deflections + tickets created via the web)
- first-contact resolution rate = phone tickets resolved on the call with an
  article / phone tickets

each over the period ``[start, end)`` (UTC instants).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import Channel
from knowledge_base.models import (
    Article,
    ArticleTicketLink,
    ArticleViewDay,
    ArticleVote,
    Deflection,
    LinkKind,
)


@dataclass(frozen=True)
class TopArticle:
    id: int
    title: str
    visibility: str
    views: int
    linked_tickets: int
    resolved_on_call: int
    deflections: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class KbStats:
    start: datetime
    end: datetime
    deflections: int
    web_tickets: int
    phone_tickets: int
    resolved_on_call: int
    top: list[TopArticle]

    @property
    def deflection_rate(self) -> float | None:
        total = self.deflections + self.web_tickets
        return self.deflections / total if total else None

    @property
    def first_contact_resolution_rate(self) -> float | None:
        return (
            self.resolved_on_call / self.phone_tickets if self.phone_tickets else None
        )


def kb_stats(*, start: datetime, end: datetime, limit: int = 10) -> KbStats:
    """Counts and the ``limit`` most used articles of ``[start, end)``."""

    def within(column):
        return sa.and_(column >= start, column < end)

    def count(model, *conditions):
        return (
            sa.select(sa.func.count()).select_from(model).where(*conditions)
        ).scalar_subquery()

    row = db.session.execute(
        sa.select(
            count(Deflection, within(Deflection.created_at)),
            count(Ticket, Ticket.channel == Channel.WEB, within(Ticket.created_at)),
            count(Ticket, Ticket.channel == Channel.PHONE, within(Ticket.created_at)),
            sa.select(sa.func.count(sa.distinct(ArticleTicketLink.ticket_id)))
            .join(Ticket, Ticket.id == ArticleTicketLink.ticket_id)
            .where(
                ArticleTicketLink.kind == LinkKind.RESOLVED_ON_CALL,
                Ticket.channel == Channel.PHONE,
                within(ArticleTicketLink.created_at),
            )
            .scalar_subquery(),
        )
    ).one()
    return KbStats(
        start, end, *(int(v) for v in row), top=top_articles(start, end, limit)
    )


def top_articles(start: datetime, end: datetime, limit: int) -> list[TopArticle]:
    """Articles by views in the period, then by tickets linked and deflections."""
    views = (
        sa.select(
            ArticleViewDay.article_id, sa.func.sum(ArticleViewDay.views).label("n")
        )
        .where(ArticleViewDay.day >= start.date(), ArticleViewDay.day < end.date())
        .group_by(ArticleViewDay.article_id)
        .subquery()
    )
    links = (
        sa.select(
            ArticleTicketLink.article_id,
            sa.func.count().label("n"),
            sa.func.sum(
                sa.case(
                    (ArticleTicketLink.kind == LinkKind.RESOLVED_ON_CALL, 1), else_=0
                )
            ).label("on_call"),
        )
        .where(
            ArticleTicketLink.created_at >= start, ArticleTicketLink.created_at < end
        )
        .group_by(ArticleTicketLink.article_id)
        .subquery()
    )
    deflections = (
        sa.select(Deflection.article_id, sa.func.count().label("n"))
        .where(Deflection.created_at >= start, Deflection.created_at < end)
        .group_by(Deflection.article_id)
        .subquery()
    )
    votes = (
        sa.select(
            ArticleVote.article_id,
            sa.func.sum(sa.case((ArticleVote.helpful.is_(True), 1), else_=0)).label(
                "up"
            ),
            sa.func.sum(sa.case((ArticleVote.helpful.is_(False), 1), else_=0)).label(
                "down"
            ),
        )
        .where(ArticleVote.created_at >= start, ArticleVote.created_at < end)
        .group_by(ArticleVote.article_id)
        .subquery()
    )
    zero = sa.func.coalesce
    statement = (
        sa.select(
            Article.id,
            Article.title,
            Article.visibility,
            zero(views.c.n, 0),
            zero(links.c.n, 0),
            zero(links.c.on_call, 0),
            zero(deflections.c.n, 0),
            zero(votes.c.up, 0),
            zero(votes.c.down, 0),
        )
        .outerjoin(views, views.c.article_id == Article.id)
        .outerjoin(links, links.c.article_id == Article.id)
        .outerjoin(deflections, deflections.c.article_id == Article.id)
        .outerjoin(votes, votes.c.article_id == Article.id)
        .where(
            sa.or_(
                views.c.n.is_not(None),
                links.c.n.is_not(None),
                deflections.c.n.is_not(None),
                votes.c.up.is_not(None),
            )
        )
        .order_by(
            zero(views.c.n, 0).desc(),
            zero(links.c.n, 0).desc(),
            zero(deflections.c.n, 0).desc(),
            Article.id,
        )
        .limit(limit)
    )
    return [
        TopArticle(id, title, str(visibility), *(int(v) for v in numbers))
        for id, title, visibility, *numbers in db.session.execute(statement)
    ]
