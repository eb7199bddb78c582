"""The dashboard's backlog: active tickets by line and status, now, read from
counters the database keeps (``sla_backlog_counts``) instead of counting
every active ticket (150,000 at 1M tickets: 40-55 ms on SQLite).

Triggers on ``tickets`` (migration 0036) add 1 to the row of a ticket's
``(line, status)`` when it is inserted or takes that line or status, and 1
less when it leaves them or is deleted - whatever writes the ticket: the ORM,
a Core ``UPDATE``, an import, a restore of saved rows. Every status is
counted, so which statuses are active is decided at read, here. A pair's
count is the sum of its shard rows:

- on PostgreSQL each transaction writes the shard ``txid % 64``, and the
  triggers are deferred to the commit, so concurrent intakes neither queue
  on one row nor hold it while the rest of their transaction runs (a shard
  may go negative; only the sum means anything);
- on SQLite (one writer at a time) every change goes to shard 0.

The table is written only by those triggers, so it is not in ``db.metadata``
(like the full-text tables): the tests' emptying and putting back of the
model tables delete and insert tickets, and the triggers follow; migrations
leave it out of autogenerate (``keep_out_of_autogenerate``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from helpdesk.db import NAMING_CONVENTION
from helpdesk.extensions import db
from helpdesk.vocabulary import ACTIVE_STATUSES

TABLE = "sla_backlog_counts"
# The PostgreSQL triggers' names: deferred constraint triggers can be fired
# early by name (``SET CONSTRAINTS``).
POSTGRESQL_TRIGGERS = ("sla_backlog_insert_delete", "sla_backlog_update")
LINES = (1, 2, 3)  # the tickets' CHECK allows these only


class TriggerKept(DeclarativeBase):
    """Tables only database triggers write: outside the models' metadata."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class BacklogCount(TriggerKept):
    """How many tickets are in ``line`` and ``status``: the sum over shards."""

    __tablename__ = TABLE
    __table_args__ = {"sqlite_with_rowid": False}

    line: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True)
    tickets: Mapped[int]


def backlog(line: int | None) -> list[dict]:
    """Active tickets by line and status, now (every creation date), of
    ``line`` if set: the non-empty pairs in (line, status) order."""
    if db.session.get_bind().dialect.name == "postgresql":
        # This transaction's own ticket writes count too (their triggers
        # would otherwise wait for the commit).
        db.session.execute(
            sa.text(f"SET CONSTRAINTS {', '.join(POSTGRESQL_TRIGGERS)} IMMEDIATE")
        )
    c = BacklogCount
    tickets = sa.func.sum(c.tickets)
    query = (
        sa.select(c.line, c.status, tickets)
        .where(
            c.status.in_(sorted(s.value for s in ACTIVE_STATUSES)),
            c.line.in_([line] if line else LINES),
        )
        .group_by(c.line, c.status)
        .having(tickets > 0)
        .order_by(c.line, c.status)
    )
    return [
        {"line": row_line, "status": status, "tickets": int(n)}
        for row_line, status, n in db.session.execute(query)
    ]


def keep_out_of_autogenerate(app: Flask) -> None:
    """The migrations' comparison with the models skips the counters' table
    (it is no model of ``db.metadata``; ``tests/sla`` checks it on its own)."""
    config = app.extensions.get("migrate")
    if config is None:
        return
    previous = config.configure_args.get("include_name")

    def include_name(name, type_, parent_names) -> bool:
        if type_ == "table" and name == TABLE:
            return False
        return previous(name, type_, parent_names) if previous else True

    config.configure_args["include_name"] = include_name
