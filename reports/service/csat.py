"""Satisfaction (CSAT): the average rating and the share of 4-5, by period,
line, agent, category and organisation; the comments, newest first; the
trend week by week.

A rating counts on the local day it was given, with its ticket's current
line, assignee and category and its requester's organisation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from helpdesk.extensions import db
from helpdesk.models import Rating, Ticket, User, format_ticket_number
from helpdesk.organisations.models import Organisation
from helpdesk.pagination import decode_key, page
from reports.models import ReportRatingDay, ReportRatingSeries
from reports.service import rollups
from reports.service.common import Filters, category_names, people, rate, series
from reports.service.days import Days

COUNTS = ("ratings", "score_sum", "good")
KEYS = ("line", "agent_id", "category_id", "organization")
Requester = aliased(User)


def _count(days: Days) -> list[dict]:
    rating = (
        sa.select(
            days.index_sql(Rating.created_at).label("day"),
            Ticket.line.label("line"),
            sa.func.coalesce(Ticket.assignee_id, 0).label("agent_id"),
            Ticket.category_id.label("category_id"),
            sa.func.coalesce(Organisation.name, "").label("organization"),
            Rating.score.label("score"),
        )
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .join(Requester, Requester.id == Ticket.requester_id)
        .outerjoin(Organisation, Organisation.id == Requester.organisation_id)
        .where(days.within(Rating.created_at))
        .subquery()
    )
    keys = (rating.c.day, *(rating.c[k] for k in KEYS))
    query = sa.select(
        *keys,
        sa.func.count(),
        sa.func.sum(rating.c.score),
        sa.func.sum(sa.case((rating.c.score >= 4, 1), else_=0)),
    ).group_by(*keys)
    return [
        {
            "day": days.day(day),
            "line": line,
            "agent_id": int(agent_id),
            "category_id": category_id,
            "organization": org,
            "ratings": int(n),
            "score_sum": int(total),
            "good": int(good),
        }
        for day, line, agent_id, category_id, org, n, total, good in db.session.execute(
            query
        )
    ]


FACT = rollups.register(rollups.Fact("csat", ReportRatingDay, KEYS, COUNTS, _count))
# The trend without filters: a row a day instead of one per combination.
SERIES = rollups.projection("csat_series", ReportRatingSeries, FACT, ())


def figures(sums: dict[str, int]) -> dict[str, Any]:
    """Count, average (two decimals) and share of 4-5 of summed ratings."""
    n = sums["ratings"]
    return {
        "ratings": n,
        "average": round(sums["score_sum"] / n, 2) if n else None,
        "good_percent": rate(sums["good"], n),
    }


def _where(f: Filters) -> dict[str, Any]:
    return {
        "line": f.line,
        "agent_id": f.agent_id,
        "category_id": f.category_id,
        "organization": f.organization,
    }


def report(
    f: Filters, *, locale: str, cursor: str | None = None, limit: int = 25
) -> dict[str, Any]:
    """Every figure of the satisfaction report."""
    where = _where(f)

    filtered = any(v is not None for v in where.values())
    days = rollups.read(
        FACT if filtered else SERIES, f.period, group=("day",), where=where
    )
    by_day = {k[0]: v for k, v in days.items()}
    # One read for the four breakdowns (month rows and the days at the ends).
    cells = rollups.read(FACT, f.period, group=KEYS, where=where)

    def by(key: str) -> dict:
        index, out = KEYS.index(key), {}
        for k, sums in cells.items():
            target = out.setdefault(k[index], dict.fromkeys(COUNTS, 0))
            for c in COUNTS:
                target[c] += sums[c]
        return out

    by_line, by_agent = by("line"), by("agent_id")
    by_category, by_org = by("category_id"), by("organization")
    total = {c: sum(v[c] for v in by_day.values()) for c in COUNTS}
    names = category_names(by_category, locale)
    agents = people(by_agent)
    comments, next_cursor = comment_page(f, cursor=cursor, limit=limit)
    return {
        "filters": f.echo(),
        "totals": figures(total),
        "series": [
            {"period": row["period"]} | figures(row)
            for row in series(f.period, by_day, COUNTS)
        ],
        "by_line": [{"line": k} | figures(v) for k, v in sorted(by_line.items())],
        "by_agent": sorted(
            (
                {
                    "agent_id": k or None,
                    "agent": agents[k].name if k in agents else None,
                }
                | figures(v)
                for k, v in by_agent.items()
            ),
            key=lambda r: (r["agent"] is None, r["agent"] or ""),
        ),
        "by_category": sorted(
            (
                {"category_id": k, "category": names.get(k, str(k))} | figures(v)
                for k, v in by_category.items()
            ),
            key=lambda r: r["category"],
        ),
        "by_organization": sorted(
            ({"organization": k or None} | figures(v) for k, v in by_org.items()),
            key=lambda r: (r["organization"] is None, r["organization"] or ""),
        ),
        "comments": {"items": comments, "next_cursor": next_cursor},
    }


def comment_page(
    f: Filters, *, cursor: str | None, limit: int
) -> tuple[list[dict], str | None]:
    """Ratings with a comment in the period, newest first, a keyset page
    (walks ``ix_ratings_report_created_at`` from the period's end)."""
    query = (
        sa.select(Rating, Ticket.subject, Ticket.line, Ticket.assignee_id)
        .join(Ticket, Ticket.id == Rating.ticket_id)
        .where(
            Rating.created_at >= f.period.start_at,
            Rating.created_at < f.period.end_at,
            Rating.comment != "",
        )
        .order_by(Rating.created_at.desc(), Rating.id.desc())
        .limit(limit + 1)
    )
    if f.line:
        query = query.where(Ticket.line == f.line)
    if f.agent_id:
        query = query.where(Ticket.assignee_id == f.agent_id)
    if f.category_id:
        query = query.where(Ticket.category_id == f.category_id)
    if f.organization:
        query = query.join(
            Organisation, Organisation.id == Ticket.organisation_id
        ).where(Organisation.name == f.organization)
    after = decode_key(cursor, datetime, int)
    if after is not None:
        at, rating_id = after
        query = query.where(
            sa.or_(
                Rating.created_at < at,
                sa.and_(Rating.created_at == at, Rating.id < rating_id),
            )
        )
    rows, next_cursor = page(
        list(db.session.execute(query)), limit, key=lambda r: (r[0].created_at, r[0].id)
    )
    return [
        {
            "rating_id": rating.id,
            "ticket_id": rating.ticket_id,
            "number": format_ticket_number(rating.ticket_id),
            "subject": subject,
            "line": line,
            "score": rating.score,
            "comment": rating.comment,
            "created_at": rating.created_at,
        }
        for rating, subject, line, _agent in rows
    ], next_cursor
