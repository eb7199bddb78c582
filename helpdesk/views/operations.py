"""The admin's operations page: the backups (the newest one's age and size
first) and, from /healthz's checks, how the service is doing."""

from __future__ import annotations

from flask import current_app, render_template

from helpdesk.backup import archive
from helpdesk.backup.service import BackupSettings
from helpdesk.clock import get_clock
from helpdesk.health import health
from helpdesk.views import bp
from helpdesk.views.access import admin_required


@bp.get("/admin/operations")
@admin_required
def operations_page():
    now = get_clock().now()
    settings = BackupSettings.of(current_app)
    backups = archive.list_backups(settings.folder)
    return render_template(
        "helpdesk/admin_operations.html",
        backups=backups,
        latest=backups[0] if backups else None,
        now=now,
        settings=settings,
        health=health(current_app, now=now),
    )
