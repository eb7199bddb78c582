"""Volume and backlog: tickets created and resolved per day or week, by
channel and by category; the backlog's ageing by line and priority; the
oldest open tickets (``reports.service.backlog``).

Created counts tickets by their registration instant, resolved by their
(last) resolution instant, each with the ticket's current line, channel,
category and priority. The backlog is the active tickets *now*; an age is
whole 24-hour days since registration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from reports.models import ReportVolumeDay, ReportVolumeSeries
from reports.service import backlog, rollups
from reports.service.common import Filters, category_names, series
from reports.service.days import Days

COUNTS = ("created", "resolved")
KEYS = ("line", "channel", "category_id", "priority")


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
        "backlog": backlog.ageing(f, now=now),
        "oldest": backlog.oldest_open(f),
    }
