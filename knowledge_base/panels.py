"""Helpers the knowledge base's panels call from inside the core's pages.

A panel gets the page's context (``ticket``, ``caller`` ...) but not data of
ours, so these load it; each goes through a visibility builder.
"""

from __future__ import annotations

from datetime import datetime

from flask_login import current_user

from helpdesk.models import Ticket
from knowledge_base.models import ArticleTicketLink, CannedResponse
from knowledge_base.service import canned, usage
from knowledge_base.service.stats import KbStats, kb_stats


def kb_linked_articles(ticket: Ticket) -> list[ArticleTicketLink]:
    return usage.linked_articles(ticket, actor=current_user)


def kb_canned_for_ticket(ticket: Ticket) -> list[tuple[CannedResponse, str]]:
    """Each canned response the agent may use here, with its placeholders filled."""
    if not current_user.is_staff:
        return []
    return [
        (c, canned.fill_placeholders(c.body, ticket=ticket, agent=current_user))
        for c in canned.canned_for_ticket(current_user, ticket)
    ]


def kb_dashboard_stats(start: datetime, end: datetime) -> KbStats:
    """The knowledge base's rates and top articles for the SLA dashboard's period."""
    return kb_stats(start=start, end=end, limit=5)


TEMPLATE_GLOBALS = {
    "kb_dashboard_stats": kb_dashboard_stats,
    "kb_linked_articles": kb_linked_articles,
    "kb_canned_for_ticket": kb_canned_for_ticket,
}
