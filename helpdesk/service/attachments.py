"""Files on a ticket: stored with the type their content shows (never the
sender's claim) and a cleaned name, each upload on the timeline."""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l

from helpdesk import files
from helpdesk.errors import InvalidInput, NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import Attachment, Ticket, User
from helpdesk.service.access import ensure_can_work_on, get_visible_ticket
from helpdesk.service.timeline import record_event
from helpdesk.vocabulary import EventKind

log = logging.getLogger(__name__)


def add_attachment(
    ticket: Ticket,
    *,
    filename: str,
    content_type: str,
    content: bytes,
    max_bytes: int,
    internal: bool = False,
    actor: User,
    now: datetime,
) -> Attachment:
    """Store a file on the ticket; ``internal`` files only staff can see.

    The stored type is read from ``content`` (``content_type`` is only the
    sender's claim, never trusted) and the name is cleaned of directories and
    control characters (``helpdesk.files``)."""
    if internal and not actor.is_staff:
        raise PermissionDenied(_l("Only agents can attach internal files."))
    if len(content) > max_bytes:
        raise InvalidInput(
            _l("The file is larger than %(size)s KB.", size=max_bytes // 1024),
            fields={"attachment": [_l("File too large.")]},
        )
    if not content:
        raise InvalidInput(
            _l("The file is empty."), fields={"attachment": [_l("File is empty.")]}
        )
    if actor.is_staff:
        ensure_can_work_on(actor, ticket)
    sniffed = files.sniff_type(content)
    if sniffed != content_type:
        log.info(
            "attachment.type_sniffed ticket_id=%s claimed=%s sniffed=%s",
            ticket.id,
            content_type[:80],
            sniffed,
        )
    attachment = Attachment(
        ticket_id=ticket.id,
        uploaded_by_id=actor.id,
        filename=files.clean_filename(filename),
        content_type=sniffed,
        size_bytes=len(content),
        internal=internal,
        content=content,
        created_at=now,
    )
    db.session.add(attachment)
    db.session.flush()
    record_event(
        ticket,
        EventKind.ATTACHMENT_ADDED,
        actor=actor,
        now=now,
        data={"attachment_id": attachment.id, "filename": attachment.filename},
        internal=internal,
    )
    return attachment


def get_attachment(ticket: Ticket, attachment_id: int, *, actor: User) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.ticket_id != ticket.id
        or (attachment.internal and not actor.is_staff)
    ):
        raise NotFound(_l("Attachment not found."))
    return attachment


def get_visible_attachment(actor: User, attachment_id: int) -> Attachment:
    """An attachment by its own id, under the same rule as its ticket (and
    internal files for staff only): anything else is the same 404."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(_l("Attachment not found."))
    ticket = get_visible_ticket(actor, attachment.ticket_id)
    return get_attachment(ticket, attachment_id, actor=actor)
