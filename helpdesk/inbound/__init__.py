"""Mail in: messages become tickets and comments.

``flask mail ingest`` reads one message piped by the mail server (as Request
Tracker's mailgate does); ``flask mail poll`` and the scheduler's ``mail-poll``
job (``jobs``) read an IMAP folder (``imap``). ``parse`` turns a message into
plain data, ``service`` routes it, ``outcomes`` writes what it becomes through
the core's ticket services, ``quarantine`` keeps what could not be ingested;
``models`` holds the Message-IDs seen and the quarantine. The people the
requester copies on a ticket's mail follow it as its watchers
(``helpdesk.watchers``).
"""

from helpdesk.inbound.jobs import poll_job
from helpdesk.inbound.models import (
    InboundMessage,
    Outcome,
    QuarantinedMessage,
    QuarantineReason,
)
from helpdesk.inbound.service import IngestResult, ingest_message

__all__ = [
    "InboundMessage",
    "IngestResult",
    "Outcome",
    "QuarantineReason",
    "QuarantinedMessage",
    "ingest_message",
    "poll_job",
]
