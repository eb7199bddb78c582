"""Flow between lines: of the tickets registered in the period, how many
line 1 resolved itself (on the call, with an article, later), how many
reached line 2 and line 3, how many moved back down, how many were linked
to a defect; the median wall-clock time resolved tickets spent on each
line; the defects filed in the period.

A ticket counts on the local day it was registered, as it stands now:
"resolved by line 1" means resolved (or closed after a resolution) without
ever leaving line 1; "on the call" means a phone ticket resolved at its
registration; "with an article" one linked to a knowledge-base article.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from helpdesk.db import unindexed
from helpdesk.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.vocabulary import Channel, EventKind
from knowledge_base.models import ArticleTicketLink
from reports.models import (
    ReportFlowDay,
    ReportFlowLineTimes,
    ReportFlowSeries,
    ReportFlowTimes,
)
from reports.service import day_counts, rollups
from reports.service.common import (
    Filters,
    bucket_of,
    category_names,
    median_of_buckets,
    rate,
)
from reports.service.days import Days
from routing.models import DefectLink

COUNTS = (
    "registered",
    "line1_on_call",
    "line1_with_article",
    "line1_later",
    "to_line2",
    "to_line3",
    "moved_down",
    "defect_linked",
)
KEYS = ("channel", "category_id")
PHONE = Channel.PHONE.value


def _cohort(days: Days) -> list[dict]:
    return rollups.shared("flow.cohort", days, lambda: _read_cohort(days))


def _read_cohort(days: Days) -> list[dict]:
    """The tickets registered on ``days``, each with its local day, its line
    moves (oldest first), whether an article and a defect were linked to it."""
    start, end = days.start, days.end
    tickets = {
        row.id: {
            "id": row.id,
            "day": days.day_of(row.created_at),
            "channel": row.channel.value,
            "category_id": row.category_id,
            "line": row.line,
            "created_at": row.created_at,
            "resolved_at": row.resolved_at,
            "moves": [],
            "article": False,
            "defect": False,
        }
        for row in db.session.execute(
            sa.select(
                Ticket.id,
                Ticket.channel,
                Ticket.category_id,
                Ticket.line,
                Ticket.created_at,
                Ticket.resolved_at,
            ).where(Ticket.created_at >= start, Ticket.created_at < end)
        )
    }
    if not tickets:
        return []
    in_cohort = sa.select(Ticket.id).where(
        Ticket.created_at >= start, Ticket.created_at < end
    )
    moves = db.session.execute(
        sa.select(TicketEvent.ticket_id, TicketEvent.created_at, TicketEvent.data)
        .where(
            TicketEvent.ticket_id.in_(in_cohort),
            unindexed(TicketEvent.kind) == EventKind.LINE_CHANGED,
        )
        .order_by(TicketEvent.id)
    )
    for ticket_id, at, data in moves:
        tickets[ticket_id]["moves"].append((at, int(data["old"]), int(data["new"])))
    for model, key in ((ArticleTicketLink, "article"), (DefectLink, "defect")):
        for ticket_id in db.session.scalars(
            sa.select(model.ticket_id).where(model.ticket_id.in_(in_cohort)).distinct()
        ):
            tickets[ticket_id][key] = True
    return list(tickets.values())


def line_seconds(ticket: dict) -> dict[int, int]:
    """Wall-clock seconds a resolved ticket spent on each line it visited,
    from registration to its resolution."""
    moves = ticket["moves"]
    line = moves[0][1] if moves else ticket["line"]
    since, spent = ticket["created_at"], Counter()
    for at, _old, new in moves:
        spent[line] += int((min(at, ticket["resolved_at"]) - since).total_seconds())
        line, since = new, at
    spent[line] += int((ticket["resolved_at"] - since).total_seconds())
    return {k: max(0, v) for k, v in spent.items()}


def classify(ticket: dict) -> tuple[int, ...]:
    """What one ticket counts for, in the order of ``COUNTS`` (see the
    module's definitions)."""
    moves = ticket["moves"]
    lines = {moves[0][1] if moves else ticket["line"]} | {
        new for _at, _old, new in moves
    }
    on_call = with_article = later = 0
    if ticket["resolved_at"] is not None and lines == {1}:
        if ticket["channel"] == PHONE and ticket["resolved_at"] == ticket["created_at"]:
            on_call = 1
        elif ticket["article"]:
            with_article = 1
        else:
            later = 1
    return (
        1,
        on_call,
        with_article,
        later,
        int(2 in lines),
        int(3 in lines),
        int(any(new < old for _at, old, new in moves)),
        int(ticket["defect"]),
    )


def _count(days: Days) -> list[dict]:
    rows: dict[tuple, list[int]] = {}
    for ticket in _cohort(days):
        key = (ticket["day"], ticket["channel"], ticket["category_id"])
        sums = rows.get(key)
        if sums is None:
            sums = rows[key] = [0] * len(COUNTS)
        for i, value in enumerate(classify(ticket)):
            sums[i] += value
    return [
        {"day": k[0], "channel": k[1], "category_id": k[2]}
        | dict(zip(COUNTS, v, strict=True))
        for k, v in rows.items()
    ]


def _count_times(days: Days) -> list[dict]:
    buckets: Counter = Counter()
    for t in _cohort(days):
        if t["resolved_at"] is None:
            continue
        for line, seconds in line_seconds(t).items():
            key = (t["day"], t["channel"], t["category_id"], line, bucket_of(seconds))
            buckets[key] += 1
    return [
        {"day": day, "channel": c, "category_id": cat, "line": line, "bucket": b}
        | {"tickets": n}
        for (day, c, cat, line, b), n in buckets.items()
    ]


FACT = rollups.register(rollups.Fact("flow", ReportFlowDay, KEYS, COUNTS, _count))
TIMES = rollups.register(
    rollups.Fact(
        "flow_times",
        ReportFlowTimes,
        ("channel", "category_id", "line", "bucket"),
        ("tickets",),
        _count_times,
    )
)
# Without channel and category: the unfiltered series and medians read a row
# a day (a month) and line and bucket.
SERIES = rollups.projection("flow_series", ReportFlowSeries, FACT, ())
LINE_TIMES = rollups.projection(
    "flow_line_times", ReportFlowLineTimes, TIMES, ("line", "bucket")
)


def _shares(sums: dict[str, int]) -> dict[str, Any]:
    n = sums["registered"]
    line1 = sums["line1_on_call"] + sums["line1_with_article"] + sums["line1_later"]
    return (
        dict(sums)
        | {"line1_resolved": line1, "line1_percent": rate(line1, n)}
        | {f"{c}_percent": rate(sums[c], n) for c in COUNTS if c != "registered"}
    )


def report(f: Filters, *, locale: str) -> dict[str, Any]:
    where = {"channel": f.channel, "category_id": f.category_id}
    filtered = any(v is not None for v in where.values())
    days, times = (FACT, TIMES) if filtered else (SERIES, LINE_TIMES)
    by_day = {
        k[0]: v
        for k, v in rollups.read(days, f.period, group=("day",), where=where).items()
    }
    by_category = rollups.read(FACT, f.period, group=("category_id",), where=where)
    times = rollups.read(times, f.period, group=("line", "bucket"), where=where)
    buckets: dict[int, dict[int, int]] = {1: {}, 2: {}, 3: {}}
    for (line, bucket), sums in times.items():
        buckets[line][bucket] = sums["tickets"]
    total = {c: sum(v[c] for v in by_day.values()) for c in COUNTS}
    names = category_names((k[0] for k in by_category), locale)
    series = {bucket: dict.fromkeys(COUNTS, 0) for bucket in f.period.buckets()}
    for day, sums in by_day.items():
        for c in COUNTS:
            series[f.period.bucket(day)][c] += sums[c]
    defects = day_counts.read(f.period)["defects_filed"]
    return {
        "filters": f.echo(),
        "totals": _shares(total) | {"defects_filed": defects},
        "series": [{"period": k} | _shares(v) for k, v in sorted(series.items())],
        "by_category": sorted(
            (
                {"category_id": k[0], "category": names.get(k[0], str(k[0]))}
                | _shares(v)
                for k, v in by_category.items()
            ),
            key=lambda r: (-r["registered"], r["category"]),
        ),
        "time_on_line": [
            {
                "line": line,
                "tickets": sum(buckets[line].values()),
                "median_seconds": median_of_buckets(buckets[line]),
            }
            for line in (1, 2, 3)
        ],
    }
