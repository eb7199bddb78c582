"""The dashboard's figures from the daily roll-ups (``rollups``).

The period is whole UTC days (``Filters``), so every figure reads only the
roll-up rows of its days: a few dozen rows a day whatever the number of
tickets, so a year costs what a month did. The counts and the means are sums
of those rows. A median is exact: the bucket holding the middle rank is found
in the day rows' counts, and the value at that rank among the few clocks of
that bucket (``ix_sla_clocks_target_phase_spent``, a ~9 % range of business
seconds) is read from the clocks. Each figure equals ``figures_raw``'s.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from sla.models import SlaClock, SlaDailyCompliance, SlaDailyTimes, Target
from sla.service.figures_raw import (
    CHANNEL_GROUPS,
    compliance_figures,
    mostly_true,
    time_figures,
)
from sla.service.rollups import (
    TIMED_TARGETS,
    answered_sql,
    attributed_line_sql,
    bucket_bounds,
    channel_group_sql,
)


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


def times(f) -> dict[str, dict]:
    """As ``figures_raw.times``, from ``sla_daily_times`` (one statement)
    and, for each median, one or two reads of the clocks of one bucket."""
    model = SlaDailyTimes
    query = (
        sa.select(
            model.target,
            model.channel_group,
            model.bucket,
            sa.func.sum(model.clocks).label("n"),
            sa.func.sum(model.seconds).label("seconds"),
        )
        .where(model.target.in_([t.value for t in TIMED_TARGETS]), *_days(model, f))
        .group_by(model.target, model.channel_group, model.bucket)
    )
    histograms: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    seconds: dict[tuple, int] = defaultdict(int)
    for row in db.session.execute(query):
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
    """The business seconds at ``offsets`` (0-based, in order) among the
    period's answered clocks of ``bucket``."""
    low, high = bucket_bounds(bucket)
    query = (
        sa.select(SlaClock.spent_seconds)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(
            SlaClock.target == target,
            answered_sql(),
            SlaClock.spent_seconds >= low,
            SlaClock.spent_seconds < high,
        )
        .order_by(SlaClock.spent_seconds)
        .offset(offsets[0])
        .limit(offsets[-1] - offsets[0] + 1)
    )
    if group is not None:
        query = query.where(mostly_true(channel_group_sql() == group))
    # Driven by the bucket's range of the clocks' index, not by the period's
    # tickets (a year of them).
    query = query.where(
        mostly_true(Ticket.created_at >= f.start),
        mostly_true(Ticket.created_at < f.end),
    )
    if f.line:
        query = query.where(mostly_true(attributed_line_sql() == f.line))
    rows = list(db.session.scalars(query))
    return [rows[o - offsets[0]] for o in offsets]
