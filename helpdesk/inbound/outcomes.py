"""What an accepted message becomes, through the core's services: a new
ticket, a public comment, their attachments, the people copied, or the polite
refusal an unknown sender gets."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from helpdesk.extensions import db
from helpdesk.inbound.addresses import Mailbox
from helpdesk.inbound.models import InboundMessage, Outcome
from helpdesk.inbound.parse import MailAttachment, ParsedMail
from helpdesk.models import Category, Ticket, User
from helpdesk.outbox import OutboxChannel, enqueue
from helpdesk.service import attachments as attachment_service
from helpdesk.service import followups
from helpdesk.service import tickets as ticket_service
from helpdesk.vocabulary import Channel, TicketStatus
from helpdesk.watchers import service as watchers

log = logging.getLogger(__name__)

# One refusal mail per address and day: a forged sender must not turn the
# helpdesk into a source of backscatter.
REFUSAL_INTERVAL = timedelta(days=1)
_MAX_COPIES = 20


def open_ticket_from_mail(
    mail: ParsedMail,
    requester: User,
    *,
    now: datetime,
    settings: Mapping[str, Any],
    follow_up_of: Ticket | None,
) -> Ticket:
    """A ticket (channel ``email``) with the whole text of the message and
    its attachments, in ``MAIL_DEFAULT_CATEGORY`` (else the first active
    category); ``follow_up_of`` names the closed ticket it continues.

    The closed ticket's requester opens a follow-up linked to it, with the
    new text of the reply as its description (``helpdesk.service.followups``);
    someone the requester copied gets a ticket of their own that names it."""
    kept, skipped = _split_attachments(mail.attachments, settings)
    if follow_up_of is not None and followups.takes_follow_up(follow_up_of, requester):
        with force_locale(settings["MAIL_DEFAULT_LOCALE"]):
            text = mail.reply_text or _("(The e-mail had no text.)")
            body = "\n\n".join([text, *_skipped_note(skipped, settings)])
        ticket = followups.open_follow_up(
            follow_up_of, body=body, actor=requester, now=now, channel=Channel.EMAIL
        )
        _attach(ticket, kept, requester, now=now, settings=settings)
        return ticket
    with force_locale(settings["MAIL_DEFAULT_LOCALE"]):
        parts = [mail.text or _("(The e-mail had no text.)")]
        if follow_up_of is not None:
            parts.insert(0, _("A follow-up to %(number)s.", number=follow_up_of.number))
        subject = mail.subject or _("(no subject)")
        description = "\n\n".join([*parts, *_skipped_note(skipped, settings)])
    ticket = ticket_service.open_ticket(
        {
            "subject": subject[:200],
            "description": description,
            "category": _mail_category(settings).code,
        },
        actor=requester,
        now=now,
        channel=Channel.EMAIL,
    )
    _attach(ticket, kept, requester, now=now, settings=settings)
    return ticket


def add_reply_from_mail(
    ticket: Ticket,
    mail: ParsedMail,
    author: User,
    *,
    now: datetime,
    settings: Mapping[str, Any],
    mailbox: Mailbox,
) -> None:
    """The new text as the sender's public comment: the core moves a pending
    ticket back to open (the SLA clocks resume) and announces the reply."""
    kept, skipped = _split_attachments(mail.attachments, settings)
    with force_locale(settings["MAIL_DEFAULT_LOCALE"]):
        text = mail.reply_text or _("(The e-mail had no text.)")
        body = "\n\n".join([text, *_skipped_note(skipped, settings)])
    ticket_service.add_comment(ticket, body=body, internal=False, actor=author, now=now)
    _attach(ticket, kept, author, now=now, settings=settings)
    if author.id == ticket.requester_id:
        remember_copies(ticket, mail, mailbox, now=now, settings=settings)


def _mail_category(settings: Mapping[str, Any]) -> Category:
    code = settings["MAIL_DEFAULT_CATEGORY"]
    if code:
        return ticket_service.active_category(code)
    category = db.session.scalar(
        sa.select(Category).where(Category.active.is_(True)).order_by(Category.id)
    )
    if category is None:
        raise LookupError("no active category for tickets opened by e-mail")
    return category


def _split_attachments(
    attachments: tuple[MailAttachment, ...], settings: Mapping[str, Any]
) -> tuple[list[MailAttachment], list[MailAttachment]]:
    """Files within ``MAX_ATTACHMENT_BYTES`` are kept; a larger one is left
    out and named in the text, so the rest of the message still arrives."""
    limit = settings["MAX_ATTACHMENT_BYTES"]
    kept = [a for a in attachments if len(a.content) <= limit]
    skipped = [a for a in attachments if len(a.content) > limit]
    for attachment in skipped:
        log.warning(
            "mail_in.attachment_skipped filename=%s size=%s limit=%s",
            attachment.filename,
            len(attachment.content),
            limit,
        )
    return kept, skipped


def _skipped_note(
    skipped: list[MailAttachment], settings: Mapping[str, Any]
) -> list[str]:
    if not skipped:
        return []
    return [
        _(
            "Not kept, larger than %(size)s KB: %(names)s",
            size=settings["MAX_ATTACHMENT_BYTES"] // 1024,
            names=", ".join(a.filename for a in skipped),
        )
    ]


def _attach(
    ticket: Ticket,
    kept: list[MailAttachment],
    author: User,
    *,
    now: datetime,
    settings: Mapping[str, Any],
) -> None:
    for attachment in kept:
        attachment_service.add_attachment(
            ticket,
            filename=attachment.filename,
            content_type=attachment.content_type,
            content=attachment.content,
            max_bytes=settings["MAX_ATTACHMENT_BYTES"],
            actor=author,
            now=now,
        )


def remember_copies(
    ticket: Ticket,
    mail: ParsedMail,
    mailbox: Mailbox,
    *,
    now: datetime,
    settings: Mapping[str, Any],
) -> None:
    """The people the requester wrote to besides us follow the ticket, those
    who may (``helpdesk.watchers.service.watch_copies``)."""
    requester_email = ticket.requester.email
    copied = [
        address[:254]
        for address in mail.copied
        if not mailbox.owns(address) and address != requester_email
    ]
    if copied and ticket.status != TicketStatus.CLOSED:
        watchers.watch_copies(ticket, copied, now=now, settings=settings)


def send_refusal(
    mail: ParsedMail,
    record: InboundMessage,
    *,
    now: datetime,
    settings: Mapping[str, Any],
) -> None:
    """Tell an unknown sender, once a day at most, why nothing happened.
    ``record`` is this message's own row (already flushed)."""
    if _refused_lately(mail.sender, record, now=now):
        log.info("mail_in.refusal_not_repeated inbound_id=%s", record.id)
        return
    with force_locale(settings["MAIL_DEFAULT_LOCALE"]):
        subject = _("Your e-mail was not registered: %(subject)s", subject=mail.subject)
        body = "\n\n".join(
            [
                _("Hello,"),
                _(
                    "thank you for writing to us. We could not register your "
                    "e-mail as a request: this address does not belong to a "
                    "customer of our helpdesk."
                ),
                _(
                    "Please sign up at %(url)s, or ask us for an account, and "
                    "write again.",
                    url=f"{settings['BASE_URL'].rstrip('/')}/signup",
                ),
                _("This message was sent automatically."),
            ]
        )
    enqueue(
        channel=OutboxChannel.EMAIL,
        recipient=mail.sender,
        subject=subject,
        body=body,
        now=now,
        payload={"kind": "mail_refused", "inbound_id": record.id},
    )


def _refused_lately(sender: str, record: InboundMessage, *, now: datetime) -> bool:
    return (
        db.session.scalar(
            sa.select(InboundMessage.id)
            .where(
                InboundMessage.sender == sender,
                InboundMessage.outcome == Outcome.REFUSED,
                InboundMessage.received_at > now - REFUSAL_INTERVAL,
                InboundMessage.id != record.id,
            )
            .limit(1)
        )
        is not None
    )
