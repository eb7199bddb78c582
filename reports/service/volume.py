"""Volume and backlog: tickets created and resolved per day or week, by
channel and by category; the backlog's ageing by line and priority; the
oldest open tickets.

Created counts tickets by their registration instant, resolved by their
(last) resolution instant, each with the ticket's current line, channel,
category and priority. The backlog is the active tickets *now*; an age is
whole 24-hour days since registration.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import ACTIVE_STATUSES, Ticket, format_ticket_number
from reports.models import ReportVolumeDay, ReportVolumeSeries
from reports.service import rollups
from reports.service.common import Filters, category_names, series
from reports.service.days import Days

COUNTS = ("created", "resolved")
KEYS = ("line", "channel", "category_id", "priority")
# Backlog ageing: [low, high) whole days; None: no upper bound.
AGE_BUCKETS = (
    ("lt1", 0, 1),
    ("1_3", 1, 3),
    ("3_7", 3, 7),
    ("7_30", 7, 30),
    ("gt30", 30, None),
)
OLDEST = 20


def _count(days: Days) -> list[dict]:
    rows = []
    for column, name in (
        (Ticket.created_at, "created"),
        (Ticket.resolved_at, "resolved"),
    ):
        ticket = sa.select(
            days.index_sql(column).label("day"),
            Ticket.line,
            Ticket.channel,
            Ticket.category_id,
            Ticket.priority,
        ).where(days.within(column))
        ticket = ticket.subquery()
        keys = (ticket.c.day, *(ticket.c[k] for k in KEYS))
        query = sa.select(*keys, sa.func.count()).group_by(*keys)
        for day, line, channel, category_id, priority, n in db.session.execute(query):
            rows.append(
                {
                    "day": days.day(day),
                    "line": line,
                    "channel": channel.value,
                    "category_id": category_id,
                    "priority": priority.value,
                    name: int(n),
                }
            )
    return rollups.merge_rows(rows, ("day", *KEYS), COUNTS)


FACT = rollups.register(rollups.Fact("volume", ReportVolumeDay, KEYS, COUNTS, _count))
# The day series without filters: a row a day instead of one per combination.
SERIES = rollups.projection("volume_series", ReportVolumeSeries, FACT, ())


def _sum_by(cells: dict[tuple, dict], index: int) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    for key, sums in cells.items():
        target = out.setdefault((key[index],), dict.fromkeys(COUNTS, 0))
        for c in COUNTS:
            target[c] += sums[c]
    return out


def _where(f: Filters) -> dict[str, Any]:
    return {
        "line": f.line,
        "channel": f.channel,
        "category_id": f.category_id,
        "priority": f.priority,
    }


def report(f: Filters, *, now: datetime, locale: str) -> dict[str, Any]:
    """Every figure of the volume report (the page, the API, the exports)."""
    where = _where(f)
    if any(v is not None for v in where.values()):
        by_day = rollups.read(FACT, f.period, group=("day",), where=where)
    else:
        by_day = rollups.read(SERIES, f.period, group=("day",))
    # One read for both breakdowns (month rows and the days at the ends).
    cells = rollups.read(FACT, f.period, group=("channel", "category_id"), where=where)
    by_channel = _sum_by(cells, 0)
    by_category = _sum_by(cells, 1)
    names = category_names((k[0] for k in by_category), locale)
    totals = {c: sum(v[c] for v in by_day.values()) for c in COUNTS}
    return {
        "filters": f.echo(),
        "totals": totals,
        "series": series(f.period, {k[0]: v for k, v in by_day.items()}, COUNTS),
        "by_channel": [{"channel": k[0]} | v for k, v in sorted(by_channel.items())],
        "by_category": sorted(
            (
                {"category_id": k[0], "category": names.get(k[0], str(k[0]))} | v
                for k, v in by_category.items()
            ),
            key=lambda r: (-r["created"], r["category"]),
        ),
        "backlog": backlog(f, now=now),
        "oldest": oldest_open(f),
    }


def _active(f: Filters) -> list:
    conditions = [Ticket.status.in_(sorted(ACTIVE_STATUSES))]
    if f.line:
        conditions.append(Ticket.line == f.line)
    if f.channel:
        conditions.append(Ticket.channel == f.channel)
    if f.category_id:
        conditions.append(Ticket.category_id == f.category_id)
    if f.priority:
        conditions.append(Ticket.priority == f.priority)
    return conditions


def backlog(f: Filters, *, now: datetime) -> dict[str, Any]:
    """Active tickets now, by line, priority and age bucket (one query;
    ``ix_tickets_report_status_created_at`` holds every column it reads
    when no channel or category is asked for)."""
    age = sa.case(
        *(
            (Ticket.created_at > now - timedelta(days=bound), name)
            for name, bound in _lower_bounds()
        ),
        else_=AGE_BUCKETS[-1][0],
    )
    query = (
        sa.select(Ticket.line, Ticket.priority, age.label("age"), sa.func.count())
        .where(*_active(f))
        .group_by(Ticket.line, Ticket.priority, age)
    )
    cells = [
        {"line": line, "priority": priority.value, "age": bucket, "tickets": int(n)}
        for line, priority, bucket, n in db.session.execute(query)
    ]
    by_age = {name: 0 for name, *_ in AGE_BUCKETS}
    by_line: dict[int, dict[str, int]] = {}
    by_priority: dict[str, dict[str, int]] = {}
    for cell in cells:
        by_age[cell["age"]] += cell["tickets"]
        for table, key in ((by_line, cell["line"]), (by_priority, cell["priority"])):
            row = table.setdefault(key, {name: 0 for name, *_ in AGE_BUCKETS})
            row[cell["age"]] += cell["tickets"]
    return {
        "total": sum(by_age.values()),
        "by_age": by_age,
        "by_line": [
            {"line": k} | v | {"total": sum(v.values())}
            for k, v in sorted(by_line.items())
        ],
        "by_priority": [
            {"priority": k} | v | {"total": sum(v.values())}
            for k, v in sorted(by_priority.items())
        ],
    }


def _lower_bounds():
    """(bucket, its upper bound in days) youngest first: a ticket younger
    than the bound belongs to the bucket (the CASE takes the first match)."""
    return [(name, high) for name, _low, high in AGE_BUCKETS if high is not None]


def oldest_open(f: Filters, *, limit: int = OLDEST) -> list[dict]:
    """The ``limit`` oldest active tickets: the oldest of each active status
    (each an ordered walk of ``ix_tickets_report_status_created_at``), merged."""
    rows = []
    for status in sorted(ACTIVE_STATUSES):
        conditions = [c for c in _active(f)[1:]] + [Ticket.status == status]
        rows += db.session.execute(
            sa.select(
                Ticket.id,
                Ticket.subject,
                Ticket.line,
                Ticket.priority,
                Ticket.status,
                Ticket.created_at,
            )
            .where(*conditions)
            .order_by(Ticket.created_at, Ticket.id)
            .limit(limit)
        ).all()
    rows.sort(key=lambda r: (r.created_at, r.id))
    return [
        {
            "ticket_id": r.id,
            "number": format_ticket_number(r.id),
            "subject": r.subject,
            "line": r.line,
            "priority": r.priority.value,
            "status": r.status.value,
            "created_at": r.created_at,
        }
        for r in rows[:limit]
    ]
