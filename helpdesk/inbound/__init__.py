"""Mail in: messages become tickets and comments.

``flask mail ingest`` reads one message piped by the mail server (as Request
Tracker's mailgate does); ``flask mail poll`` and the scheduler's ``mail-poll``
job read an IMAP folder. ``parse`` turns a message into plain data, ``service``
routes it through the core's ticket services or quarantines it, ``imap``
talks to the server, ``models`` holds the Message-IDs seen and the quarantine.
"""

from helpdesk.inbound.jobs import poll_job
from helpdesk.inbound.models import (
    InboundMessage,
    Outcome,
    QuarantinedMessage,
    QuarantineReason,
    TicketCopy,
)
from helpdesk.inbound.service import IngestResult, ingest_message

__all__ = [
    "InboundMessage",
    "IngestResult",
    "Outcome",
    "QuarantineReason",
    "QuarantinedMessage",
    "TicketCopy",
    "ingest_message",
    "poll_job",
]
