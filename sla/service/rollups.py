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
cells with ``json_patch`` / ``jsonb ||``) per changed row,
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
from helpdesk.models import Channel, Ticket
from sla.models import (
    ALL_LINES,
    Phase,
    SlaClock,
    SlaDailyCompliance,
    SlaDailyOutcomes,
    SlaDailyParts,
    SlaDailyTimes,
    SlaDailyValues,
    SlaMonthlyCompliance,
    SlaMonthlyParts,
    SlaMonthlyTimes,
    SlaMonthlyValues,
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
_MONTHLY_COMPLIANCE_KEY = (
    "month",
    "line",
    "priority",
    "policy_id",
    "target",
    "channel_group",
)
_OUTCOMES_KEY = ("day", "line")
_TIMES_KEY = ("target", "day", "line", "channel_group")
_MONTHLY_KEY = ("target", "month", "line", "channel_group")
_PARTS_KEY = ("target", "bucket", "day", "line", "channel_group")
_MONTHLY_PARTS_KEY = ("target", "bucket", "month", "line", "channel_group")
_VALUES_KEY = ("target", "part", "day", "line", "channel_group")
_MONTHLY_VALUES_KEY = ("target", "part", "month", "line", "channel_group")
_TABLES = {
    "c": (SlaDailyCompliance, _COMPLIANCE_KEY),
    "cm": (SlaMonthlyCompliance, _MONTHLY_COMPLIANCE_KEY),
    "co": (SlaDailyOutcomes, _OUTCOMES_KEY),
    "t": (SlaDailyTimes, _TIMES_KEY),
    "tm": (SlaMonthlyTimes, _MONTHLY_KEY),
    "p": (SlaDailyParts, _PARTS_KEY),
    "pm": (SlaMonthlyParts, _MONTHLY_PARTS_KEY),
    "v": (SlaDailyValues, _VALUES_KEY),
    "vm": (SlaMonthlyValues, _MONTHLY_VALUES_KEY),
}
_MONTHLY = {"cm", "tm", "pm", "vm"}
# The histogram column of each packed table (``{"<key>": clocks}``).
_PACKED = {
    "t": "clocks_by_bucket",
    "tm": "clocks_by_bucket",
    "p": "clocks_by_part",
    "pm": "clocks_by_part",
    "v": "clocks_by_seconds",
    "vm": "clocks_by_seconds",
}


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
    """Add the non-zero differences to their roll-up rows, in key order:
    one upsert per row, consecutive rows of one table and shape sent as one
    ``executemany``."""
    rows: dict[tuple, dict] = {}
    for (table, key, column), n in delta.items():
        if n:
            rows.setdefault((table, key), {})[column] = n
    batch: list[dict] = []
    statement = shape = None
    for (table, key), counts in sorted(rows.items(), key=lambda item: repr(item[0])):
        row_shape = (table, _shape(counts))
        if row_shape != shape:
            if batch:
                connection.execute(statement, batch)
            statement = _statement(connection.dialect.name, table, counts)
            shape, batch = row_shape, []
        batch.append(dict(zip(_TABLES[table][1], key, strict=True)) | _params(counts))
    if batch:
        connection.execute(statement, batch)


_HISTOGRAMS = set(_PACKED.values())
# Written once per database, table and shape, as text: SQLAlchemy does not
# cache the compiled form of an ``ON CONFLICT`` insert (SQLite's), and
# compiling an upsert for every row cost more than running it.
_STATEMENTS: dict[tuple, sa.TextClause] = {}


def _statement(dialect: str, table: str, counts: dict) -> sa.TextClause:
    key = (dialect, table, _shape(counts))
    if key not in _STATEMENTS:
        model, names = _TABLES[table]
        _STATEMENTS[key] = _upsert(dialect == "postgresql", model, names, counts)
    return _STATEMENTS[key]


def _shape(counts: dict) -> tuple:
    """What an upsert's SQL depends on: the count columns it adds to, and
    how many cells of each histogram."""
    scalars = tuple(sorted(c for c in counts if isinstance(c, str)))
    cells = Counter(c[0] for c in counts if not isinstance(c, str))
    return scalars, tuple(sorted(cells.items()))


def _params(counts: dict) -> dict:
    params = {c: n for c, n in counts.items() if isinstance(c, str)}
    for i, ((_column, key), n) in enumerate(_cells(counts)):
        params[f"key_{i}"], params[f"n_{i}"] = key, n
    return params


def _cells(counts: dict) -> list[tuple]:
    return sorted((c, n) for c, n in counts.items() if not isinstance(c, str))


def _upsert(postgres: bool, model, names: tuple[str, ...], counts: dict):
    """``INSERT ... ON CONFLICT DO UPDATE`` adding a row's counts (the
    parameters ``_params`` makes): to its count columns, and to the cells of
    its histogram (``(column, key)``: that key's count, 0 when absent, plus
    n). The names are our own tables' and columns'."""
    table = model.__tablename__
    row = "t" if postgres else table
    scalars = [c for c in counts if isinstance(c, str)]
    cells_of: dict[str, list[tuple[str, str]]] = {}
    for i, ((column, _key), _n) in enumerate(_cells(counts)):
        cells_of.setdefault(column, []).append((f":key_{i}", f":n_{i}"))
    # A new row: the key, these counts, 0 or an empty histogram elsewhere.
    columns = [c.name for c in model.__table__.c]
    values = [
        f":{c}"
        if c in names or c in scalars
        else _histogram(postgres, None, cells_of.get(c, []))
        if c in _HISTOGRAMS
        else "0"
        for c in columns
    ]
    sets = [f"{c} = {row}.{c} + excluded.{c}" for c in scalars]
    sets += [
        f"{c} = {_histogram(postgres, f'{row}.{c}', cells)}"
        for c, cells in cells_of.items()
    ]
    sql = (
        f"INSERT INTO {table}{' AS t' if postgres else ''} ({', '.join(columns)}) "
        f"VALUES ({', '.join(values)}) ON CONFLICT ({', '.join(names)}) "
        f"DO UPDATE SET {', '.join(sets)}"
    )
    # The key's dates go in as the Date columns store them.
    typed = [sa.bindparam(n, type_=model.__table__.c[n].type) for n in names]
    return sa.text(sql).bindparams(*typed)


def _histogram(postgres: bool, column: str | None, cells: list[tuple]) -> str:
    """SQL: ``column`` (a JSON object of counts; none: a new row's empty
    one) with ``n`` added to each ``(key, n)`` parameter pair of ``cells``."""
    pairs = []
    for key, n in cells:
        if postgres:
            key = f"CAST({key} AS TEXT)"
            old = (
                f"coalesce(CAST({column} ->> {key} AS BIGINT), 0) + " if column else ""
            )
            pairs.append(f"{key}, {old}CAST({n} AS BIGINT)")
        else:
            path = f"'$.\"' || {key} || '\"'"
            old = f"coalesce(json_extract({column}, {path}), 0) + " if column else ""
            pairs.append(f"{key}, {old}{n}")
    if postgres:
        added = f"jsonb_build_object({', '.join(pairs)})"
        return f"{column} || {added}" if column else added
    added = f"json_object({', '.join(pairs)})"
    return f"json_patch({column}, {added})" if column else added


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
        for k, m in _TABLES.items()
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
    period = month if table in _MONTHLY else day
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
    return sa.select(*outer, *sums, histogram.label(_PACKED[table])).group_by(*outer)


def _count_if(condition: sa.ColumnElement) -> sa.ColumnElement:
    return sa.func.sum(sa.case((condition, 1), else_=0))
