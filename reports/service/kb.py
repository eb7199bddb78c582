"""Knowledge base: deflection and first-contact-resolution trends, the
articles that resolve the most, the searches that found nothing.

Rates as ``knowledge_base.service.stats`` defines them, per local day:
deflection = deflections / (deflections + web tickets); first-contact
resolution = phone tickets resolved on the call with an article / phone
tickets. An article resolves a ticket when it is linked to it (by an agent,
or on the call) or a customer solved their problem with it instead of a
ticket (a deflection). Searches that found nothing are counted per UTC day.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from knowledge_base.models import Article, ArticleTicketLink, Deflection, LinkKind
from reports.models import KbSearchMiss
from reports.service import day_counts
from reports.service.common import Filters, rate

TOP = 10
MISSES = 20
MAX_QUERY = 200


def _rates(sums: dict[str, int]) -> dict[str, Any]:
    return {
        "deflections": sums["deflections"],
        "web_tickets": sums["web_tickets"],
        "deflection_percent": rate(
            sums["deflections"], sums["deflections"] + sums["web_tickets"]
        ),
        "phone_tickets": sums["phone_tickets"],
        "resolved_on_call": sums["resolved_on_call"],
        "first_contact_percent": rate(sums["resolved_on_call"], sums["phone_tickets"]),
    }


def report(f: Filters) -> dict[str, Any]:
    by_day = day_counts.by_day(f.period)
    series = {
        bucket: dict.fromkeys(day_counts.COUNTS, 0) for bucket in f.period.buckets()
    }
    for day, sums in by_day.items():
        for c in day_counts.COUNTS:
            series[f.period.bucket(day)][c] += sums[c]
    total = {c: sum(v[c] for v in by_day.values()) for c in day_counts.COUNTS}
    start, end = f.period.start_at, f.period.end_at
    return {
        "filters": f.echo(),
        "totals": _rates(total),
        "series": [{"period": k} | _rates(v) for k, v in sorted(series.items())],
        "top_articles": top_articles(start, end),
        "searches_without_results": misses(f),
    }


def top_articles(start: datetime, end: datetime, *, limit: int = TOP) -> list[dict]:
    """Articles by tickets they resolved in ``[start, end)``: links by
    agents and on the call, plus deflections."""
    links = (
        sa.select(
            ArticleTicketLink.article_id.label("article_id"),
            sa.func.count().label("tickets"),
            sa.func.sum(
                sa.case(
                    (ArticleTicketLink.kind == LinkKind.RESOLVED_ON_CALL, 1), else_=0
                )
            ).label("on_call"),
        )
        .where(
            ArticleTicketLink.kind.in_([LinkKind.LINKED, LinkKind.RESOLVED_ON_CALL]),
            ArticleTicketLink.created_at >= start,
            ArticleTicketLink.created_at < end,
        )
        .group_by(ArticleTicketLink.article_id)
        .subquery()
    )
    deflections = (
        sa.select(Deflection.article_id.label("article_id"), sa.func.count().label("n"))
        .where(Deflection.created_at >= start, Deflection.created_at < end)
        .group_by(Deflection.article_id)
        .subquery()
    )
    zero = sa.func.coalesce
    resolved = zero(links.c.tickets, 0) + zero(deflections.c.n, 0)
    query = (
        sa.select(
            Article.id,
            Article.title,
            zero(links.c.tickets, 0),
            zero(links.c.on_call, 0),
            zero(deflections.c.n, 0),
        )
        .outerjoin(links, links.c.article_id == Article.id)
        .outerjoin(deflections, deflections.c.article_id == Article.id)
        .where(sa.or_(links.c.tickets.is_not(None), deflections.c.n.is_not(None)))
        .order_by(resolved.desc(), Article.id)
        .limit(limit)
    )
    return [
        {
            "article_id": id_,
            "title": title,
            "linked_tickets": int(tickets),
            "resolved_on_call": int(on_call),
            "deflections": int(n),
            "resolved": int(tickets) + int(n),
        }
        for id_, title, tickets, on_call, n in db.session.execute(query)
    ]


def misses(f: Filters, *, limit: int = MISSES) -> list[dict]:
    """The most frequent searches that found nothing, over the UTC days the
    period's local days touch."""
    first = f.period.start_at.date()
    last = (f.period.end_at - f.period.end_at.resolution).date()
    total = sa.func.sum(KbSearchMiss.searches)
    query = (
        sa.select(KbSearchMiss.query, total, sa.func.max(KbSearchMiss.last_at))
        .where(KbSearchMiss.day >= first, KbSearchMiss.day <= last)
        .group_by(KbSearchMiss.query)
        .order_by(total.desc(), KbSearchMiss.query)
        .limit(limit)
    )
    return [
        {"query": q, "searches": int(n), "last_at": at}
        for q, n, at in db.session.execute(query)
    ]


def normalise(text: str) -> str:
    """One spelling per search: trimmed, single spaces, lower case, ё as е."""
    return " ".join(text.lower().replace("ё", "е").split())[:MAX_QUERY]


def record_miss(text: str, *, now: datetime) -> None:
    """Count a search that found nothing (one upsert; flushes nothing else)."""
    query = normalise(text)
    if not query:
        return
    table = KbSearchMiss.__table__
    values = {"day": now.date(), "query": query, "searches": 1, "last_at": now}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "query"],
        set_={"searches": table.c.searches + 1, "last_at": statement.excluded.last_at},
    )
    db.session.execute(statement)
