"""Backups: ``flask backup create|list|verify|restore``, a daily scheduler
job with retention, and the admin page's figures.

``archive`` is the file format and the backups folder, ``sqlite`` and
``postgres`` the engines' copies, ``service`` the use cases, ``cli`` and
``jobs`` their edges.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from helpdesk import hooks
    from helpdesk.backup import cli, jobs

    app.cli.add_command(cli.backup_cli)
    hooks.add_job(app, "backup-daily", jobs.backup_job, "BACKUP_CHECK_SECONDS")
