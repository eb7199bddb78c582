"""Daily roll-ups of the dashboard's figures, kept by the transactions that
change the clocks.

What a clock counts for (``contributions``): the UTC day its ticket was
created, its target, the channel group (``phone`` or ``web_email``), the
line and policy it is attributed to (at the breach, if it breached), the
ticket's priority, and its outcome - met, breached or no response
(``sla_daily_compliance``) - and, once stopped by its own event, its business
seconds: in buckets per day (``sla_daily_times``) and per month
(``sla_monthly_times``), and exactly, per bucket and day
(``sla_daily_values``, where a median finds its value). The same definitions are the SQL of
``figures_raw`` (the reference the tests compare with) and of ``rebuild``.

How they stay current: after every ORM flush, ``_after_flush`` takes each
clock the flush inserted or changed - and the clocks of each ticket whose line
or priority changed - computes what it counted for before (from the
attributes' history) and after, and adds the difference with one upsert
(``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n``) per changed row,
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

import bisect
from collections import Counter
from collections.abc import Iterable
from datetime import UTC

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.dialects import postgresql, sqlite

from helpdesk import ticket_ids
from helpdesk.extensions import db
from helpdesk.models import Channel, Ticket
from sla.models import (
    Phase,
    SlaClock,
    SlaDailyCompliance,
    SlaDailyTimes,
    SlaDailyValues,
    SlaMonthlyTimes,
    Target,
)
from sla.service import fresh_clocks

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
_COMPLIANCE_KEY = ("day", "line", "priority", "policy_id", "target", "channel_group")
_TIMES_KEY = ("target", "day", "line", "channel_group", "bucket")
_MONTHLY_KEY = ("target", "month", "line", "channel_group", "bucket")
_VALUES_KEY = ("target", "bucket", "day", "line", "channel_group", "spent_seconds")
_TABLES = {
    "c": (SlaDailyCompliance, _COMPLIANCE_KEY),
    "t": (SlaDailyTimes, _TIMES_KEY),
    "m": (SlaMonthlyTimes, _MONTHLY_KEY),
    "v": (SlaDailyValues, _VALUES_KEY),
}


# --- buckets of business seconds ---------------------------------------------------


def bucket_of(seconds: int) -> int:
    """Exact below 64 s; above, 8 buckets per doubling (9-12 % wide)."""
    seconds = max(0, int(seconds))
    if seconds < 64:
        return seconds
    exponent = seconds.bit_length() - 1
    return 64 + (exponent - 6) * 8 + ((seconds >> (exponent - 3)) & 7)


def bucket_bounds(bucket: int) -> tuple[int, int]:
    """``[low, high)`` business seconds of ``bucket``."""
    if bucket < 64:
        return bucket, bucket + 1
    exponent, sub = divmod(bucket - 64, 8)
    exponent += 6
    low = (8 + sub) << (exponent - 3)
    return low, low + (1 << (exponent - 3))


# spent_seconds is an INTEGER column: its buckets end below 2**31.
_LOWS = [bucket_bounds(b)[0] for b in range(bucket_of(2**31 - 1) + 1)]


def bucket_sql(seconds: sa.ColumnElement) -> sa.ColumnElement:
    """``bucket_of`` in SQL: a balanced CASE over the buckets' lower bounds
    (about 9 comparisons a row), for ``rebuild`` on any database."""

    def pick(first: int, last: int) -> sa.ColumnElement:
        if first == last:
            return sa.literal(first)
        middle = (first + last + 1) // 2
        return sa.case(
            (seconds < _LOWS[middle], pick(first, middle - 1)),
            else_=pick(middle, last),
        )

    return pick(0, len(_LOWS) - 1)


assert all(bucket_of(low) == b for b, low in enumerate(_LOWS))
assert bisect.bisect_right(_LOWS, 10**6) - 1 == bucket_of(10**6)


# --- the definitions, in SQL (the reference) ------------------------------------------


def channel_group_sql(channel=Ticket.channel) -> sa.ColumnElement:
    return sa.case((channel == Channel.PHONE, "phone"), else_="web_email")


def attributed_line_sql() -> sa.ColumnElement:
    """A breach counts for the line that had the ticket when it breached;
    anything else for the ticket's line."""
    return sa.case(
        (
            SlaClock.breached_at.is_not(None),
            sa.func.coalesce(SlaClock.breached_line, Ticket.line),
        ),
        else_=Ticket.line,
    )


def attributed_policy_sql() -> sa.ColumnElement:
    return sa.case(
        (
            SlaClock.breached_at.is_not(None),
            sa.func.coalesce(SlaClock.breached_policy_id, SlaClock.policy_id),
        ),
        else_=SlaClock.policy_id,
    )


def answered_sql() -> sa.ColumnElement:
    """Stopped by its own event (a reply, the resolution): it has a time."""
    return sa.and_(SlaClock.phase == Phase.STOPPED, SlaClock.unanswered.is_(False))


def met_sql() -> sa.ColumnElement:
    return sa.and_(answered_sql(), SlaClock.breached_at.is_(None))


def no_response_sql() -> sa.ColumnElement:
    """Resolved or closed before its due time without a public reply."""
    return sa.and_(SlaClock.unanswered.is_(True), SlaClock.breached_at.is_(None))


def day_sql(
    instant=Ticket.created_at, *, dialect: str | None = None
) -> sa.ColumnElement:
    dialect = dialect or db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return sa.cast(sa.func.timezone("UTC", instant), sa.Date)
    return sa.func.date(instant, type_=sa.Date)


def month_sql(day, *, dialect: str | None = None) -> sa.ColumnElement:
    """The first day of ``day``'s month (a date)."""
    dialect = dialect or db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return sa.cast(sa.func.date_trunc("month", day), sa.Date)
    return sa.func.date(day, "start of month", type_=sa.Date)


# --- what one clock counts for ------------------------------------------------------


def contributions(clock: dict | None, ticket: dict | None) -> Counter:
    """``{(table, key): Counter(column=n)}`` of one clock's state, as the SQL
    definitions above count it; empty for a clock that decided nothing."""
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
    group = "phone" if ticket["channel"] == Channel.PHONE else "web_email"
    target = Target(clock["target"]).value
    outcome = {
        "met": int(answered and not breached),
        "breached": int(breached),
        "no_response": int(bool(clock["unanswered"]) and not breached),
    }
    if any(outcome.values()):
        key = (day, line, _value(ticket["priority"]), policy_id, target, group)
        for column, n in outcome.items():
            out[("c", key, column)] += n
    if answered and target in {t.value for t in TIMED_TARGETS}:
        spent = int(clock["spent_seconds"] or 0)
        bucket = bucket_of(spent)
        for table, key in (
            ("t", (target, day, line, group, bucket)),
            ("m", (target, day.replace(day=1), line, group, bucket)),
        ):
            out[(table, key, "clocks")] += 1
            out[(table, key, "seconds")] += spent
        out[("v", (target, bucket, day, line, group, spent), "clocks")] += 1
    return out


def _value(member) -> str:
    return getattr(member, "value", member)


def _state(obj, fields: Iterable[str], *, before: bool) -> dict:
    """The object's attributes now, or before this flush (their history)."""
    state = inspect(obj)
    values = {}
    for name in fields:
        history = state.attrs[name].history
        if before and history.deleted:
            values[name] = history.deleted[0]
        elif before and history.added and not history.unchanged:
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
    _apply(session.connection(), delta)


def count_inserted(rows: Iterable[tuple[dict, Ticket]]) -> None:
    """Add clocks written with core INSERTs (which pass the flush hook by),
    as ``(column values, ticket)`` pairs, to the roll-ups."""
    delta: Counter = Counter()
    for clock, ticket in rows:
        delta.update(
            contributions(clock, {f: getattr(ticket, f) for f in _TICKET_FIELDS})
        )
    _apply(db.session.connection(), delta)


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


def _apply(connection, delta: Counter) -> None:
    """Add the non-zero differences, one upsert per roll-up row, in key order."""
    rows: dict[tuple, dict] = {}
    for (table, key, column), n in delta.items():
        if n:
            rows.setdefault((table, key), {})[column] = n
    for (table, key), counts in sorted(rows.items(), key=lambda item: repr(item[0])):
        model, names = _TABLES[table]
        connection.execute(
            _upsert(connection, model, names, counts),
            dict(zip(names, key, strict=True)) | counts,
        )


def _upsert(connection, model, names: tuple[str, ...], counts: dict):
    insert = (
        postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    )(model.__table__)
    table = model.__table__
    return insert.on_conflict_do_update(
        index_elements=list(names),
        set_={c: table.c[c] + insert.excluded[c] for c in counts},
    ).values({c: sa.bindparam(c) for c in (*names, *counts)})


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
    present = set(sa.inspect(bind).get_table_names())
    models = [m for m in _TABLES.values() if m[0].__tablename__ in present]
    for model, _names in models:
        run(sa.delete(model))
    dialect = bind.dialect.name
    day = day_sql(dialect=dialect).label("day")
    line = attributed_line_sql().label("line")
    group = channel_group_sql().label("channel_group")
    joined = (
        sa.select().select_from(SlaClock).join(Ticket, Ticket.id == SlaClock.ticket_id)
    )
    dims = (
        day,
        line,
        Ticket.priority.label("priority"),
        attributed_policy_sql().label("policy_id"),
        SlaClock.target.label("target"),
        group,
    )
    decided = sa.or_(SlaClock.breached_at.is_not(None), SlaClock.phase == Phase.STOPPED)
    compliance = (
        joined.add_columns(
            *dims,
            _count_if(met_sql()),
            _count_if(SlaClock.breached_at.is_not(None)),
            _count_if(no_response_sql()),
        )
        .where(decided)
        .group_by(*dims)
    )
    run(
        sa.insert(SlaDailyCompliance).from_select(
            [*_COMPLIANCE_KEY, "met", "breached", "no_response"], compliance
        )
    )
    answered = joined.where(answered_sql(), SlaClock.target.in_(TIMED_TARGETS))
    bucket = bucket_sql(SlaClock.spent_seconds).label("bucket")
    dims = (SlaClock.target.label("target"), day, line, group, bucket)
    times = answered.add_columns(
        *dims, sa.func.count(), sa.func.sum(SlaClock.spent_seconds)
    ).group_by(*dims)
    run(sa.insert(SlaDailyTimes).from_select([*_TIMES_KEY, "clocks", "seconds"], times))
    if SlaMonthlyTimes.__tablename__ in present:
        daily = SlaDailyTimes
        dims = (
            daily.target,
            month_sql(daily.day, dialect=dialect).label("month"),
            daily.line,
            daily.channel_group,
            daily.bucket,
        )
        monthly = sa.select(
            *dims, sa.func.sum(daily.clocks), sa.func.sum(daily.seconds)
        ).group_by(*dims)
        run(
            sa.insert(SlaMonthlyTimes).from_select(
                [*_MONTHLY_KEY, "clocks", "seconds"], monthly
            )
        )
    if SlaDailyValues.__tablename__ in present:
        dims = (
            SlaClock.target.label("target"),
            bucket,
            day,
            line,
            group,
            SlaClock.spent_seconds.label("spent_seconds"),
        )
        values = answered.add_columns(*dims, sa.func.count()).group_by(*dims)
        run(sa.insert(SlaDailyValues).from_select([*_VALUES_KEY, "clocks"], values))


def _count_if(condition: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.sum(sa.case((condition, 1), else_=0))
