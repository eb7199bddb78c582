"""Counts of a local day with no dimensions: the knowledge base's
deflections, web and phone tickets, phone tickets resolved on the call with
an article (as ``knowledge_base.service.stats`` defines them), and the
defects filed for line 3."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Channel, Ticket
from knowledge_base.models import ArticleTicketLink, Deflection, LinkKind
from reports.models import ReportDayCounts
from reports.periods import Period
from reports.service import rollups
from routing.models import Defect

COUNTS = (
    "deflections",
    "web_tickets",
    "phone_tickets",
    "resolved_on_call",
    "defects_filed",
)


def _count(start: datetime, end: datetime) -> list[dict]:
    def within(column):
        return sa.and_(column >= start, column < end)

    def count(model, *conditions):
        return (
            sa.select(sa.func.count())
            .select_from(model)
            .where(*conditions)
            .scalar_subquery()
        )

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
            count(Defect, within(Defect.created_at)),
        )
    ).one()
    return [dict(zip(COUNTS, (int(v) for v in row), strict=True))]


FACT = rollups.register(
    rollups.Fact("day_counts", ReportDayCounts, (), COUNTS, _count, additive=False)
)
rollups.EXTRA_CHANGES.extend(
    [Deflection.created_at, ArticleTicketLink.created_at, Defect.created_at]
)


def read(period: Period) -> dict[str, int]:
    return rollups.read(FACT, period, group=()).get((), dict.fromkeys(COUNTS, 0))


def by_day(period: Period) -> dict:
    return {k[0]: v for k, v in rollups.read(FACT, period, group=("day",)).items()}
