"""A new ticket's id (its number) before anything of it is written.

The intake computes first and writes last: the rules, the SLA clocks, the
timeline and the mails all name the ticket by its id, so the id is taken
before the unit of work writes anything, and the whole ticket is written by
the one flush at commit. On SQLite that matters most: the write lock is
taken at a transaction's first write and held to its commit, and every other
worker's write waits on it; taken at the end, it covers only the flush.

- PostgreSQL: ``nextval`` of the table's own sequence, on the session's
  connection (no lock, no commit; other inserts use the same sequence).
- SQLite: one upsert of a counter row, in its own short transaction on
  another connection, so the unit of work still holds no lock (unless it
  has written already and holds it: then on its own connection, since the
  other connection would wait for it). The counter
  never goes below the table's largest id, so rows written without it (an
  import keeping its legacy numbers, demo data) are never handed out again.
  A reserved id whose unit of work fails is a gap, as with a sequence.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.runtime_models import IdCounter

_COUNTERS = IdCounter.__tablename__
_SQLITE_NEXT = sa.text(
    f"INSERT INTO {_COUNTERS} (name, last_id) "
    "VALUES ('tickets', (SELECT COALESCE(MAX(id), 0) + 1 FROM tickets)) "
    "ON CONFLICT (name) DO UPDATE SET last_id = "
    f"MAX({_COUNTERS}.last_id, (SELECT COALESCE(MAX(id), 0) FROM tickets)) + 1 "
    "RETURNING last_id"
)
_POSTGRESQL_NEXT = sa.text("SELECT nextval(pg_get_serial_sequence('tickets', 'id'))")


def reserve_ticket_id() -> int:
    """An id no ticket has or will be given, without writing the ticket."""
    if db.engine.dialect.name == "postgresql":
        return int(db.session.execute(_POSTGRESQL_NEXT).scalar_one())
    own = db.session.connection()
    if own.connection.dbapi_connection.in_transaction:
        return int(own.execute(_SQLITE_NEXT).scalar_one())
    with db.engine.begin() as connection:
        return int(connection.execute(_SQLITE_NEXT).scalar_one())


def ticket_in_session(session: Session, ticket_id: int) -> Ticket | None:
    """The ticket of this id as the session holds it: loaded (no query),
    else pending when it is new (written by the commit's flush, and until
    then, during that flush too, no key lookup finds it), else read by key."""
    loaded = session.identity_map.get(identity_key(Ticket, ticket_id))
    if loaded is not None:
        return loaded
    for obj in session.new:
        if isinstance(obj, Ticket) and obj.id == ticket_id:
            return obj
    return session.get(Ticket, ticket_id)
