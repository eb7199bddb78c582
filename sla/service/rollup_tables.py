"""The dashboard's roll-up tables by short name (their models, keys and
packed histogram columns), and how a difference in counts reaches their
rows: one ``INSERT ... ON CONFLICT DO UPDATE`` per row adding to its count
columns and to its histogram's cells, in key order (see
``sla.service.rollups``, which computes the differences)."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from sla.models import (
    SlaDailyCompliance,
    SlaDailyOutcomes,
    SlaDailyParts,
    SlaDailyTimes,
    SlaDailyValues,
    SlaMonthlyCompliance,
    SlaMonthlyParts,
    SlaMonthlyTimes,
    SlaMonthlyValues,
)

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
TABLES = {
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
MONTHLY = {"cm", "tm", "pm", "vm"}
# The histogram column of each packed table (``{"<key>": clocks}``).
PACKED = {
    "t": "clocks_by_bucket",
    "tm": "clocks_by_bucket",
    "p": "clocks_by_part",
    "pm": "clocks_by_part",
    "v": "clocks_by_seconds",
    "vm": "clocks_by_seconds",
}


def apply_delta(connection, delta: Counter) -> None:
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
        batch.append(dict(zip(TABLES[table][1], key, strict=True)) | _params(counts))
    if batch:
        connection.execute(statement, batch)


_HISTOGRAMS = set(PACKED.values())
# Written once per database, table and shape, as text: SQLAlchemy does not
# cache the compiled form of an ``ON CONFLICT`` insert (SQLite's), and
# compiling an upsert for every row cost more than running it.
_STATEMENTS: dict[tuple, sa.TextClause] = {}


def _statement(dialect: str, table: str, counts: dict) -> sa.TextClause:
    key = (dialect, table, _shape(counts))
    if key not in _STATEMENTS:
        model, names = TABLES[table]
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
