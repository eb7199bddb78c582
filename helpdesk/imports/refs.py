"""The legacy ids of imported records: looked up a batch at a time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.imports.models import ImportRef


def lookup(kind: str, external_ids: Iterable[str]) -> dict[str, int]:
    """``{external id: object id}`` of those already imported, one query."""
    wanted = sorted({e for e in external_ids if e})
    if not wanted:
        return {}
    rows = db.session.execute(
        sa.select(ImportRef.external_id, ImportRef.object_id).where(
            ImportRef.kind == kind, ImportRef.external_id.in_(wanted)
        )
    )
    return dict(rows.all())


def remember(
    kind: str,
    external_id: str,
    object_id: int,
    *,
    now: datetime,
    legacy_number: str | None = None,
) -> None:
    """Record a newly imported record's legacy id (adds, does not flush)."""
    db.session.add(
        ImportRef(
            kind=kind,
            external_id=external_id,
            object_id=object_id,
            legacy_number=legacy_number,
            created_at=now,
            updated_at=now,
        )
    )


def remember_all(
    kind: str, records: list[tuple[str, int, str | None]], *, now: datetime
) -> None:
    """Record many (external id, object id, legacy number) in one INSERT."""
    if records:
        db.session.execute(
            ImportRef.__table__.insert(),
            [
                {
                    "kind": kind,
                    "external_id": external_id,
                    "object_id": object_id,
                    "legacy_number": legacy_number,
                    "created_at": now,
                    "updated_at": now,
                }
                for external_id, object_id, legacy_number in records
            ],
        )


def ids_by_legacy_number(number: str) -> list[int]:
    """Tickets the old system knew by ``number`` (an indexed lookup)."""
    return list(
        db.session.scalars(
            sa.select(ImportRef.object_id).where(
                ImportRef.kind == "ticket", ImportRef.legacy_number == number.strip()
            )
        )
    )


def legacy_numbers(ticket_ids: Iterable[int]) -> dict[int, str]:
    ids = list(ticket_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ImportRef.object_id, ImportRef.legacy_number).where(
            ImportRef.kind == "ticket",
            ImportRef.object_id.in_(ids),
            ImportRef.legacy_number.is_not(None),
        )
    )
    return dict(rows.all())
