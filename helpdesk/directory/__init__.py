"""Company directory login: LDAP and Active Directory (ldap3).

``client`` talks to the directory, ``service`` logs people in and keeps
their local users in step (at each login, and in the ``directory-sync`` job
of ``jobs``), ``cli`` has ``flask directory check LOGIN`` and ``sync``. The login page and the token endpoint call
``authenticate``; it is off (local accounts only) while ``LDAP_URL`` is
empty. Settings: the ``LDAP_*`` block of config.py, described in README.
"""

from __future__ import annotations

import logging

from flask import Flask, flash, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from helpdesk import hooks
from helpdesk.audit import record_audit
from helpdesk.directory import jobs
from helpdesk.directory.cli import directory_cli
from helpdesk.directory.client import DirectorySettings
from helpdesk.directory.service import (
    DirectoryError,
    DirectoryRefused,
    DirectoryUnavailable,
    authenticate,
)
from helpdesk.extensions import db
from helpdesk.http import discard_transaction, json_error, wants_json

__all__ = [
    "DirectoryRefused",
    "DirectoryUnavailable",
    "authenticate",
    "init_app",
]

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    # A wrong LDAP_* setting fails at start-up, not at somebody's login.
    DirectorySettings.from_config(app.config)
    app.register_error_handler(DirectoryError, _login_refused)
    app.cli.add_command(directory_cli)
    if app.config.get("LDAP_URL"):
        hooks.add_job(app, "directory-sync", jobs.sync_job, "LDAP_SYNC_SECONDS")


def _login_refused(err: DirectoryError):
    """The login page again with the reason (JSON for the API). Unlike other
    domain errors the transaction is kept: a refusal may have deactivated a
    user, and the failed login belongs in the audit log as a wrong password's
    does."""
    via = {"via": "api"} if wants_json() else {}
    record_audit(
        "login.failed", data={"email": err.login[:254], "reason": err.reason} | via
    )
    try:
        db.session.commit()
    except SQLAlchemyError:
        log.warning("directory.refusal_not_recorded reason=%s", err.reason)
        discard_transaction()
    headers = {"Retry-After": "30"} if isinstance(err, DirectoryUnavailable) else {}
    if wants_json():
        body, status = json_error(err.status, err.code, str(err.message))
        return body, status, headers
    flash(str(err.message), "error")
    page = render_template("helpdesk/login.html", errors={}, form=request.form)
    return page, err.status, headers
