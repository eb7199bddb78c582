"""Helpers shared by the benchmark scripts (they import it as ``common``,
since a script's own folder is on ``sys.path``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from helpdesk.db import UTCDateTime

# The tickets columns the bulk seeders fill, in insert order.
TICKET_COLUMNS = [
    "id",
    "subject",
    "description",
    "status",
    "priority",
    "channel",
    "line",
    "category_id",
    "requester_id",
    "assignee_id",
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
]


def insert_sql(table: str, columns: list[str]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def datetime_storer(dialect) -> Callable[[datetime | None], object]:
    """The exact bind processing of the ``UTCDateTime`` column type on this
    dialect (SQLite: naive UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``), so bulk
    rows read back exactly as the ORM stores them."""
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    return process or (lambda value: value)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]
