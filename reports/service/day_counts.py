"""Counts of a local day with no dimensions: the knowledge base's
deflections, web and phone tickets, phone tickets resolved on the call with
an article (as ``knowledge_base.service.stats`` defines them), and the
defects filed for line 3."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import Channel
from knowledge_base.models import ArticleTicketLink, Deflection, LinkKind
from reports.models import ReportDayCounts
from reports.periods import Period
from reports.service import rollups
from reports.service.days import Days
from routing.models import Defect

COUNTS = (
    "deflections",
    "web_tickets",
    "phone_tickets",
    "resolved_on_call",
    "defects_filed",
)


def _count(days: Days) -> list[dict]:
    """Per local day; a phone ticket resolved on the call counts once a day
    however many of its article links were made that day."""
    per_day: dict = defaultdict(lambda: dict.fromkeys(COUNTS, 0))

    def add(name: str, instant, what: sa.ColumnElement, *conditions) -> None:
        """Count the distinct ``what`` of the rows per local day of ``instant``."""
        rows = sa.select(days.index_sql(instant).label("day"), what.label("what"))
        rows = rows.where(days.within(instant), *conditions).subquery()
        query = sa.select(rows.c.day, sa.func.count(sa.distinct(rows.c.what)))
        for day, n in db.session.execute(query.group_by(rows.c.day)):
            per_day[days.day(day)][name] = int(n)

    add("deflections", Deflection.created_at, Deflection.id)
    for name, channel in (
        ("web_tickets", Channel.WEB),
        ("phone_tickets", Channel.PHONE),
    ):
        add(name, Ticket.created_at, Ticket.id, Ticket.channel == channel)
    add(
        "resolved_on_call",
        ArticleTicketLink.created_at,
        ArticleTicketLink.ticket_id,
        ArticleTicketLink.kind == LinkKind.RESOLVED_ON_CALL,
        Ticket.channel == Channel.PHONE,
        Ticket.id == ArticleTicketLink.ticket_id,
    )
    add("defects_filed", Defect.created_at, Defect.id)
    return [{"day": day} | counts for day, counts in per_day.items()]


FACT = rollups.register(rollups.Fact("day_counts", ReportDayCounts, (), COUNTS, _count))
rollups.EXTRA_CHANGES.extend(
    [Deflection.created_at, ArticleTicketLink.created_at, Defect.created_at]
)


def read(period: Period) -> dict[str, int]:
    return rollups.read(FACT, period, group=()).get((), dict.fromkeys(COUNTS, 0))


def by_day(period: Period) -> dict:
    return {k[0]: v for k, v in rollups.read(FACT, period, group=("day",)).items()}
