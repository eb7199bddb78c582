"""The manager dashboard's figures, aggregated in SQL.

Every figure is a GROUP BY (or an ORDER BY ... LIMIT) over the clocks of the
tickets created in ``[start, end)``, optionally of one line, so the cost
follows the tickets of the period, never every ticket. The backlog and the
at-risk list are the state *now* (every creation date) for the line.

One GROUP BY reads the period's clocks once into a small cube (period × line
× priority × policy × target: at most a few thousand rows of counts and
sums); compliance by period, line, priority, policy and target, and the mean
times, are sums over that cube. The medians are one ``ORDER BY spent_seconds
LIMIT 1-2 OFFSET count/2`` each, which SQLite and PostgreSQL both run.

Indexes these queries rely on (migration 0004): ``ix_tickets_created_at``
(the period), ``ix_sla_clocks_breached_at`` (breaches, newest first) and
``ix_sla_clocks_at_risk`` (running, unbreached, warned clocks by due time).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.models import ACTIVE_STATUSES, Channel, Ticket, format_ticket_number
from helpdesk.pagination import decode_key, page
from sla.models import BusinessCalendar, Phase, SlaClock, SlaPolicy, Target
from sla.service.clocks import calendar_spec, elapsed_seconds

DEFAULT_DAYS = 30
TIMED_TARGETS = (Target.FIRST_RESPONSE, Target.RESOLUTION)
# Response times are shown per group of channels: a phone call that counts as
# the first response answers at once, and would drag the median of web and
# e-mail (and API) tickets down.
CHANNEL_GROUPS = ("phone", "web_email")


@dataclass(frozen=True)
class Filters:
    """Tickets created in ``[start, end)`` (aware UTC), of ``line`` if set."""

    start: datetime
    end: datetime
    line: int | None = None
    period: str = "day"  # or "week": the compliance buckets (UTC dates)

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()


def filters_from(query: dict[str, Any], *, now: datetime) -> Filters:
    """``SummaryQuery`` data → ``Filters``; dates are whole UTC days, ``to``
    exclusive; by default the last 30 days up to and including today."""
    end_day = query.get("date_to") or (now.astimezone(UTC).date() + timedelta(days=1))
    start_day = query.get("date_from") or (end_day - timedelta(days=DEFAULT_DAYS))
    if start_day >= end_day:
        message = _l("The end date must come after the start date.")
        raise InvalidInput(message, fields={"to": [message]})
    return Filters(
        start=datetime.combine(start_day, time(), tzinfo=UTC),
        end=datetime.combine(end_day, time(), tzinfo=UTC),
        line=query.get("line"),
        period=query.get("period") or "day",
    )


def in_period(query: sa.Select, f: Filters) -> sa.Select:
    query = query.where(Ticket.created_at >= f.start, Ticket.created_at < f.end)
    # The period drives every query; a line is a filter inside it (see
    # _mostly_true), not a reason to walk all of that line's tickets.
    return query.where(_mostly_true(Ticket.line == f.line)) if f.line else query


def _met() -> sa.ColumnElement:
    """Stopped by its meeting event at or before the due time."""
    return sa.and_(_stopped(), SlaClock.breached_at.is_(None))


def _stopped() -> sa.ColumnElement:
    """Stopped by its meeting event (a reply, the resolution): the clocks
    that have a response or resolution time. A response clock the ticket's
    resolution stopped with no public reply (``unanswered``) has none."""
    return sa.and_(SlaClock.phase == Phase.STOPPED, SlaClock.unanswered.is_(False))


def _no_response() -> sa.ColumnElement:
    """Resolved or closed before its due time without a public reply."""
    return sa.and_(SlaClock.unanswered.is_(True), SlaClock.breached_at.is_(None))


def channel_group(channel: sa.ColumnElement = Ticket.channel) -> sa.ColumnElement:
    return sa.case((channel == Channel.PHONE, "phone"), else_="web_email")


def _mostly_true(condition: sa.ColumnElement) -> sa.ColumnElement:
    """Tell SQLite that most rows pass ``condition``. Without ANALYZE
    statistics (the app never runs it) SQLite takes any equality on an indexed
    column as very selective, and would drive a query from it: the medians
    from every stopped clock (``ix_sla_clocks_phase_due_at``), a line's
    figures from every ticket of the line, instead of the period's tickets
    (at 1,000,000 tickets: 0.4-1.2 s instead of 20-100 ms)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return condition
    return sa.func.likelihood(condition, sa.literal_column("0.9"))


def _count_if(condition: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _bucket(f: Filters) -> sa.ColumnElement:
    """The UTC day (or the Monday of the week) a ticket was created, as text."""
    if db.session.get_bind().dialect.name == "postgresql":
        utc = sa.func.timezone("UTC", Ticket.created_at)
        return sa.func.to_char(sa.func.date_trunc(f.period, utc), "YYYY-MM-DD")
    # SQLite keeps UTCDateTime as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC.
    if f.period == "week":
        return sa.func.date(Ticket.created_at, "weekday 0", "-6 days", type_=sa.String)
    return sa.func.date(Ticket.created_at, type_=sa.String)


# --- compliance and mean times -----------------------------------------------------


@dataclass
class Tally:
    met: int = 0
    breached: int = 0
    no_response: int = 0
    stopped: int = 0
    stopped_seconds: int = 0

    def add(self, row: Any) -> None:
        self.met += int(row.met or 0)
        self.breached += int(row.breached or 0)
        self.no_response += int(row.no_response or 0)
        self.stopped += int(row.stopped or 0)
        self.stopped_seconds += int(row.stopped_seconds or 0)

    @property
    def compliance_percent(self) -> float | None:
        decided = self.met + self.breached
        return round(100 * self.met / decided, 1) if decided else None


def _attributed_line() -> sa.ColumnElement:
    """A breach counts for the line that had the ticket when it breached."""
    return sa.func.coalesce(SlaClock.breached_line, Ticket.line)


def _attributed_policy() -> sa.ColumnElement:
    return sa.func.coalesce(SlaClock.breached_policy_id, SlaClock.policy_id)


def _cube(f: Filters) -> list[Any]:
    bucket = _bucket(f).label("bucket")
    stopped = _stopped()
    line, policy = (
        _attributed_line().label("line"),
        _attributed_policy().label("policy_id"),
    )
    group = channel_group().label("channel_group")
    query = (
        sa.select(
            bucket,
            line,
            Ticket.priority,
            policy,
            SlaClock.target,
            group,
            _count_if(_met()).label("met"),
            _count_if(SlaClock.breached_at.is_not(None)).label("breached"),
            _count_if(_no_response()).label("no_response"),
            _count_if(stopped).label("stopped"),
            sa.func.sum(sa.case((stopped, SlaClock.spent_seconds), else_=0)).label(
                "stopped_seconds"
            ),
        )
        .select_from(SlaClock)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .group_by(bucket, line, Ticket.priority, policy, SlaClock.target, group)
    )
    return list(db.session.execute(in_period(query, f)))


def _rollup(rows: list[Any], key) -> dict[Any, Tally]:
    tallies: dict[Any, Tally] = defaultdict(Tally)
    for row in rows:
        tallies[key(row)].add(row)
    return tallies


def _compliance_rows(tallies: dict[Any, Tally], name: str, order=None) -> list[dict]:
    keys = sorted(tallies, key=order) if order else sorted(tallies)
    return [
        {
            name: key,
            "met": tallies[key].met,
            "breached": tallies[key].breached,
            "compliance_percent": tallies[key].compliance_percent,
        }
        for key in keys
    ]


def _median_seconds(
    f: Filters, target: Target, count: int, group: str | None = None
) -> float | None:
    """The median business seconds spent by the period's stopped clocks of
    ``target`` (of one channel group if set): the middle row (or the mean of
    the middle two) in SQL."""
    if not count:
        return None
    middle = (
        sa.select(SlaClock.spent_seconds.label("spent"))
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(SlaClock.target == target, _mostly_true(_stopped()))
        .order_by(SlaClock.spent_seconds)
        .limit(2 - count % 2)
        .offset((count - 1) // 2)
    )
    if group is not None:
        middle = middle.where(_mostly_true(channel_group() == group))
    middle = in_period(middle, f).subquery()
    value = db.session.scalar(sa.select(sa.func.avg(middle.c.spent)))
    return float(value) if value is not None else None


def _time_figures(tally: Tally, median: float | None) -> dict[str, int | None]:
    return {
        "count": tally.stopped,
        "mean_seconds": round(tally.stopped_seconds / tally.stopped)
        if tally.stopped
        else None,
        "median_seconds": _round(median),
    }


def _times(f: Filters, cube: list[Any]) -> dict[str, dict]:
    """Time to first response and to resolution of the clocks that have one
    (met or breached by their own event), overall and per channel group."""
    by_target = _rollup(cube, lambda r: Target(r.target))
    by_group = _rollup(cube, lambda r: (Target(r.target), r.channel_group))
    result = {}
    for target in TIMED_TARGETS:
        tally = by_target.get(target, Tally())
        figures = _time_figures(tally, _median_seconds(f, target, tally.stopped))
        figures["by_channel"] = {}
        for group in CHANNEL_GROUPS:
            part = by_group.get((target, group), Tally())
            median = _median_seconds(f, target, part.stopped, group)
            figures["by_channel"][group] = _time_figures(part, median)
        result[target.value] = figures
    return result


def _round(value: float | None) -> int | None:
    return round(value) if value is not None else None


# --- now: backlog and clocks at risk ---------------------------------------------------


def backlog(f: Filters) -> list[dict]:
    """Active tickets by line and status, now (every creation date)."""
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


def at_risk(f: Filters, *, now: datetime, limit: int = 25) -> list[dict]:
    """Running clocks past their first warning and not yet breached, soonest
    due first, with the business time they have left."""
    query = (
        sa.select(SlaClock, Ticket.subject, Ticket.line, Ticket.priority)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(
            SlaClock.phase == Phase.RUNNING,
            SlaClock.breached_at.is_(None),
            SlaClock.warnings_done > 0,
        )
        .order_by(SlaClock.due_at, SlaClock.id)
        .limit(limit)
        .options(*CALENDAR_LOADS)
    )
    if f.line:
        query = query.where(Ticket.line == f.line)
    specs = SpecCache()
    return [
        _clock_row(clock, subject, line, priority)
        | {"business_seconds_left": business_seconds_left(clock, now, specs)}
        for clock, subject, line, priority in db.session.execute(query)
    ]


def _clock_row(clock: SlaClock, subject: str, line: int, priority) -> dict:
    return {
        "ticket_id": clock.ticket_id,
        "ticket_number": format_ticket_number(clock.ticket_id),
        "subject": subject,
        "line": line,
        "priority": priority.value,
        "target": clock.target.value,
        "state": clock.state,
        "policy": clock.policy.name,
        "due_at": clock.due_at,
        "breached_at": clock.breached_at,
    }


# --- breaches, newest first ------------------------------------------------------------


def breaches(
    f: Filters, *, cursor: str | None, limit: int
) -> tuple[list[dict], str | None]:
    """The period's breached clocks, newest breach first, a keyset page."""
    query = (
        sa.select(SlaClock, Ticket.subject, _attributed_line(), Ticket.priority)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(SlaClock.breached_at.is_not(None))
        .order_by(SlaClock.breached_at.desc(), SlaClock.id.desc())
        .limit(limit + 1)
        .options(selectinload(SlaClock.policy))
    )
    after = decode_key(cursor, datetime, int)
    if after is not None:
        at, clock_id = after
        query = query.where(
            sa.or_(
                SlaClock.breached_at < at,
                sa.and_(SlaClock.breached_at == at, SlaClock.id < clock_id),
            )
        )
    rows = list(db.session.execute(in_period(query, f)))
    rows, next_cursor = page(
        rows, limit, key=lambda row: (row[0].breached_at, row[0].id)
    )
    return [_clock_row(*row) for row in rows], next_cursor


# --- everything at once -------------------------------------------------------------


def summary(
    f: Filters, *, now: datetime, cursor: str | None = None, limit: int = 25
) -> dict[str, Any]:
    """Every figure of the dashboard for ``f`` (the page and the API)."""
    cube = _cube(f)
    policy_names = dict(
        db.session.execute(
            sa.select(SlaPolicy.id, SlaPolicy.name).where(
                SlaPolicy.id.in_({r.policy_id for r in cube})
            )
        ).all()
    )
    overall = _rollup(cube, lambda r: None).get(None, Tally())
    breach_items, next_cursor = breaches(f, cursor=cursor, limit=limit)
    return {
        "filters": {
            "from": f.start.date(),
            "to": f.end.date(),
            "line": f.line,
            "period": f.period,
        },
        "compliance": {
            "met": overall.met,
            "breached": overall.breached,
            "no_response": overall.no_response,
            "compliance_percent": overall.compliance_percent,
            "by_period": _compliance_rows(_rollup(cube, lambda r: r.bucket), "period"),
            "by_line": _compliance_rows(_rollup(cube, lambda r: r.line), "line"),
            "by_priority": _compliance_rows(
                _rollup(cube, lambda r: r.priority.value), "priority"
            ),
            "by_policy": _compliance_rows(
                _rollup(cube, lambda r: policy_names.get(r.policy_id, "?")), "policy"
            ),
            "by_target": _compliance_rows(
                _rollup(cube, lambda r: Target(r.target).value),
                "target",
                order=lambda t: list(Target).index(Target(t)),
            ),
        },
        "times": _times(f, cube),
        "backlog": backlog(f),
        "at_risk": at_risk(f, now=now, limit=limit),
        "breaches": {"items": breach_items, "next_cursor": next_cursor},
    }


# --- time left on clocks (the ticket panel, API tickets, the at-risk list) --------------

CALENDAR_LOADS = (
    selectinload(SlaClock.policy)
    .selectinload(SlaPolicy.calendar)
    .selectinload(BusinessCalendar.intervals),
    selectinload(SlaClock.policy)
    .selectinload(SlaPolicy.calendar)
    .selectinload(BusinessCalendar.holidays),
)


class SpecCache(dict):
    """Calendar specs by calendar id, built once per request or page."""

    def for_clock(self, clock: SlaClock):
        calendar = clock.policy.calendar
        if calendar.id not in self:
            self[calendar.id] = calendar_spec(calendar)
        return self[calendar.id]


def business_seconds_left(clock: SlaClock, now: datetime, specs: SpecCache) -> int:
    """Business seconds until the target; negative once overdue."""
    return clock.target_seconds - elapsed_seconds(clock, specs.for_clock(clock), now)
