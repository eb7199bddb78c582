"""The scheduler's ``directory-sync`` job (when ``LDAP_URL`` is set), shared
with ``flask directory sync``."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from flask import Flask

from helpdesk.directory.client import DirectoryUnreachable
from helpdesk.directory.service import sweep_directory_users
from helpdesk.extensions import db

log = logging.getLogger(__name__)


def sync_once(*, settings: Mapping[str, Any]) -> Counter[str]:
    """One sweep of the directory users, committed (inside an app context).
    Raises ``DirectoryUnreachable``: then nothing changed."""
    try:
        counts = sweep_directory_users(settings=settings)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    log.info(
        "directory.sync %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    )
    return counts


def sync_job(app: Flask) -> Counter[str]:
    """Every ``LDAP_SYNC_SECONDS``: an unreachable directory waits for the
    next run (logged), and nobody is deactivated for it."""
    with app.app_context():
        try:
            return sync_once(settings=app.config)
        except DirectoryUnreachable as err:
            log.warning("directory.sync_skipped: %s", err)
            return Counter()
