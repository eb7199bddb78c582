"""Imports from legacy systems (CSV and XLSX files): the core's kinds
(users, organisations, tickets), the ``flask import`` command and the admin
pages. Other packages add kinds with ``helpdesk.imports.kinds.add_kind``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from helpdesk.imports import cli, models  # noqa: F401  (models: tables for migrations)
    from helpdesk.imports.kinds import add_kind
    from helpdesk.imports.service import error_text, status_label
    from helpdesk.imports.tickets import TICKETS
    from helpdesk.imports.users import ORGANISATIONS, USERS

    for kind in (USERS, ORGANISATIONS, TICKETS):
        add_kind(app, kind)
    app.cli.add_command(cli.import_command)
    app.jinja_env.globals.update(
        import_message=error_text, import_status_label=status_label
    )
