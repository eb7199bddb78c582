"""What imports remember: the legacy system's id of every imported record
(so a second run updates instead of duplicating) and each import run from
the admin page (its file, mapping, validation report and progress)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.db import Base, str_enum


class ImportRef(Base):
    """One legacy record and the row it became: ``kind`` is ``user``,
    ``ticket``, ``comment`` or ``article``; ``legacy_number`` is the ticket
    number the old system showed (kept when ours differs, and searchable)."""

    __tablename__ = "import_refs"
    __table_args__ = (
        sa.UniqueConstraint("kind", "external_id"),
        sa.Index("ix_import_refs_kind_object_id", "kind", "object_id"),
        sa.Index("ix_import_refs_legacy_number", "legacy_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    external_id: Mapped[str] = mapped_column(sa.String(160))
    object_id: Mapped[int]
    legacy_number: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class JobStatus(enum.StrEnum):
    CHECKING = "checking"  # its rows are being validated
    UPLOADED = "uploaded"  # checked; waits for its mapping or confirmation
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(Base):
    """An import from the admin page: the uploaded file waits here between
    the preview and the confirmation (any web worker may get either)."""

    __tablename__ = "import_jobs"
    __table_args__ = (sa.Index("ix_import_jobs_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    filename: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, "import_job_status"), default=JobStatus.CHECKING
    )
    strict: Mapped[bool] = mapped_column(default=False)
    # Source header -> field of the kind; empty: the headers are the fields.
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    total_rows: Mapped[int] = mapped_column(default=0)
    good_rows: Mapped[int] = mapped_column(default=0)
    written_rows: Mapped[int] = mapped_column(default=0)
    # {"errors": [{"line", "column", "message", "params"}], "bad_rows": n, ...}
    report: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
    # While checking or running: the process doing it ("host:pid") and since
    # when, so a job whose process ended mid-way is found and failed
    # (helpdesk.imports.watch).
    runner: Mapped[str | None] = mapped_column(sa.String(120))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
