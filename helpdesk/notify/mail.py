"""E-mails about a ticket, rendered in each recipient's language and time
zone, as plain text with an HTML alternative, queued in the outbox with the
ticket's id so that they thread together and replies find the ticket."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app
from flask_babel import force_locale, get_locale

from helpdesk.models import Ticket, User
from helpdesk.notify.preferences import Notice, wants
from helpdesk.outbox import OutboxChannel, enqueue

# A text rendered once per recipient, under their locale.
Text = Callable[[], str]
# (label, url) pairs under the message, rendered per recipient too.
Links = Callable[[], list[tuple[str, str]]]


def ticket_link(ticket: Ticket, settings: Mapping[str, Any], anchor: str = "") -> str:
    """The ticket's page, absolute when ``BASE_URL`` is configured."""
    base = settings.get("BASE_URL", "").rstrip("/")
    return f"{base}/tickets/{ticket.id}" + (f"#{anchor}" if anchor else "")


def in_zone_of(user: User, instant: datetime) -> str:
    """An instant as the recipient reads it: their locale and time zone."""
    return format_datetime(
        instant,
        "short",
        tzinfo=ZoneInfo(user.timezone or "UTC"),
        locale=user.locale or "en",
    )


def email_about_ticket(
    users: Iterable[User],
    ticket: Ticket,
    headline: Text,
    *,
    now: datetime,
    settings: Mapping[str, Any],
    subject: Text | None = None,
    detail: Text | None = None,
    detail_html: Text | None = None,
    links: Links | None = None,
    due_at: datetime | None = None,
    notice: Notice | None = None,
    payload: dict | None = None,
) -> int:
    """One e-mail per user about ``ticket``: the headline, an optional detail
    (a reply's text, a reason; ``detail_html``, sanitised HTML of the same,
    for the HTML part), a due time, the ticket's subject — and, for
    staff only, its priority and line — then links. Every text is rendered
    under the recipient's locale, the due time in their time zone. Users who turned ``notice`` off are skipped. Answers
    how many were queued."""
    count = 0
    # Recipients who read the same language, role and (for a due time) zone
    # get the same mail: rendered once for all of them.
    rendered: dict[tuple, tuple[str, str, str]] = {}
    for user in users:
        if notice is not None and not wants(user, notice):
            continue
        locale = user.locale or "en"
        key = (locale, user.is_staff, (user.timezone or "UTC") if due_at else None)
        if key not in rendered:
            with force_locale(locale):
                context = {
                    "ticket": ticket,
                    "headline": headline(),
                    "detail": detail() if detail else None,
                    "detail_html": detail_html() if detail_html else None,
                    "staff": user.is_staff,
                    "links": links() if links else [],
                    "due": in_zone_of(user, due_at) if due_at else None,
                    "link": ticket_link(ticket, settings),
                }
                title = (
                    subject() if subject else f"{ticket.number}: {context['headline']}"
                )
                rendered[key] = (title, *_render_parts(context))
        title, text, html = rendered[key]
        enqueue(
            channel=OutboxChannel.EMAIL,
            recipient=user.email,
            subject=title,
            body=text,
            html=html,
            ticket_id=ticket.id,
            now=now,
            # What the mail is about, for webhooks' and tests' eyes.
            payload={"event": notice.value if notice else None, **(payload or {})},
        )
        count += 1
    return count


def _render_parts(context: dict) -> tuple[str, str]:
    """The plain-text and HTML parts, under the locale in force. Straight
    through Jinja: the mail templates read only their context, the
    translation functions and ``current_locale``, none of what Flask's
    context processors add for pages (the user, CSRF, the request)."""
    env = current_app.jinja_env
    context = context | {"current_locale": str(get_locale())}
    return (
        env.get_template("helpdesk/mail/ticket.txt").render(context),
        env.get_template("helpdesk/mail/ticket.html").render(context),
    )
