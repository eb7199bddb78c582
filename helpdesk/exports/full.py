"""The full export: every table of every package as one JSON document, for
moving to another system. Written as it is read - each table keyset-paginated
on its primary key, a batch of rows at a time - so memory stays bounded
however large the database.

Shape: ``{"format": "tiered-helpdesk", "version": 1, "exported_at": "...Z",
"schema_revision": "...", "tables": {"users": [{...}, ...], ...}}``; tables
in dependency order (parents first), instants ISO 8601 UTC with ``Z``,
binary columns base64. Secrets stay behind: API token digests (the table is
left out) and password hashes (null) unless ``with_secrets``; so do the
import page's uploaded files.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import IO, Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.tabular import iso_utc

SECRET_TABLES = frozenset({"api_tokens"})
SECRET_COLUMNS = {"users": frozenset({"password_hash"})}
SKIPPED_TABLES = frozenset({"import_jobs", "alembic_version"})


def export_all(
    out: IO[str],
    *,
    now: datetime,
    with_secrets: bool = False,
    batch: int = 1000,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Write the document to ``out``; returns the row count of each table."""
    out.write('{"format": "tiered-helpdesk", "version": 1, ')
    out.write(f'"exported_at": {json.dumps(iso_utc(now))}, ')
    out.write(f'"schema_revision": {json.dumps(_revision())}, "tables": {{')
    counts: dict[str, int] = {}
    tables = [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]
    if not with_secrets:
        tables = [t for t in tables if t.name not in SECRET_TABLES]
    for index, table in enumerate(tables):
        out.write(("" if index == 0 else ", ") + f"{json.dumps(table.name)}: [")
        hidden = (
            frozenset() if with_secrets else SECRET_COLUMNS.get(table.name, frozenset())
        )
        counts[table.name] = _write_table(out, table, hidden, batch)
        out.write("]")
        if progress is not None:
            progress(table.name, counts[table.name])
    out.write("}}\n")
    return counts


def _write_table(out: IO[str], table: sa.Table, hidden: frozenset, batch: int) -> int:
    key = list(table.primary_key.columns)
    count, after = 0, None
    while True:
        query = sa.select(table).order_by(*key).limit(batch)
        if after is not None:
            query = query.where(sa.tuple_(*key) > sa.tuple_(*after))
        rows = db.session.execute(query).mappings().all()
        for row in rows:
            record = {
                name: (None if name in hidden else _json(v)) for name, v in row.items()
            }
            out.write(
                ("" if count == 0 else ", ") + json.dumps(record, ensure_ascii=False)
            )
            count += 1
        if len(rows) < batch:
            return count
        after = tuple(rows[-1][c.name] for c in key)


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value  # StrEnum members
    return value


def _revision() -> str | None:
    try:
        return db.session.execute(
            sa.text("SELECT version_num FROM alembic_version")
        ).scalar()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return None
