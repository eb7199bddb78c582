"""The quarantine: messages that could not be ingested, kept as received
for an admin to look at and download, newest first."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.inbound.models import QuarantinedMessage, QuarantineReason
from helpdesk.inbound.parse import summarise_headers

log = logging.getLogger(__name__)


def quarantine(
    raw: bytes,
    reason: QuarantineReason,
    *,
    detail: str,
    now: datetime,
    size_bytes: int | None = None,
    truncated: bool = False,
) -> QuarantinedMessage:
    """Keep a message that could not be ingested for an admin to look at,
    with a warning in the log naming it and the reason. Flushes."""
    summary = summarise_headers(raw)
    row = QuarantinedMessage(
        reason=reason,
        detail=detail[:2000],
        sender=(summary.sender or "")[:254] or None,
        subject=summary.subject,
        message_id=summary.message_id,
        size_bytes=len(raw) if size_bytes is None else size_bytes,
        truncated=truncated,
        raw=raw,
        received_at=now,
    )
    db.session.add(row)
    db.session.flush()
    log.warning(
        "mail_in.quarantined quarantine_id=%s reason=%s sender=%s message_id=%s "
        "detail=%s",
        row.id,
        reason.value,
        row.sender,
        row.message_id,
        row.detail,
    )
    return row


def quarantine_page(
    *, after: tuple[datetime, int] | None, limit: int
) -> list[QuarantinedMessage]:
    """Up to ``limit`` quarantined messages, newest first, after the keyset
    ``(received_at, id)`` of the previous page's last row."""
    query = sa.select(QuarantinedMessage).order_by(
        QuarantinedMessage.received_at.desc(), QuarantinedMessage.id.desc()
    )
    if after is not None:
        received_at, row_id = after
        query = query.where(
            sa.or_(
                QuarantinedMessage.received_at < received_at,
                sa.and_(
                    QuarantinedMessage.received_at == received_at,
                    QuarantinedMessage.id < row_id,
                ),
            )
        )
    return list(db.session.scalars(query.limit(limit)))


def get_quarantined(quarantine_id: int) -> QuarantinedMessage:
    row = db.session.get(QuarantinedMessage, quarantine_id)
    if row is None:
        raise NotFound(_l("Message not found."))
    return row
