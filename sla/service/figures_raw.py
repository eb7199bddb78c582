"""The dashboard's figures computed from the clocks themselves: the
definition the daily roll-ups (``figures``) must equal, and what the tests
compare them with. Its cost follows the
tickets of the period (about 6 ms per 1,000 on SQLite).

Every figure is over the clocks of the tickets created in ``[start, end)``;
a line filter keeps the clocks attributed to that line (a breach to the line
that had the ticket at its instant, anything else to the ticket's line).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import ACTIVE_STATUSES, Priority
from sla.models import SlaClock, SlaPolicy, Target
from sla.service.rollup_keys import (
    answered_sql,
    attributed_line_sql,
    attributed_policy_sql,
    channel_group_sql,
    met_sql,
    no_response_sql,
)
from sla.service.rollups import TIMED_TARGETS

CHANNEL_GROUPS = ("phone", "web_email")


def mostly_true(condition: sa.ColumnElement) -> sa.ColumnElement:
    """Tell SQLite that most rows pass ``condition``. Without ANALYZE
    statistics (the app never runs it) SQLite takes any equality on an indexed
    column as very selective, and would drive a query from it instead of the
    period's tickets or the bucket's clocks."""
    if db.session.get_bind().dialect.name != "sqlite":
        return condition
    return sa.func.likelihood(condition, sa.literal_column("0.9"))


def in_period(query: sa.Select, f, *, line=None) -> sa.Select:
    """Tickets created in the period; of ``f.line`` by ``line`` (the
    attributed line unless told otherwise)."""
    query = query.where(Ticket.created_at >= f.start, Ticket.created_at < f.end)
    if not f.line:
        return query
    line = attributed_line_sql() if line is None else line
    return query.where(mostly_true(line == f.line))


def count_if(condition: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def period_bucket(f) -> sa.ColumnElement:
    """The UTC day (or the Monday of the week) a ticket was created, as text."""
    if db.session.get_bind().dialect.name == "postgresql":
        utc = sa.func.timezone("UTC", Ticket.created_at)
        return sa.func.to_char(sa.func.date_trunc(f.period, utc), "YYYY-MM-DD")
    # SQLite keeps UTCDateTime as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC.
    if f.period == "week":
        return sa.func.date(Ticket.created_at, "weekday 0", "-6 days", type_=sa.String)
    return sa.func.date(Ticket.created_at, type_=sa.String)


def cube(f) -> list[Any]:
    """Met / breached / no-response counts by period bucket, line, priority,
    policy and target (one GROUP BY over the period's clocks)."""
    dims = (
        period_bucket(f).label("bucket"),
        attributed_line_sql().label("line"),
        Ticket.priority.label("priority"),
        attributed_policy_sql().label("policy_id"),
        SlaClock.target.label("target"),
    )
    query = (
        sa.select(
            *dims,
            count_if(met_sql()).label("met"),
            count_if(SlaClock.breached_at.is_not(None)).label("breached"),
            count_if(no_response_sql()).label("no_response"),
        )
        .select_from(SlaClock)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .group_by(*dims)
    )
    rows = db.session.execute(in_period(query, f))
    return [r for r in rows if r.met or r.breached or r.no_response]


def compliance(f) -> dict[str, Any]:
    """Overall and by period, line, priority, policy and target."""
    rows = cube(f)
    return compliance_figures(rows, rows)


def backlog(f) -> list[dict]:
    """Active tickets by line and status, now (every creation date), of
    ``f.line`` if set: counted in ``ix_tickets_line_status_id``."""
    query = (
        sa.select(Ticket.line, Ticket.status, sa.func.count().label("tickets"))
        .where(Ticket.status.in_(sorted(ACTIVE_STATUSES)))
        .group_by(Ticket.line, Ticket.status)
        .order_by(Ticket.line, Ticket.status)
    )
    # Naming every line (the CHECK allows only 1-3) lets the (line, status)
    # index count each pair without reading a ticket row or sorting.
    query = query.where(Ticket.line.in_([f.line] if f.line else [1, 2, 3]))
    return [
        {"line": line, "status": status.value, "tickets": int(tickets)}
        for line, status, tickets in db.session.execute(query)
    ]


# --- compliance from counted rows (shared with ``figures``) ---------------------------


@dataclass
class Tally:
    met: int = 0
    breached: int = 0
    no_response: int = 0

    def add(self, row: Any) -> None:
        self.met += int(row.met or 0)
        self.breached += int(row.breached or 0)
        self.no_response += int(row.no_response or 0)

    @property
    def compliance_percent(self) -> float | None:
        decided = self.met + self.breached
        return round(100 * self.met / decided, 1) if decided else None


def _tallies(rows: Iterable[Any], key: Callable) -> dict[Any, Tally]:
    tallies: dict[Any, Tally] = defaultdict(Tally)
    for row in rows:
        tallies[key(row)].add(row)
    return tallies


def _compliance_rows(tallies: dict[Any, Tally], name: str, order=None) -> list[dict]:
    return [
        {
            name: key,
            "met": tallies[key].met,
            "breached": tallies[key].breached,
            "compliance_percent": tallies[key].compliance_percent,
        }
        for key in (sorted(tallies, key=order) if order else sorted(tallies))
    ]


def compliance_figures(rows: list[Any], periods: list[Any]) -> dict[str, Any]:
    """The compliance figures from non-zero counted ``rows`` (``line``,
    ``priority``, ``policy_id``, ``target``, ``met``, ``breached``,
    ``no_response``) and ``periods`` (``bucket`` and the counts)."""
    policy_names = dict(
        db.session.execute(
            sa.select(SlaPolicy.id, SlaPolicy.name).where(
                SlaPolicy.id.in_({r.policy_id for r in rows})
            )
        ).all()
    )
    overall = _tallies(rows, lambda r: None).get(None, Tally())
    return {
        "met": overall.met,
        "breached": overall.breached,
        "no_response": overall.no_response,
        "compliance_percent": overall.compliance_percent,
        "by_period": _compliance_rows(_tallies(periods, lambda r: r.bucket), "period"),
        "by_line": _compliance_rows(_tallies(rows, lambda r: r.line), "line"),
        "by_priority": _compliance_rows(
            _tallies(rows, lambda r: Priority(r.priority).value), "priority"
        ),
        "by_policy": _compliance_rows(
            _tallies(rows, lambda r: policy_names.get(r.policy_id, "?")), "policy"
        ),
        "by_target": _compliance_rows(
            _tallies(rows, lambda r: Target(r.target).value),
            "target",
            order=lambda t: list(Target).index(Target(t)),
        ),
    }


# --- times ---------------------------------------------------------------------------


def times(f) -> dict[str, dict]:
    """Count, mean and median business seconds of the clocks stopped by their
    own event, per timed target, overall and per channel group."""
    group = channel_group_sql().label("channel_group")
    query = (
        sa.select(
            SlaClock.target,
            group,
            sa.func.count().label("n"),
            sa.func.sum(SlaClock.spent_seconds).label("seconds"),
        )
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(answered_sql(), SlaClock.target.in_(TIMED_TARGETS))
        .group_by(SlaClock.target, group)
    )
    sums = {
        (Target(r.target), r.channel_group): (int(r.n), int(r.seconds or 0))
        for r in db.session.execute(in_period(query, f))
    }
    result = {}
    for target in TIMED_TARGETS:
        parts = {g: sums.get((target, g), (0, 0)) for g in CHANNEL_GROUPS}
        n, seconds = (sum(p[i] for p in parts.values()) for i in (0, 1))
        figures = time_figures(n, seconds, _median(f, target, n))
        figures["by_channel"] = {
            g: time_figures(*parts[g], _median(f, target, parts[g][0], g))
            for g in CHANNEL_GROUPS
        }
        result[target.value] = figures
    return result


def time_figures(n: int, seconds: int, median: float | None) -> dict:
    return {
        "count": n,
        "mean_seconds": round(seconds / n) if n else None,
        "median_seconds": round(median) if median is not None else None,
    }


def _median(f, target: Target, count: int, group: str | None = None) -> float | None:
    """The middle row (or the mean of the middle two) in SQL."""
    if not count:
        return None
    middle = (
        sa.select(SlaClock.spent_seconds.label("spent"))
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(SlaClock.target == target, mostly_true(answered_sql()))
        # "+ 0": sorting the period's clocks beats walking every clock of the
        # target in ix_sla_clocks_target_phase_spent's order (that index is for
        # one bucket's range, see figures).
        .order_by(SlaClock.spent_seconds + 0)
        .limit(2 - count % 2)
        .offset((count - 1) // 2)
    )
    if group is not None:
        middle = middle.where(mostly_true(channel_group_sql() == group))
    middle = in_period(middle, f).subquery()
    value = db.session.scalar(sa.select(sa.func.avg(middle.c.spent)))
    return float(value) if value is not None else None
