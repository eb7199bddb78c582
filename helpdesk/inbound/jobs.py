"""The scheduler's entry point for mail in, shared with ``flask mail poll``."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import Any

from flask import Flask

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.inbound.imap import poll_mailbox
from helpdesk.inbound.service import ingest_message
from helpdesk.metrics.instruments import MAIL_INGESTED

log = logging.getLogger(__name__)


def poll_once(*, settings: Mapping[str, Any]) -> Counter[str]:
    """Poll the configured IMAP folder once (inside an app context): each
    message is ingested and committed on its own before the server marks it
    processed. A database failure stops the poll with that message unmarked,
    for the next run. Answers the count of each outcome."""
    now = get_clock().now()

    def handle(raw: bytes, size: int) -> str:
        try:
            result = ingest_message(raw, now=now, settings=settings, size_bytes=size)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        # Counted here, in the long-lived scheduler; not by the mail server's
        # pipe (`flask mail ingest`): a process per message would leave a
        # file per message in the metrics folder.
        MAIL_INGESTED.labels(result.outcome.value).inc()
        return result.outcome.value

    counts = poll_mailbox(settings=settings, handle=handle)
    log.info(
        "mail_in.poll %s",
        " ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing new",
    )
    return counts


def poll_job(app: Flask) -> Counter[str]:
    """The scheduler's ``mail-poll`` job: one poll of the IMAP folder."""
    with app.app_context():
        return poll_once(settings=app.config)
