"""The scheduler's ``backup-daily`` job."""

from __future__ import annotations

import logging

from flask import Flask

from helpdesk.audit import record_audit
from helpdesk.backup.cli import audit_data
from helpdesk.backup.service import BackupSettings, backup_due, create_backup
from helpdesk.clock import get_clock
from helpdesk.extensions import db

log = logging.getLogger(__name__)


def backup_job(app: Flask) -> str | None:
    """Make a backup when the newest is older than ``BACKUP_EVERY_SECONDS``
    (level-triggered: runs hourly, backs up daily; a restarted scheduler
    makes no extra one), keeping the newest ``BACKUP_KEEP``. Answers the new
    archive's name, or None when none was due."""
    with app.app_context():
        settings = BackupSettings.of(app)
        now = get_clock().now()
        if not backup_due(settings, now=now):
            return None
        backup, manifest = create_backup(db.engine, settings, now=now)
        record_audit("backup.created", data=audit_data(backup, manifest), now=now)
        db.session.commit()
        return backup.name
