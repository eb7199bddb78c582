"""Ingesting one inbound message: a new ticket, a reply on a ticket, nothing
(an auto-reply, a bounce, our own mail), a polite refusal, or the quarantine.

The routing, in order:

1. Too large (``MAIL_MAX_BYTES``) or unreadable: quarantined.
2. A Message-ID already handled: dropped (mail servers and pollers redeliver).
3. Our own mail coming back (a Message-ID ``<outbox-N@…>`` or ``<ticket-N@…>``
   of our domain, or our own sender address) or mail a program sent
   (``parse.automated_reason``): recorded as ignored, never answered.
4. A reply: the ticket is found by a ``<ticket-N@our domain>`` id in
   In-Reply-To/References, else by a ``+HD-000123`` tag on one of our
   addresses it was sent to, else by ``HD-000123`` in the subject. Only the
   customers who follow it (its requester, its watchers - whom the
   requester's Cc made watchers too -, its organisation's designated
   contacts) may answer it; anyone else's mail opens a ticket of its own. A
   closed ticket is followed by a new one.
5. Otherwise a new ticket (channel ``email``) for the sender, who is created
   as a customer (a member of the organisation of their address's domain, if
   one has it) when ``MAIL_CREATE_REQUESTERS`` allows it and else refused
   with one polite mail a day at most.

Everything a message produces (ticket or comment, attachments, the record of
its Message-ID, the other packages' reactions to the core's signals) is
written inside one savepoint: if any of it fails, all of it is undone and the
message is quarantined instead. Services flush; the caller commits.
"""

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.inbound.addresses import Mailbox
from helpdesk.inbound.models import InboundMessage, Outcome, QuarantineReason
from helpdesk.inbound.outcomes import (
    add_reply_from_mail,
    open_ticket_from_mail,
    remember_copies,
    send_refusal,
)
from helpdesk.inbound.parse import (
    MalformedMail,
    ParsedMail,
    header_block,
    message_key,
    parse_mail,
)
from helpdesk.inbound.quarantine import quarantine
from helpdesk.models import Ticket, User, parse_ticket_number
from helpdesk.service import access, accounts
from helpdesk.vocabulary import Role, TicketStatus

log = logging.getLogger(__name__)

# Merged tickets point to the one that carries on; never follow a cycle.
_MAX_MERGE_HOPS = 5
_SUBJECT_NUMBER = re.compile(r"\bHD-\d+\b", re.IGNORECASE)


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    ticket_id: int | None = None
    reason: str | None = None
    quarantine_id: int | None = None


def ingest_message(
    raw: bytes,
    *,
    now: datetime,
    settings: Mapping[str, Any],
    size_bytes: int | None = None,
) -> IngestResult:
    """Ingest one RFC 822 message received at ``now`` (aware UTC).

    ``size_bytes`` is the message's real size when ``raw`` holds only its
    beginning (a reader that stopped at ``MAIL_MAX_BYTES``). Idempotent by
    Message-ID. Never raises for a bad message: what cannot be ingested is
    quarantined; only a database failure propagates (the caller keeps the
    message and tries later). Flushes, never commits.
    """
    size = len(raw) if size_bytes is None else size_bytes
    if size > settings["MAIL_MAX_BYTES"]:
        detail = f"{size} bytes, the limit is {settings['MAIL_MAX_BYTES']}"
        return _quarantined(
            header_block(raw),
            QuarantineReason.TOO_LARGE,
            detail=detail,
            size_bytes=size,
            truncated=True,
            now=now,
        )
    try:
        mail = parse_mail(raw)
    except MalformedMail as exc:
        return _quarantined(raw, QuarantineReason.MALFORMED, detail=str(exc), now=now)
    key = message_key(mail.message_id, raw)
    if _handled(key):
        log.info("mail_in.duplicate message_id=%s", mail.message_id)
        return IngestResult(Outcome.DUPLICATE)
    try:
        with db.session.begin_nested():
            return _route(mail, key, now=now, settings=settings)
    except sa.exc.OperationalError:
        # Locked or unreachable: the caller keeps the message for later.
        raise
    # Broad on purpose: whatever goes wrong while storing a readable message
    # (a closed ticket, a refused attachment, a bug), the savepoint has undone
    # it all and the message goes to the quarantine rather than being lost.
    except Exception as exc:
        if _handled(key):  # a concurrent copy claimed the Message-ID first
            log.info("mail_in.duplicate message_id=%s", mail.message_id)
            return IngestResult(Outcome.DUPLICATE)
        log.exception("mail_in.failed message_id=%s", mail.message_id)
        return _quarantined(
            raw,
            QuarantineReason.FAILED,
            detail=f"{type(exc).__name__}: {exc}",
            now=now,
        )


def _quarantined(raw: bytes, reason: QuarantineReason, **kwargs) -> IngestResult:
    row = quarantine(raw, reason, **kwargs)
    return IngestResult(Outcome.QUARANTINED, reason=reason.value, quarantine_id=row.id)


def _handled(key: str) -> bool:
    return (
        db.session.scalar(
            sa.select(InboundMessage.id).where(InboundMessage.message_key == key)
        )
        is not None
    )


# --- routing -----------------------------------------------------------------------


def _route(
    mail: ParsedMail, key: str, *, now: datetime, settings: Mapping[str, Any]
) -> IngestResult:
    mailbox = Mailbox.of(settings)
    # Claimed first: a concurrent copy of the message fails on the unique key
    # before doing any work.
    record = InboundMessage(
        message_key=key,
        message_id=mail.message_id,
        sender=mail.sender[:254],
        outcome=Outcome.IGNORED,
        received_at=now,
    )
    db.session.add(record)
    db.session.flush()
    ignored = _ignore_reason(mail, mailbox)
    if ignored is not None:
        return _finish(record, Outcome.IGNORED, reason=ignored)
    ticket = _thread_ticket(mail, mailbox)
    follow_up_of = None
    if ticket is not None and not _may_answer(ticket, mail.sender):
        log.info(
            "mail_in.not_a_party inbound_id=%s ticket_id=%s: a new ticket instead",
            record.id,
            ticket.id,
        )
        ticket = None
    elif ticket is not None and ticket.status == TicketStatus.CLOSED:
        ticket, follow_up_of = None, ticket
    author = _person(mail, now=now, settings=settings)
    if author is None:
        send_refusal(mail, record, now=now, settings=settings)
        return _finish(record, Outcome.REFUSED, reason="unknown-sender")
    if ticket is not None:
        add_reply_from_mail(
            ticket, mail, author, now=now, settings=settings, mailbox=mailbox
        )
        return _finish(record, Outcome.COMMENT_ADDED, ticket=ticket)
    ticket = open_ticket_from_mail(
        mail, author, now=now, settings=settings, follow_up_of=follow_up_of
    )
    remember_copies(ticket, mail, mailbox, now=now, settings=settings)
    return _finish(record, Outcome.TICKET_CREATED, ticket=ticket)


def _finish(
    record: InboundMessage,
    outcome: Outcome,
    *,
    ticket: Ticket | None = None,
    reason: str | None = None,
) -> IngestResult:
    record.outcome, record.reason = outcome, reason
    record.ticket_id = ticket.id if ticket is not None else None
    db.session.flush()
    log.info(
        "mail_in.%s inbound_id=%s ticket_id=%s reason=%s message_id=%s",
        outcome.value,
        record.id,
        record.ticket_id,
        reason,
        record.message_id,
    )
    return IngestResult(outcome, ticket_id=record.ticket_id, reason=reason)


def _ignore_reason(mail: ParsedMail, mailbox: Mailbox) -> str | None:
    """Why the message must get neither a ticket nor an answer."""
    if mailbox.is_own_message_id(mail.message_id) or mailbox.owns(mail.sender):
        return "loop"
    return mail.automated


def _thread_ticket(mail: ParsedMail, mailbox: Mailbox) -> Ticket | None:
    """The ticket a reply belongs to, by the first hint that names one."""
    for ticket_id in _thread_hints(mail, mailbox):
        ticket = db.session.get(Ticket, ticket_id)
        if ticket is not None:
            return _carried_on(ticket)
    return None


def _thread_hints(mail: ParsedMail, mailbox: Mailbox) -> Iterator[int]:
    for message_id in mail.thread_ids:
        if (ticket_id := mailbox.ticket_id_in(message_id)) is not None:
            yield ticket_id
    for address in mail.recipients:
        tag = mailbox.tag(address)
        if tag and (ticket_id := parse_ticket_number(tag)) is not None:
            yield ticket_id
    for number in _SUBJECT_NUMBER.findall(mail.subject):
        if (ticket_id := parse_ticket_number(number)) is not None:
            yield ticket_id


def _carried_on(ticket: Ticket) -> Ticket:
    """A merged duplicate's conversation goes on in the ticket it went into."""
    for _hop in range(_MAX_MERGE_HOPS):
        if ticket.merged_into_id is None:
            break
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    return ticket


def _may_answer(ticket: Ticket, sender: str) -> bool:
    """The requester, and the customers who follow the ticket. (Staff
    answer on the ticket's page: by mail they would skip its checks.)"""
    if ticket.requester.email == sender:
        return True
    user = accounts.find_user_by_email(sender)
    return user is not None and not user.is_staff and access.follows(user, ticket)


def _person(
    mail: ParsedMail, *, now: datetime, settings: Mapping[str, Any]
) -> User | None:
    """The sender as a user: found by address, or a new customer when the
    admin allows it; None when the helpdesk does not take their mail."""
    user = accounts.find_user_by_email(mail.sender)
    if user is not None:
        return user if user.active else None
    if not settings["MAIL_CREATE_REQUESTERS"]:
        return None
    name = mail.sender_name or mail.sender.partition("@")[0]
    return accounts.create_user(
        {"email": mail.sender, "name": name[:120], "role": Role.CUSTOMER},
        now=now,
    )


# --- what a message becomes ------------------------------------------------------------
