"""Writing the audit log: generically for the audited tables, explicitly
through ``record_audit`` for everything else (logins, backups, imports...).

Every flush of any session looks at the rows it inserts, updates and deletes;
those of an audited table (``AUDITED``, by table name, so the core needs no
import of the packages that own them) get an audit row in the same
transaction, with a before/after diff of the changed columns. Secrets (password
hashes, token digests) are never stored: a change to one shows as
``[redacted]``. Audit rows are append-only: the session refuses to update or
delete one, by the unit of work or by an UPDATE/DELETE statement.

The actor and address come from the request when there is one (the user
flask-login has loaded, the client's address as ProxyFix gives it), else
``cli`` in a command and ``system`` in a scheduler job. This is the one
place below the views that reads the request: the log must record who acted
without every service passing it down.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

import click
import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Session

from helpdesk.audit.models import AuditEntry
from helpdesk.clock import get_clock

# table name -> the word actions start with (``user.updated``).
AUDITED: dict[str, str] = {
    "users": "user",
    "api_tokens": "token",
    "categories": "category",
    "sla_calendars": "calendar",
    "sla_working_intervals": "calendar_hours",
    "sla_holidays": "holiday",
    "sla_policies": "policy",
    "routing_rules": "rule",
    "kb_canned_responses": "canned_reply",
    "macros": "macro",
}
# Tokens are revoked by deleting them.
VERBS = {"token": {"deleted": "revoked"}}
REDACTED = "[redacted]"
_SECRET_WORDS = ("password", "digest", "secret", "token_hash")
# Columns that change on every save (or every logout) and say nothing by themselves.
# Bookkeeping and columns derived from others (the search and phone lookups).
_NOISE = frozenset(
    {"updated_at", "session_version", "lookup_text", "phone_e164", "phone_reversed"}
)


class AuditImmutable(RuntimeError):
    """Something tried to change or delete an audit row."""


def audit_table(table: str, word: str) -> None:
    """Audit every insert, update and delete of ``table`` as ``word.*``."""
    AUDITED[table] = word


def _is_secret(column: str) -> bool:
    return any(word in column for word in _SECRET_WORDS)


def _plain(value: Any) -> Any:
    """A JSON-safe form of a column value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _context() -> dict:
    """Who is acting, and from where."""
    if has_request_context():
        user = g.get("_login_user")  # loaded by flask-login; never load it here
        if user is None or not getattr(user, "is_authenticated", False):
            user = g.get("audit_actor")  # who a login or token request is for
        address = request.remote_addr
        if user is not None and getattr(user, "is_authenticated", False):
            return {"actor_id": user.id, "actor": user.email, "remote_addr": address}
        return {"actor_id": None, "actor": "anonymous", "remote_addr": address}
    actor = "cli" if click.get_current_context(silent=True) is not None else "system"
    return {"actor_id": None, "actor": actor, "remote_addr": None}


def _now() -> datetime:
    return get_clock().now()


def entry_values(
    action: str,
    *,
    target_type: str | None = None,
    target_id: Any = None,
    changes: dict | None = None,
    data: dict | None = None,
    actor: Any = None,
    now: datetime | None = None,
) -> dict:
    """The column values of one audit row; ``actor`` (a user) overrides the
    request's, e.g. for a login, where the user is not loaded yet."""
    if actor is not None and has_request_context():
        g.audit_actor = actor  # the request's later rows are theirs too
    values = _context()
    if actor is not None:
        values |= {"actor_id": actor.id, "actor": actor.email}
    return values | {
        "created_at": now or _now(),
        "action": action[:64],
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id)[:64],
        "changes": _plain(changes or {}),
        "data": _plain(data or {}),
    }


def record_audit(action: str, **fields: Any) -> AuditEntry:
    """Add an audit row for ``action`` (``login.failed``, ``backup.created``,
    ``import.tickets``...) to the session; it is committed with the caller's
    transaction. ``fields``: ``target_type``, ``target_id``, ``changes``,
    ``data`` (small, JSON-safe), ``actor``, ``now``."""
    from helpdesk.extensions import db

    entry = AuditEntry(**entry_values(action, **fields))
    db.session.add(entry)
    return entry


# --- the session events ---------------------------------------------------------


def _diff(state: sa.orm.InstanceState, kind: str, remembered: dict) -> dict:
    """``{column: [before, after]}`` of the columns that change."""
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        history = state.attrs[key].history
        if kind == "updated" and not history.has_changes():
            continue
        if kind == "updated" and key in _NOISE:
            continue
        # Never a load inside the flush: what the object held, or what
        # _remember_before read, or None.
        before = history.deleted[0] if history.deleted else remembered.get(key)
        after = history.added[0] if history.added else None
        if kind == "created":
            before, after = None, state.dict.get(key)
        elif kind == "deleted":
            before, after = state.dict.get(key), None
        if kind == "updated" and _plain(before) == _plain(after):
            continue
        if _is_secret(key):
            before = REDACTED if before is not None else None
            after = REDACTED if after is not None else None
        changes[key] = [_plain(before), _plain(after)]
    return changes


def _label(state: sa.orm.InstanceState) -> str | None:
    """A name to show beside the id, from what the object holds (no load)."""
    for name in ("email", "name", "code", "title"):
        value = state.dict.get(name)
        if isinstance(value, str):
            return value[:120]
    return None


def _before_flush(session: Session, _context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditImmutable("audit entries cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise AuditImmutable("audit entries cannot be changed")
        if AUDITED.get(getattr(obj, "__tablename__", None)):
            _remember_before(session, sa.inspect(obj))


def _remember_before(session: Session, state: sa.orm.InstanceState) -> None:
    """The stored values of changed columns whose old value the object
    never held (set after a commit expired it): read them before the flush
    overwrites them, for the diff."""
    missing = [
        attr
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.added
        and not state.attrs[attr.key].history.deleted
    ]
    if not missing or state.identity is None:
        return
    table = state.mapper.local_table
    key = [table.c[c.name] for c in state.mapper.primary_key]
    row = (
        session.connection()
        .execute(
            sa.select(*(a.columns[0] for a in missing)).where(
                *(
                    column == value
                    for column, value in zip(key, state.identity, strict=True)
                )
            )
        )
        .one_or_none()
    )
    if row is not None:
        befores = session.info.setdefault("audit_before", {})
        befores[id(state)] = dict(zip((a.key for a in missing), row, strict=True))


def _after_flush(session: Session, _flush_context) -> None:
    # Still the pre-flush state here: new/dirty/deleted and each attribute's
    # history, with the new rows' ids assigned.
    rows = []
    befores = session.info.pop("audit_before", {})
    for kind, objects in (
        ("created", session.new),
        ("updated", session.dirty),
        ("deleted", session.deleted),
    ):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            word = AUDITED.get(table)
            if word is None:
                continue
            state = sa.inspect(obj)
            changes = _diff(state, kind, befores.get(id(state), {}))
            if kind == "updated" and not changes:
                continue
            verb = VERBS.get(word, {}).get(kind, kind)
            # Not state.identity: a new row's is only set after the flush.
            key = state.mapper.primary_key_from_instance(obj)
            rows.append(
                entry_values(
                    f"{word}.{verb}",
                    target_type=table,
                    target_id="/".join(map(str, key)) if None not in key else None,
                    changes=changes,
                    data={"label": _label(state)},
                )
            )
    if rows:
        session.connection().execute(sa.insert(AuditEntry.__table__), rows)


def _refuse_statements(execute_state: sa.orm.ORMExecuteState) -> None:
    """UPDATE/DELETE statements on the audit log are refused too."""
    if not (execute_state.is_update or execute_state.is_delete):
        return
    table = getattr(execute_state.statement, "table", None)
    if table is not None and getattr(table, "name", None) == AuditEntry.__tablename__:
        raise AuditImmutable("audit entries cannot be changed or deleted")


_connected = False


def connect() -> None:
    """Listen on every session (once per process)."""
    global _connected
    if _connected:
        return
    sa.event.listen(Session, "before_flush", _before_flush)
    sa.event.listen(Session, "after_flush", _after_flush)
    sa.event.listen(Session, "do_orm_execute", _refuse_statements)
    _connected = True
