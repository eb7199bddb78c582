"""The audit log: who did what, when, from where, with the before and after.

``models`` holds the table, ``recorder`` writes it (session events for the
audited tables, ``record_audit`` for the rest), ``service`` reads it (the
admin page's filters, the CSV export, the API).
"""

from __future__ import annotations

from flask import Flask

from helpdesk.audit.models import AuditEntry
from helpdesk.audit.recorder import AuditImmutable, audit_table, record_audit

__all__ = ["AuditEntry", "AuditImmutable", "audit_table", "init_app", "record_audit"]


def init_app(app: Flask) -> None:
    from helpdesk import hooks
    from helpdesk.audit import recorder
    from helpdesk.audit.api import add_openapi_paths

    recorder.connect()
    hooks.add_openapi_paths(app, add_openapi_paths)
