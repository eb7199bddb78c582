"""An .eml corpus built with Python's ``email`` package, as real mail clients,
autoresponders and mail servers write them. Each builder answers the raw
bytes of one message."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

HELPDESK = "helpdesk@example.test"  # TestingConfig.MAIL_FROM
HELPDESK_NAME = "Tiered Helpdesk"
_DATE = format_datetime(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
_sequence = itertools.count(1)
# A 1x1 PNG: the inline image of an HTML mail.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def _message_id() -> str:
    return f"<msg-{next(_sequence)}@client.example.org>"


def _headers(
    message,
    *,
    sender: str,
    subject: str,
    to: str,
    message_id: str | None,
    extra: dict[str, str],
):
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = _DATE
    message["Message-ID"] = message_id or _message_id()
    for name, value in extra.items():
        message[name] = value
    return message


def plain(
    *,
    sender: str = "Ann Customer <ann@example.org>",
    subject: str = "The printer does not print",
    body: str = "It blinks orange since this morning.\n",
    to: str = HELPDESK,
    message_id: str | None = None,
    **extra: str,
) -> bytes:
    """A plain-text message; ``extra`` adds headers (``In_Reply_To=...``)."""
    message = EmailMessage()
    _headers(
        message,
        sender=sender,
        subject=subject,
        to=to,
        message_id=message_id,
        extra=_header_names(extra),
    )
    message.set_content(body)
    return message.as_bytes()


def html_only(
    *,
    sender: str = "Ann Customer <ann@example.org>",
    subject: str = "VPN is down",
    html: str,
    message_id: str | None = None,
) -> bytes:
    message = EmailMessage()
    _headers(
        message,
        sender=sender,
        subject=subject,
        to=HELPDESK,
        message_id=message_id,
        extra={},
    )
    message.set_content(html, subtype="html")
    return message.as_bytes()


def with_attachments(
    *,
    sender: str = "Ann Customer <ann@example.org>",
    subject: str = "Error screenshots",
    files: list[tuple[str, str, bytes]],
    message_id: str | None = None,
    **extra: str,
) -> bytes:
    """multipart/mixed: a plain and an HTML body (the HTML with an inline
    image, multipart/related) and ``files`` as (name, content type, bytes)."""
    message = EmailMessage()
    _headers(
        message,
        sender=sender,
        subject=subject,
        to=HELPDESK,
        message_id=message_id,
        extra=_header_names(extra),
    )
    message.set_content("See the screenshot and the log.\n")
    message.add_alternative(
        '<p>See the screenshot <img src="cid:shot@client"> and the log.</p>',
        subtype="html",
    )
    html_part = message.get_payload()[1]
    html_part.add_related(
        PIXEL_PNG, maintype="image", subtype="png", cid="<shot@client>"
    )
    for name, content_type, content in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(
            content, maintype=maintype, subtype=subtype, filename=name
        )
    return message.as_bytes()


def gmail_reply(
    *,
    sender: str,
    ticket_number: str,
    ticket_id: int | None = None,
    new_text: str,
    **extra: str,
) -> bytes:
    """Gmail: a text and an HTML part, the quote under "On … wrote:"
    (wrapped at 78 columns, as Gmail sends it), In-Reply-To/References to
    the notification the customer answers."""
    message = EmailMessage()
    if ticket_id is not None:
        extra.setdefault("In_Reply_To", f"<ticket-{ticket_id}@example.test>")
        extra.setdefault(
            "References",
            f"<ticket-{ticket_id}@example.test> <outbox-7@example.test>",
        )
    _headers(
        message,
        sender=sender,
        subject=f"Re: [{ticket_number}] The printer does not print",
        to=f"{HELPDESK_NAME} <helpdesk+{ticket_number}@example.test>",
        message_id=None,
        extra=_header_names(extra),
    )
    attribution = (
        f"On Mon, 23 Nov 2026 at 10:00, {HELPDESK_NAME} "
        f"<helpdesk+{ticket_number}@example.test>\nwrote:"
    )
    quoted = "> Could you send us the printer's log?\n>\n> Line 1, Tiered Helpdesk\n"
    message.set_content(f"{new_text}\n\n{attribution}\n\n{quoted}")
    message.add_alternative(
        f'<div dir="ltr">{new_text}</div><br><div class="gmail_quote">'
        f'<div dir="ltr" class="gmail_attr">{attribution}<br></div>'
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">'
        "Could you send us the printer's log?<br><br>Line 1, Tiered Helpdesk"
        "</blockquote></div>",
        subtype="html",
    )
    return message.as_bytes()


def outlook_reply(
    *,
    sender: str,
    ticket_number: str,
    new_text: str,
    to: str | None = None,
    subject: str | None = None,
    **extra: str,
) -> bytes:
    """Outlook: the reply on top, a signature, a line of underscores and the
    "From: / Sent: / To: / Subject:" block of the answered mail; no
    In-Reply-To (Outlook threads by Thread-Index)."""
    message = EmailMessage()
    _headers(
        message,
        sender=sender,
        subject=subject or f"RE: [{ticket_number}] The printer does not print",
        to=to or f"helpdesk+{ticket_number}@example.test",
        message_id=None,
        extra={"Thread-Index": "AQHbXyZ1cmFuZG9tdGhyZWFk", **_header_names(extra)},
    )
    message.set_content(
        f"{new_text}\n\n"
        "Best regards,\nBob Builder\nACME Corp. | +1 555 0100\n\n"
        "________________________________\n"
        f"From: {HELPDESK_NAME} <helpdesk@example.test>\n"
        "Sent: Monday, November 23, 2026 10:00 AM\n"
        f"To: Bob Builder <bob@example.org>\n"
        f"Subject: [{ticket_number}] The printer does not print\n\n"
        "Could you send us the printer's log?\n"
    )
    return message.as_bytes()


def russian_koi8_reply(*, sender: str, ticket_number: str, new_text: str) -> bytes:
    """An old Russian client: KOI8-R body and an encoded-word subject in
    KOI8-R, the quote under "… пишет:"."""
    body = (
        f"{new_text}\n\n"
        f"23.11.2026 10:00, {HELPDESK_NAME} пишет:\n"
        "> Пришлите, пожалуйста, журнал принтера.\n"
    )
    message = MIMEText(body, "plain", "koi8-r")
    message["From"] = _encoded_address(sender, "koi8-r")
    message["To"] = f"helpdesk+{ticket_number}@example.test"
    message["Subject"] = Header(f"Re: [{ticket_number}] Принтер не печатает", "koi8-r")
    message["Date"] = _DATE
    message["Message-ID"] = _message_id()
    return message.as_bytes()


def russian_utf8(
    *, sender: str = "Иван Петров <ivan@example.org>", subject: str, body: str
) -> bytes:
    """A new message in UTF-8; the subject as encoded words (base64)."""
    message = MIMEText(body, "plain", "utf-8")
    message["From"] = _encoded_address(sender, "utf-8")
    message["To"] = HELPDESK
    message["Subject"] = Header(subject, "utf-8")
    message["Date"] = _DATE
    message["Message-ID"] = _message_id()
    return message.as_bytes()


def auto_reply(*, sender: str = "ann@example.org", ticket_number: str) -> bytes:
    """An out-of-office answer to a notification (RFC 3834)."""
    return plain(
        sender=sender,
        subject=f"Automatic reply: [{ticket_number}] The printer does not print",
        body="I am out of the office until Monday.\n",
        to=f"helpdesk+{ticket_number}@example.test",
        Auto_Submitted="auto-replied",
        X_Autoreply="yes",
    )


def bounce(*, ticket_number: str) -> bytes:
    """A delivery status notification (RFC 3464) from MAILER-DAEMON about
    one of our notifications."""
    message = MIMEMultipart("report", report_type="delivery-status")
    message["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.org>"
    message["To"] = HELPDESK
    message["Subject"] = "Undelivered Mail Returned to Sender"
    message["Date"] = _DATE
    message["Message-ID"] = _message_id()
    message.attach(MIMEText("This is the mail system at host mx.example.org.\n"))
    status = MIMEBase("message", "delivery-status")
    per_message, per_recipient = Message(), Message()
    per_message["Reporting-MTA"] = "dns; mx.example.org"
    per_recipient["Final-Recipient"] = "rfc822; gone@example.org"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = "5.1.1"
    status.set_payload([per_message, per_recipient])
    message.attach(status)
    returned = plain(
        sender=HELPDESK,
        to="gone@example.org",
        subject=f"[{ticket_number}] The printer does not print",
        message_id="<outbox-9@example.test>",
    )
    message.attach(MIMEText(returned.decode(), "rfc822-headers"))
    return message.as_bytes()


def list_mail(*, precedence: str = "list") -> bytes:
    return plain(
        sender="Printer News <news@lists.example.org>",
        subject="This week in printing",
        body="Ten tips for toner.\n",
        Precedence=precedence,
        List_Id="Printer News <news.lists.example.org>",
    )


def our_own_mail(*, ticket_number: str, outbox_id: int = 41) -> bytes:
    """One of our notifications come back (a forward loop, a misrouted
    copy): our From, our Message-ID."""
    return plain(
        sender=f"{HELPDESK_NAME} <{HELPDESK}>",
        subject=f"[{ticket_number}] New reply",
        body="A new reply was added to your ticket.\n",
        message_id=f"<outbox-{outbox_id}@example.test>",
        to="ann@example.org",
    )


def malformed(*, sender: str = "ann@example.org") -> bytes:
    """A multipart message whose boundary never comes: its parts are lost."""
    return (
        f"From: {sender}\r\n"
        "To: helpdesk@example.test\r\n"
        "Subject: Logs attached\r\n"
        f"Message-ID: {_message_id()}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="never-there"\r\n'
        "\r\n"
        "Here are the logs.\r\n"
        "UEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAA\r\n"
    ).encode()


def oversized(*, size: int, sender: str = "ann@example.org") -> bytes:
    """A message with an attachment that makes it ``size`` bytes or more."""
    return with_attachments(
        sender=sender,
        subject="The whole disk image",
        files=[("disk.img", "application/octet-stream", b"\0" * size)],
    )


def new_message_id() -> str:
    return make_msgid(domain="client.example.org")


def _encoded_address(address: str, charset: str) -> str:
    """``Name <addr>`` with the name as encoded words, as mail clients write it."""
    name, addr = parseaddr(address)
    return formataddr((name, addr), charset=charset)


def _header_names(extra: dict[str, str]) -> dict[str, str]:
    """Keyword arguments to header names: ``In_Reply_To`` → ``In-Reply-To``."""
    return {name.replace("_", "-"): value for name, value in extra.items()}
