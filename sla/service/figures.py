"""The dashboard's figures from the daily roll-ups (``rollups``).

The period is whole UTC days (``Filters``), so every figure reads only
roll-up rows: compliance the period's day rows (summed in SQL into a few dozen
rows), times the month rows of its whole months and the day rows of the rest,
so a year reads about what a month does and no figure visits a ticket or a
clock. The counts and the means are sums of those rows. A median is exact:
the bucket holding the middle rank is found in the histogram, and the value at
that rank in the period's rows of exact values of that one ~9 % bucket
(``sla_daily_values``). Each figure equals ``figures_raw``'s.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from sla.models import (
    SlaDailyCompliance,
    SlaDailyTimes,
    SlaDailyValues,
    SlaMonthlyTimes,
    Target,
)
from sla.service import backlog as counters
from sla.service.figures_raw import CHANNEL_GROUPS, compliance_figures, time_figures
from sla.service.rollups import TIMED_TARGETS


def _days(model, f) -> list[sa.ColumnElement]:
    where = [model.day >= f.start.date(), model.day < f.end.date()]
    return where + ([model.line == f.line] if f.line else [])


def _period_bucket(f) -> sa.ColumnElement:
    day = SlaDailyCompliance.day
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.date_trunc(f.period, day), "YYYY-MM-DD")
    if f.period == "week":
        return sa.func.date(day, "weekday 0", "-6 days", type_=sa.String)
    return sa.func.date(day, type_=sa.String)


def compliance(f) -> dict[str, Any]:
    """As ``figures_raw.compliance``: two statements over the period's day
    rows - by period bucket, and by line, priority, policy and target (a few
    dozen rows whatever the period) - tallied by ``compliance_figures``."""
    model = SlaDailyCompliance
    counts = (
        sa.func.sum(model.met).label("met"),
        sa.func.sum(model.breached).label("breached"),
        sa.func.sum(model.no_response).label("no_response"),
    )
    # A group whose clocks all moved elsewhere sums to zero: not a figure.
    decided = sa.func.sum(model.met + model.breached + model.no_response) > 0

    def grouped(*dims):
        query = sa.select(*dims, *counts).where(*_days(model, f)).group_by(*dims)
        return list(db.session.execute(query.having(decided)))

    periods = grouped(_period_bucket(f).label("bucket"))
    rows = grouped(model.line, model.priority, model.policy_id, model.target)
    return compliance_figures(rows, periods)


def backlog(f) -> list[dict]:
    """As ``figures_raw.backlog``, from the counters the triggers keep."""
    return counters.backlog(f.line)


def times(f) -> dict[str, dict]:
    """As ``figures_raw.times``, from the roll-ups: one statement for the
    histograms (``sla_monthly_times`` for the period's whole months,
    ``sla_daily_times`` for its other days) and, for each median, one read of
    one bucket's exact values (``sla_daily_values``)."""
    histograms: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    seconds: dict[tuple, int] = defaultdict(int)
    for row in db.session.execute(_histogram_query(f)):
        if not row.n:
            continue
        target = Target(row.target)
        for key in ((target, row.channel_group), (target, None)):
            histograms[key][row.bucket] += int(row.n)
            seconds[key] += int(row.seconds or 0)
    result = {}
    for target in TIMED_TARGETS:

        def figures(group, target=target):
            histogram = histograms.get((target, group), {})
            n = sum(histogram.values())
            median = _median(f, target, group, histogram, n)
            return time_figures(n, seconds.get((target, group), 0), median)

        result[target.value] = figures(None) | {
            "by_channel": {g: figures(g) for g in CHANNEL_GROUPS}
        }
    return result


def whole_months(f) -> tuple[date, date] | None:
    """``[first, last)``: the first days of the months wholly in the period."""
    start, end = f.start.date(), f.end.date()
    first = start if start.day == 1 else _next_month(start)
    last = end.replace(day=1)
    return (first, last) if first < last else None


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _histogram_query(f) -> sa.Select:
    targets = [t.value for t in TIMED_TARGETS]

    def part(model, column, first: date, last: date) -> sa.Select:
        where = [model.target.in_(targets), column >= first, column < last]
        return sa.select(
            model.target, model.channel_group, model.bucket, model.clocks, model.seconds
        ).where(*where, *([model.line == f.line] if f.line else []))

    start, end = f.start.date(), f.end.date()
    months = whole_months(f)
    if months is None:
        parts = [part(SlaDailyTimes, SlaDailyTimes.day, start, end)]
    else:
        parts = [
            part(SlaDailyTimes, SlaDailyTimes.day, start, months[0]),
            part(SlaMonthlyTimes, SlaMonthlyTimes.month, *months),
            part(SlaDailyTimes, SlaDailyTimes.day, months[1], end),
        ]
    rows = sa.union_all(*parts).subquery()
    dims = (rows.c.target, rows.c.channel_group, rows.c.bucket)
    return sa.select(
        *dims,
        sa.func.sum(rows.c.clocks).label("n"),
        sa.func.sum(rows.c.seconds).label("seconds"),
    ).group_by(*dims)


def _median(f, target, group, histogram: dict[int, int], n: int) -> float | None:
    if not n:
        return None
    ranks = sorted({(n - 1) // 2, n // 2})
    values = []
    below = 0
    for bucket in sorted(histogram):
        count = histogram[bucket]
        wanted = [r - below for r in ranks if below <= r < below + count]
        if wanted:
            values += _values_in_bucket(f, target, group, bucket, wanted)
        below += count
    return sum(values) / len(values) if len(values) == len(ranks) else None


def _values_in_bucket(f, target, group, bucket: int, offsets: list[int]) -> list[int]:
    """The business seconds at ``offsets`` (0-based, consecutive) among the
    period's answered clocks of ``bucket``: the first values whose running
    count passes each offset, from that bucket's value rows of the period."""
    v = SlaDailyValues
    where = [
        v.target == target.value,
        v.bucket == bucket,
        v.day >= f.start.date(),
        v.day < f.end.date(),
    ]
    if group is not None:
        where.append(v.channel_group == group)
    if f.line:
        where.append(v.line == f.line)
    counted = (
        sa.select(v.spent_seconds.label("spent"), sa.func.sum(v.clocks).label("n"))
        .where(*where)
        .group_by(v.spent_seconds)
        .subquery()
    )
    running = sa.select(
        counted.c.spent,
        sa.func.sum(counted.c.n).over(order_by=counted.c.spent).label("upto"),
    ).subquery()
    rows = db.session.execute(
        sa.select(running.c.spent, running.c.upto)
        .where(running.c.upto > offsets[0])
        .order_by(running.c.spent)
        .limit(len(offsets))
    ).all()
    return [next(r.spent for r in rows if r.upto > o) for o in offsets]
