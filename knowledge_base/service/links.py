"""Linking an article to a ticket: one link row per pair, and an event on
the ticket's timeline. Articles written from a ticket and agents on the
ticket page or the phone console all link through here."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.service.timeline import record_event
from knowledge_base.models import Article, ArticleTicketLink, LinkKind

LINKED_EVENT = "kb_article_linked"


def add_link(
    article: Article, ticket: Ticket, *, kind: LinkKind, actor: User, now: datetime
) -> ArticleTicketLink:
    """Link ``article`` to ``ticket`` (once); a resolution on the call
    upgrades an existing plain link, so it still counts."""
    link = db.session.scalar(
        sa.select(ArticleTicketLink).where(
            ArticleTicketLink.article_id == article.id,
            ArticleTicketLink.ticket_id == ticket.id,
        )
    )
    if link is not None:
        if kind == LinkKind.RESOLVED_ON_CALL:
            link.kind = kind
        return link
    link = ArticleTicketLink(
        article_id=article.id,
        ticket_id=ticket.id,
        kind=kind,
        linked_by_id=actor.id,
        created_at=now,
    )
    db.session.add(link)
    # Internal: the requester must not learn of internal articles this way.
    record_event(
        ticket,
        LINKED_EVENT,
        actor=actor,
        now=now,
        data={"article_id": article.id, "title": article.title, "kind": kind.value},
        internal=True,
    )
    db.session.flush()
    return link
