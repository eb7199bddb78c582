"""Daily and monthly roll-ups of the dashboard's figures, kept by the
transactions that change the clocks.

What a clock counts for (``contributions``): the UTC day its ticket was
created, its target, the channel group (``phone`` or ``web_email``), the
line and policy it is attributed to (at the breach, if it breached), the
ticket's priority, and its outcome - met, breached or no response
(``sla_daily_compliance``, ``sla_monthly_compliance``; per day and line only:
``sla_daily_outcomes``) - and, once stopped
by its own event, its business seconds: a histogram of ~9 % buckets per day
and per month (``sla_daily_times``, ``sla_monthly_times``: one row per
target, day, line and channel group, its buckets' counts packed in a JSON
object), and the exact values of each bucket (``sla_daily_values``,
``sla_monthly_values``, where a median finds its value). The same
definitions are the SQL of ``figures_raw`` (the reference the tests compare
with) and of ``rebuild``.

How they stay current: after every ORM flush, ``_after_flush`` takes each
clock the flush inserted or changed - and the clocks of each ticket whose line
or priority changed - computes what it counted for before (from the
attributes' history) and after, and adds the difference with one upsert
(``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n``, a histogram's
cells with ``json_patch`` / ``jsonb ||``) per changed row
(``sla.service.rollup_tables``, which also names the tables and their keys),
in key order, in the same transaction and savepoint: a rollback takes the
roll-up with it, a clock stopped, breached, reopened or moved is never counted
twice or lost, whichever code path (handlers, sweep, retarget) changed it.
Bulk ``UPDATE``s of clocks touch only scheduling columns (``retime``) and
need none. Data loaded around the ORM (imports, benchmarks) is counted by
``rebuild`` (``flask sla rollups --rebuild``).

On PostgreSQL the upsert locks the day's row until commit; transactions that
stop clocks of tickets of the same day and dimensions queue there briefly,
and the sorted order keeps them free of deadlocks within a flush.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC

import sqlalchemy as sa
from sqlalchemy import event, inspect

from helpdesk import ticket_ids
from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.vocabulary import Channel
from sla.models import (
    ALL_LINES,
    Phase,
    SlaClock,
    Target,
)
from sla.service import fresh_clocks
from sla.service.rollup_keys import (
    PARTS,
    answered_sql,
    attributed_line_sql,
    attributed_policy_sql,
    bucket_of,
    bucket_sql,
    channel_group_sql,
    day_sql,
    met_sql,
    month_sql,
    no_response_sql,
    part_index_sql,
    part_of,
)
from sla.service.rollup_tables import MONTHLY, PACKED, TABLES, apply_delta

TIMED_TARGETS = (Target.FIRST_RESPONSE, Target.RESOLUTION)
_CLOCK_FIELDS = (
    "target",
    "phase",
    "policy_id",
    "breached_at",
    "breached_line",
    "breached_policy_id",
    "unanswered",
    "spent_seconds",
    "ticket_id",
)
_TICKET_FIELDS = ("created_at", "channel", "line", "priority")


# --- what one clock counts for ------------------------------------------------------


def contributions(clock: dict | None, ticket: dict | None) -> Counter:
    """``{(table, key, column): n}`` of one clock's state, as the SQL
    definitions above count it; a packed table's histogram cell is the
    column ``(name, "<key>")``. Empty for a clock that decided nothing."""
    out: Counter = Counter()
    if clock is None or ticket is None or ticket["created_at"] is None:
        return out
    breached = clock["breached_at"] is not None
    stopped = clock["phase"] == Phase.STOPPED
    answered = stopped and not clock["unanswered"]
    line = ticket["line"]
    policy_id = clock["policy_id"]
    if breached:
        line = clock["breached_line"] if clock["breached_line"] is not None else line
        policy_id = clock["breached_policy_id"] or policy_id
    day = ticket["created_at"].astimezone(UTC).date()
    month = day.replace(day=1)
    group = "phone" if ticket["channel"] == Channel.PHONE else "web_email"
    target = Target(clock["target"]).value
    outcome = {
        "met": int(answered and not breached),
        "breached": int(breached),
        "no_response": int(bool(clock["unanswered"]) and not breached),
    }
    if any(outcome.values()):
        dims = (line, _value(ticket["priority"]), policy_id, target, group)
        for column, n in outcome.items():
            out[("c", (day, *dims), column)] += n
            out[("cm", (month, *dims), column)] += n
            out[("co", (day, line), column)] += n
    if answered and target in {t.value for t in TIMED_TARGETS}:
        spent = int(clock["spent_seconds"] or 0)
        bucket, part = bucket_of(spent), part_of(spent)
        for lines, (daily, monthly, key, cell) in (
            ((line, ALL_LINES), ("t", "tm", (target,), ("clocks_by_bucket", bucket))),
            (
                (line, ALL_LINES),
                ("p", "pm", (target, bucket), ("clocks_by_part", part % PARTS)),
            ),
            ((line,), ("v", "vm", (target, part), ("clocks_by_seconds", spent))),
        ):
            for table, period in ((daily, day), (monthly, month)):
                for row_line in lines:
                    row = (*key, period, row_line, group)
                    out[(table, row, "clocks")] += 1
                    out[(table, row, (cell[0], str(cell[1])))] += 1
                    if table in ("t", "tm"):
                        out[(table, row, "seconds")] += spent
    return out


def _value(member) -> str:
    return getattr(member, "value", member)


def _state(obj, fields: Iterable[str], *, before: bool) -> dict:
    """The object's attributes now, or before this flush (their history)."""
    if not before:
        return {name: getattr(obj, name) for name in fields}
    state = inspect(obj)
    values = {}
    for name in fields:
        history = state.attrs[name].history
        if history.deleted:
            values[name] = history.deleted[0]
        elif history.added and not history.unchanged:
            values[name] = None  # set for the first time in this flush
        else:
            values[name] = getattr(obj, name)
    return values


# --- keeping them current -------------------------------------------------------------


def _after_flush(session, _context) -> None:
    clocks = {c for c in session.new | session.dirty | session.deleted}
    clocks = {c for c in clocks if isinstance(c, SlaClock)}
    moved = [
        t
        for t in session.dirty
        if isinstance(t, Ticket)
        and any(inspect(t).attrs[f].history.has_changes() for f in ("line", "priority"))
    ]
    # A ticket created in this unit of work whose every clock is in this
    # flush needs no read: those clocks count with its line as it is now.
    moved = [t for t in moved if not _all_in_hand(t, clocks)]
    if not clocks and not moved:
        return
    if moved:
        with session.no_autoflush:
            clocks |= set(
                session.scalars(
                    sa.select(SlaClock).where(
                        SlaClock.ticket_id.in_([t.id for t in moved])
                    )
                )
            )
    delta: Counter = Counter()
    for clock in clocks:
        ticket = ticket_ids.ticket_in_session(session, clock.ticket_id)
        if clock not in session.new:
            delta.subtract(_contribution(session, clock, ticket, before=True))
        if clock not in session.deleted:
            delta.update(_contribution(session, clock, ticket, before=False))
    apply_delta(session.connection(), delta)


def count_inserted(rows: Iterable[tuple[dict, Ticket]]) -> None:
    """Add clocks written with core INSERTs (which pass the flush hook by),
    as ``(column values, ticket)`` pairs, to the roll-ups."""
    delta: Counter = Counter()
    for clock, ticket in rows:
        delta.update(
            contributions(clock, {f: getattr(ticket, f) for f in _TICKET_FIELDS})
        )
    apply_delta(db.session.connection(), delta)


def _all_in_hand(ticket: Ticket, clocks: set) -> bool:
    fresh = fresh_clocks.of(ticket.id)
    return fresh is not None and all(clock in clocks for clock, _spec in fresh)


def _contribution(session, clock, ticket, *, before: bool) -> Counter:
    clock_state = _state(clock, _CLOCK_FIELDS, before=before)
    if ticket is None:
        return Counter()
    fresh = ticket in session.new
    ticket_state = _state(ticket, _TICKET_FIELDS, before=before and not fresh)
    return contributions(clock_state, ticket_state)


def install() -> None:
    """Listen on the application's session (once, whatever the apps)."""
    if not event.contains(db.session, "after_flush", _after_flush):
        event.listen(db.session, "after_flush", _after_flush)


# --- rebuilding from the clocks -------------------------------------------------------


def rebuild(*, connection=None) -> None:
    """Recount every roll-up from the clocks with ``INSERT ... SELECT``
    statements, on ``connection`` (a migration's: only the tables its
    revision has) or the session (flushed first); does not commit."""
    if connection is None:
        db.session.flush()
    run = (connection or db.session).execute
    bind = connection if connection is not None else db.session.connection()
    inspector = sa.inspect(bind)
    present = set(inspector.get_table_names())
    # An older revision's table (another layout) is recreated and recounted
    # by the later migration that changes it.
    tables = {
        k: m
        for k, m in TABLES.items()
        if m[0].__tablename__ in present
        and {c["name"] for c in inspector.get_columns(m[0].__tablename__)}
        == set(m[0].__table__.c.keys())
    }
    for model, _names in tables.values():
        run(sa.delete(model))
    dialect = bind.dialect.name
    day = day_sql(dialect=dialect).label("day")
    month = month_sql(day_sql(dialect=dialect), dialect=dialect).label("month")
    for table, (model, _names) in tables.items():
        query = _recount(table, day=day, month=month, dialect=dialect)
        run(
            sa.insert(model).from_select(
                [c.name for c in query.selected_columns], query
            )
        )


def _recount(table: str, *, day, month, dialect: str) -> sa.Select:
    """The rows of one roll-up table, counted from the clocks."""
    joined = (
        sa.select().select_from(SlaClock).join(Ticket, Ticket.id == SlaClock.ticket_id)
    )
    period = month if table in MONTHLY else day
    line = attributed_line_sql().label("line")
    group = channel_group_sql().label("channel_group")
    target = SlaClock.target.label("target")
    if table in ("c", "cm", "co"):
        dims = (
            period,
            line,
            Ticket.priority.label("priority"),
            attributed_policy_sql().label("policy_id"),
            target,
            group,
        )
        dims = dims[:2] if table == "co" else dims
        decided = sa.or_(
            SlaClock.breached_at.is_not(None), SlaClock.phase == Phase.STOPPED
        )
        return (
            joined.add_columns(
                *dims,
                _count_if(met_sql()).label("met"),
                _count_if(SlaClock.breached_at.is_not(None)).label("breached"),
                _count_if(no_response_sql()).label("no_response"),
            )
            .where(decided)
            .group_by(*dims)
        )
    spent = SlaClock.spent_seconds.label("spent")
    answered = (
        joined.add_columns(target, period, line, group, spent)
        .add_columns(bucket_sql(SlaClock.spent_seconds).label("bucket"))
        .where(answered_sql(), SlaClock.target.in_(TIMED_TARGETS))
        .subquery()
    )
    index = part_index_sql(answered.c.bucket, answered.c.spent)
    key, cell = {
        "t": (("target",), answered.c.bucket),
        "p": (("target", "bucket"), index),
        "v": (("target", "part"), answered.c.spent),
    }[table[0]]
    columns = {
        "part": answered.c.bucket * PARTS + index,
        **{c: answered.c[c] for c in ("target", "bucket", "line", "channel_group")},
        period.name: answered.c[period.name],
    }
    dims = [columns[c].label(c) for c in (*key, period.name, "line", "channel_group")]
    counted = [sa.func.count().label("n"), sa.func.sum(answered.c.spent).label("s")]
    cells = sa.select(*dims, cell.label("cell"), *counted).group_by(*dims, cell)
    if table[0] != "v":  # and the same of every line, as line 0
        every = [
            d if d.name != "line" else sa.literal(ALL_LINES).label("line") for d in dims
        ]
        cells = sa.union_all(
            cells,
            sa.select(*every, cell.label("cell"), *counted).group_by(
                *(d for d in dims if d.name != "line"), cell
            ),
        )
    cells = cells.subquery()
    outer = [cells.c[d.name] for d in dims]
    sums = [sa.func.sum(cells.c.n).label("clocks")]
    if table[0] == "t":
        sums.append(sa.func.sum(cells.c.s).label("seconds"))
    aggregate = (
        sa.func.jsonb_object_agg
        if dialect == "postgresql"
        else sa.func.json_group_object
    )
    histogram = aggregate(sa.cast(cells.c.cell, sa.Text), cells.c.n)
    return sa.select(*outer, *sums, histogram.label(PACKED[table])).group_by(*outer)


def _count_if(condition: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.sum(sa.case((condition, 1), else_=0))
