"""Files on a ticket through the API: list them, upload one (multipart, as
the pages' forms do), read one's details, download its bytes.

The same rules as the pages: a requester sees the files of their own tickets
but never internal ones; staff attach to tickets of their line; downloads are
served as untrusted (never rendered by the browser as one of our pages)."""

from __future__ import annotations

from io import BytesIO

from flask import current_app, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from helpdesk import files
from helpdesk.api import bp
from helpdesk.clock import get_clock
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.openapi_parts import ID_PARAM, json_content, list_of, operation
from helpdesk.schemas.accounts import UserBriefOut
from helpdesk.schemas.common import UTCDateTime
from helpdesk.security import untrusted_download
from helpdesk.service import access, attachments, queries
from helpdesk.unit_of_work import retried_when_locked


class AttachmentOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    filename = fields.String()
    # Read from the file's bytes when it was stored, never the uploader's claim.
    content_type = fields.String()
    size_bytes = fields.Integer()
    internal = fields.Boolean()
    uploaded_by = fields.Nested(UserBriefOut)
    created_at = UTCDateTime()
    content_url = fields.Function(
        lambda a: f"/api/v1/attachments/{a.id}/content", metadata={"type": "string"}
    )


@bp.get("/v1/tickets/<int:ticket_id>/attachments")
@login_required
def attachment_list(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    items = queries.ticket_attachments(ticket, actor=current_user)
    return {"items": AttachmentOut(many=True).dump(items), "next_cursor": None}


@bp.post("/v1/tickets/<int:ticket_id>/attachments")
@login_required
@retried_when_locked
def attachment_create(ticket_id: int):
    """``multipart/form-data`` with the file in ``attachment`` (as the
    pages' forms name it) and, for staff,
    ``internal=true`` to keep it from the requester."""
    ticket = access.get_visible_ticket(current_user, ticket_id)
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        message = _("Send the file as multipart/form-data in the field “attachment”.")
        raise InvalidInput(message, fields={"attachment": [message]})
    internal = _internal_flag(request.form.get("internal", "false"))
    max_bytes = current_app.config["MAX_ATTACHMENT_BYTES"]
    attachment = attachments.add_attachment(
        ticket,
        filename=upload.filename,
        content_type=upload.mimetype or "application/octet-stream",
        # One byte over the limit is enough to refuse it; no more is read.
        content=upload.read(max_bytes + 1),
        max_bytes=max_bytes,
        internal=internal,
        actor=current_user,
        now=get_clock().now(),
    )
    db.session.commit()
    headers = {"Location": f"/api/v1/attachments/{attachment.id}"}
    return AttachmentOut().dump(attachment), 201, headers


def _internal_flag(value: str) -> bool:
    flag = {"true": True, "1": True, "false": False, "0": False, "": False}.get(
        value.strip().lower()
    )
    if flag is None:
        message = _("Not a valid boolean.")
        raise InvalidInput(message, fields={"internal": [message]})
    return flag


@bp.get("/v1/attachments/<int:attachment_id>")
@login_required
def attachment_get(attachment_id: int):
    attachment = attachments.get_visible_attachment(current_user, attachment_id)
    return AttachmentOut().dump(attachment)


@bp.get("/v1/attachments/<int:attachment_id>/content")
@login_required
def attachment_content(attachment_id: int):
    attachment = attachments.get_visible_attachment(current_user, attachment_id)
    response = send_file(
        BytesIO(attachment.content),
        mimetype=files.served_type(attachment.content_type),
        as_attachment=True,
        download_name=files.clean_filename(attachment.filename),
    )
    return untrusted_download(response)


def add_openapi_paths(spec) -> None:
    spec.components.schema("AttachmentOut", schema=AttachmentOut)
    attachment = json_content("AttachmentOut")
    upload = {
        "type": "object",
        "required": ["attachment"],
        "properties": {
            "attachment": {"type": "string", "format": "binary"},
            "internal": {
                "type": "boolean",
                "default": False,
                "description": "staff only: hidden from the requester",
            },
        },
    }
    spec.path(
        path="/v1/tickets/{id}/attachments",
        operations={
            "get": operation(
                "The ticket's files, oldest first (requesters: not internal ones)",
                {"200": {"description": "Files", **list_of("AttachmentOut")}},
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "post": {
                **operation(
                    "Attach a file (its type is read from its bytes; "
                    "`MAX_ATTACHMENT_BYTES` at most)",
                    {"201": {"description": "Stored", **attachment}},
                    params=[ID_PARAM],
                    errors=("401", "403", "404", "422"),
                ),
                "requestBody": {
                    "required": True,
                    "content": {"multipart/form-data": {"schema": upload}},
                },
            },
        },
    )
    spec.path(
        path="/v1/attachments/{id}",
        operations={
            "get": operation(
                "One file's details",
                {"200": {"description": "File", **attachment}},
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )
    spec.path(
        path="/v1/attachments/{id}/content",
        operations={
            "get": operation(
                "The file itself, always as a download (`Content-Disposition: "
                "attachment`); types a browser could run come as "
                "`application/octet-stream`",
                {
                    "200": {
                        "description": "The bytes",
                        "content": {
                            "application/octet-stream": {
                                "schema": {"type": "string", "format": "binary"}
                            }
                        },
                    }
                },
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )
