"""The optional file field of the request and reply forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, request
from marshmallow import ValidationError

from helpdesk.i18n import N_
from helpdesk.models import Attachment, Ticket, User
from helpdesk.service import attachments


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


def read_upload() -> Upload | None:
    """The form's ``attachment`` file, checked like any other field: raises
    ValidationError before anything is stored, so the form can be re-rendered."""
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        return None
    max_bytes = current_app.config["MAX_ATTACHMENT_BYTES"]
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise ValidationError({"attachment": [N_("File too large.")]})
    if not content:
        raise ValidationError({"attachment": [N_("File is empty.")]})
    return Upload(
        upload.filename, upload.mimetype or "application/octet-stream", content
    )


def save_upload(
    upload: Upload | None,
    ticket: Ticket,
    *,
    internal: bool = False,
    actor: User,
    now: datetime,
) -> Attachment | None:
    if upload is None:
        return None
    return attachments.add_attachment(
        ticket,
        filename=upload.filename,
        content_type=upload.content_type,
        content=upload.content,
        max_bytes=current_app.config["MAX_ATTACHMENT_BYTES"],
        internal=internal,
        actor=actor,
        now=now,
    )
