"""The optional file field of the request and reply forms."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request

from helpdesk.models import Attachment, Ticket, User
from helpdesk.service import tickets as ticket_service


def save_uploaded_file(
    ticket: Ticket, *, actor: User, now: datetime
) -> Attachment | None:
    """Store the form's ``attachment`` file, if one was chosen."""
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        return None
    return ticket_service.add_attachment(
        ticket,
        filename=upload.filename,
        content_type=upload.mimetype or "application/octet-stream",
        content=upload.read(current_app.config["MAX_ATTACHMENT_BYTES"] + 1),
        max_bytes=current_app.config["MAX_ATTACHMENT_BYTES"],
        actor=actor,
        now=now,
    )
