"""The manager dashboard: its figures for a period, the backlog, the clocks
at risk and the breaches.

The figures (compliance by period, line, priority, policy and target; times
to first response and to resolution, per channel group) are over the clocks
of the tickets created in ``[start, end)`` (whole UTC days), optionally
attributed to one line; they are read from the daily roll-ups (``figures``;
``figures_raw`` is the same from the clocks). The backlog and the at-risk list
are the state *now* (every creation date) for the line.

Indexes these queries rely on (migrations 0004, 0012, 0019):
``ix_sla_clocks_breached_at`` (breaches, newest first, down to the period's
start; and the at-risk list: unbreached running clocks by due time, to the
page's end) and the roll-ups' primary keys (days, months, one bucket's
values); the backlog reads the counters triggers keep (migration 0036).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.models import Ticket, format_ticket_number
from helpdesk.pagination import decode_key, page
from sla.models import Phase, SlaClock
from sla.service import figures, figures_raw, policies
from sla.service.clocks import elapsed_seconds
from sla.service.rollup_keys import attributed_line_sql

DEFAULT_DAYS = 30


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
    """The period's tickets; of the line the clock is attributed to."""
    return figures_raw.in_period(query, f)


# --- now: clocks at risk (the backlog: ``figures.backlog``) -----------------------------


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
    )
    if f.line:
        query = query.where(Ticket.line == f.line)
    return [
        _clock_row(clock, subject, line, priority)
        | {"business_seconds_left": business_seconds_left(clock, now)}
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
    """The period's breached clocks, newest breach first, a keyset page.

    Walks ``ix_sla_clocks_breached_at`` from the newest breach down to the
    period's start (a ticket breaches after it is created) and stops at the
    page's end, rather than reading and sorting every ticket of the period."""
    query = (
        sa.select(SlaClock, Ticket.subject, attributed_line_sql(), Ticket.priority)
        .join(Ticket, Ticket.id == SlaClock.ticket_id)
        .where(SlaClock.breached_at >= f.start)
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
    query = query.where(
        figures_raw.mostly_true(Ticket.created_at >= f.start),
        figures_raw.mostly_true(Ticket.created_at < f.end),
    )
    if f.line:
        query = query.where(figures_raw.mostly_true(attributed_line_sql() == f.line))
    rows = list(db.session.execute(query))
    rows, next_cursor = page(
        rows, limit, key=lambda row: (row[0].breached_at, row[0].id)
    )
    return [_clock_row(*row) for row in rows], next_cursor


# --- everything at once -------------------------------------------------------------


def summary(
    f: Filters,
    *,
    now: datetime,
    cursor: str | None = None,
    limit: int = 25,
    source=figures,
) -> dict[str, Any]:
    """Every figure of the dashboard for ``f`` (the page and the API), from
    the daily roll-ups; ``source=figures_raw`` computes them from the clocks."""
    breach_items, next_cursor = breaches(f, cursor=cursor, limit=limit)
    return {
        "filters": {
            "from": f.start.date(),
            "to": f.end.date(),
            "line": f.line,
            "period": f.period,
        },
        "compliance": source.compliance(f),
        "times": source.times(f),
        "backlog": source.backlog(f),
        "at_risk": at_risk(f, now=now, limit=limit),
        "breaches": {"items": breach_items, "next_cursor": next_cursor},
    }


# --- time left on clocks (the ticket panel, API tickets, the at-risk list) --------------


def business_seconds_left(clock: SlaClock, now: datetime) -> int:
    """Business seconds until the target; negative once overdue. The policy's
    calendar comes compiled from the per-process cache: nothing is read."""
    spec = policies.spec_for_policy(clock.policy_id)
    return clock.target_seconds - elapsed_seconds(clock, spec, now)
