"""The declarative base, a UTC datetime column type, the enum helper, a
term kept off the indexes, and the INSERT with ON CONFLICT of both databases."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.sql.visitors import InternalTraversal

# The largest id both databases can hold: ids are INTEGER columns, 32-bit on
# PostgreSQL (binding more is a DataError there; past 2**63 an OverflowError
# in sqlite3). An id past it cannot exist.
MAX_ID = 2**31 - 1

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores aware UTC instants; refuses naive ones.

    SQLite's ``DateTime(timezone=True)`` silently drops the offset, so values
    are normalised to UTC on the way in and marked UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; use an aware UTC instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_class: type[enum.StrEnum], name: str) -> sa.Enum:
    """An enum column stored by value, as a VARCHAR with a CHECK constraint."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


mapper_registry = registry(
    metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
    type_annotation_map={datetime: UTCDateTime()},
)


class Base(DeclarativeBase):
    registry = mapper_registry
    metadata = mapper_registry.metadata


# What SQLite says when the disk, not the code, refuses a write: a read-only
# file or directory, a full disk, a failing device. sqlite3 raises them as
# OperationalError, but a wrapper may raise them as a plain DatabaseError.
_STORAGE_TROUBLE = (
    "attempt to write a readonly database",
    "database or disk is full",
    "disk i/o error",
    "unable to open database file",
)


def database_trouble(err: BaseException) -> bool:
    """A locked, unreachable, read-only, full or exhausted database, as
    opposed to a bug: worth a 503 and a later retry, never a crash."""
    if isinstance(err, sa.exc.OperationalError | sa.exc.TimeoutError):
        return True
    if isinstance(err, sa.exc.DBAPIError):
        text = str(err.orig).lower()
        return err.connection_invalidated or any(t in text for t in _STORAGE_TROUBLE)
    return False


class unindexed(sa.sql.ColumnElement):  # noqa: N801 - used like a function
    """``column`` as a condition no index may serve: ``+column`` on SQLite
    (its documented way to keep a term off the indexes), itself elsewhere.

    Without ANALYZE statistics SQLite prefers an index on a low-selectivity
    column (an event's kind, a clock's phase) to the ticket ids a query
    names, and reads every event of the kind; PostgreSQL plans by its
    statistics and gets the column as it is."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: sa.ColumnElement) -> None:
        self.column = column
        self.type = column.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler, **kw) -> str:
    return compiler.process(element.column, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler, **kw) -> str:
    return "+" + compiler.process(element.column, **kw)


def dialect_insert(dialect: str):
    """The INSERT construct of ``dialect``, with its ON CONFLICT clauses."""
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"SQLite and PostgreSQL are supported, not {dialect}")


def insert_once(connection: sa.Connection, table: sa.Table, values: dict) -> bool:
    """Insert the row unless its unique key is taken (by another process,
    or a run before): True if it went in. One statement, no savepoint;
    RETURNING says whether it went in (rowcount is not reliable once
    PostgreSQL returns rows)."""
    statement = (
        dialect_insert(connection.dialect.name)(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    return connection.execute(statement).first() is not None
