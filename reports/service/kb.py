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
from reports.models import KbSearchMiss, ReportKbArticleDay
from reports.periods import Period
from reports.service import day_counts, rollups
from reports.service.common import Filters, rate
from reports.service.days import Days

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
    return {
        "filters": f.echo(),
        "totals": _rates(total),
        "series": [{"period": k} | _rates(v) for k, v in sorted(series.items())],
        "top_articles": top_articles(f.period),
        "searches_without_results": misses(f),
    }


def _count_articles(days: Days) -> list[dict]:
    rows = []
    link = sa.select(
        days.index_sql(ArticleTicketLink.created_at).label("day"),
        ArticleTicketLink.article_id,
        ArticleTicketLink.kind,
    ).where(
        ArticleTicketLink.kind.in_([LinkKind.LINKED, LinkKind.RESOLVED_ON_CALL]),
        days.within(ArticleTicketLink.created_at),
    )
    link = link.subquery()
    on_call = sa.case((link.c.kind == LinkKind.RESOLVED_ON_CALL, 1), else_=0)
    links = sa.select(
        link.c.day, link.c.article_id, sa.func.count(), sa.func.sum(on_call)
    ).group_by(link.c.day, link.c.article_id)
    for day, article_id, n, calls in db.session.execute(links):
        rows.append(
            {
                "day": days.day(day),
                "article_id": article_id,
                "linked": int(n),
                "on_call": int(calls),
            }
        )
    deflection = sa.select(
        days.index_sql(Deflection.created_at).label("day"), Deflection.article_id
    ).where(days.within(Deflection.created_at))
    deflection = deflection.subquery()
    deflections = sa.select(
        deflection.c.day, deflection.c.article_id, sa.func.count()
    ).group_by(deflection.c.day, deflection.c.article_id)
    for day, article_id, n in db.session.execute(deflections):
        rows.append(
            {"day": days.day(day), "article_id": article_id, "deflections": int(n)}
        )
    return rollups.merge_rows(rows, ("day", "article_id"), ARTICLE_COUNTS)


ARTICLE_COUNTS = ("linked", "on_call", "deflections")
ARTICLES = rollups.register(
    rollups.Fact(
        "kb_articles",
        ReportKbArticleDay,
        ("article_id",),
        ARTICLE_COUNTS,
        _count_articles,
    )
)


def top_articles(period: Period, *, limit: int = TOP) -> list[dict]:
    """Articles by what they resolved in the period: tickets linked to them
    (by agents and on the call) plus deflections."""
    sums = rollups.read(ARTICLES, period, group=("article_id",))
    ranked = sorted(
        sums.items(),
        key=lambda kv: (-(kv[1]["linked"] + kv[1]["deflections"]), kv[0][0]),
    )[:limit]
    titles = dict(
        db.session.execute(
            sa.select(Article.id, Article.title).where(
                Article.id.in_([k[0] for k, _v in ranked])
            )
        ).all()
    )
    return [
        {
            "article_id": article_id,
            "title": titles.get(article_id, ""),
            "linked_tickets": v["linked"],
            "resolved_on_call": v["on_call"],
            "deflections": v["deflections"],
            "resolved": v["linked"] + v["deflections"],
        }
        for (article_id,), v in ranked
        if article_id in titles
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
