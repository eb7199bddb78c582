"""The admins' view of mail in: the quarantine of messages that could not be
ingested, and each one's raw message to download."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from flask import current_app, render_template, request, send_file

from helpdesk.inbound.quarantine import get_quarantined, quarantine_page
from helpdesk.pagination import decode_key, page
from helpdesk.security import untrusted_download
from helpdesk.views import bp
from helpdesk.views.access import admin_required


@bp.get("/admin/mail/quarantine")
@admin_required
def quarantine_list():
    after = decode_key(request.args.get("cursor"), datetime, int)
    limit = current_app.config["PAGE_SIZE"]
    rows, next_cursor = page(
        quarantine_page(after=after, limit=limit + 1),
        limit,
        key=lambda row: (row.received_at, row.id),
    )
    return render_template(
        "helpdesk/admin_quarantine.html", messages=rows, next_cursor=next_cursor
    )


@bp.get("/admin/mail/quarantine/<int:quarantine_id>/raw")
@admin_required
def quarantine_raw(quarantine_id: int):
    message = get_quarantined(quarantine_id)
    # A download, never shown inline: the message is untrusted content.
    response = send_file(
        BytesIO(message.raw),
        mimetype="message/rfc822",
        as_attachment=True,
        download_name=f"quarantine-{message.id}.eml",
    )
    return untrusted_download(response)
