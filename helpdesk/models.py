"""Core tables: users, categories, tickets, comments, attachments, timeline.

Every queue filter and sort has an index; unbounded collections are
``WriteOnlyMapped`` so nothing loads a ticket's whole history by accident.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from helpdesk.db import MAX_ID, Base, str_enum
from helpdesk.organisations.models import Organisation
from helpdesk.vocabulary import (
    ACTIVE_STATUSES,
    AGENT_ROLES,
    LINE_OF_ROLE,
    MANAGER_ROLES,
    STAFF_ROLES,
    TRANSITIONS,
    AuthSource,
    Channel,
    Priority,
    Role,
    TicketStatus,
)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    # The caller lookup's keys (helpdesk.phones, accounts.find_callers): the
    # number in E.164, its digits reversed (a local number is how it ends),
    # and name, e-mail and organisation's name lower-cased with ё as е.
    phone_e164: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    phone_reversed: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    lookup_text: Mapped[str] = mapped_column(
        sa.String(500), default="", server_default=""
    )
    # A customer's organisation; its designated contacts (``org_contact``)
    # see all of its tickets (helpdesk.service.access).
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    org_contact: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    # Notices this user turned off: {notice: false}; see helpdesk.notify.preferences.
    notification_settings: Mapped[dict] = mapped_column(
        sa.JSON, default=dict, server_default=sa.text("'{}'")
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    # Stored in the session at login; bumping it (logout, a password change,
    # deactivation) ends every session of this user on the server.
    session_version: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    # A directory user has no local password: name, e-mail, phone and role
    # come from the directory at each login; directory_id is the entry's
    # stable identifier there (entryUUID, objectGUID), so a changed e-mail
    # still finds the same user.
    auth_source: Mapped[AuthSource] = mapped_column(
        str_enum(AuthSource, "auth_source"),
        default=AuthSource.LOCAL,
        server_default=AuthSource.LOCAL.value,
    )
    directory_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)

    tokens: WriteOnlyMapped[ApiToken] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    # Joined with every user (a primary-key join): policies, rules, lists and
    # mails read the name and plan of a requester's organisation without a
    # query of their own.
    organisation: Mapped[Organisation | None] = relationship(
        back_populates="members", lazy="joined"
    )

    @property
    def organisation_name(self) -> str | None:
        return self.organisation.name if self.organisation else None

    @property
    def is_org_contact(self) -> bool:
        """A designated contact of an organisation (sees all its tickets)."""
        return self.org_contact and self.organisation_id is not None

    @property
    def is_active(self) -> bool:  # flask-login: inactive users cannot log in
        return self.active

    @property
    def is_agent(self) -> bool:
        return self.role in AGENT_ROLES

    @property
    def from_directory(self) -> bool:
        """Logs in with the company directory's password, never a local one."""
        return self.auth_source == AuthSource.DIRECTORY

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_manager(self) -> bool:
        """A manager or an admin: the one check behind every managers' page."""
        return self.role in MANAGER_ROLES

    @property
    def sees_all_lines(self) -> bool:
        return self.role in MANAGER_ROLES

    @property
    def line(self) -> int | None:
        """The support line an agent works on, None for everyone else."""
        return LINE_OF_ROLE.get(self.role)


class ApiToken(Base):
    """A bearer token; only its SHA-256 digest is stored, so lookup is indexed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="tokens")


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(80))
    name_ru: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(default=True)
    # The line a new ticket of this category starts on (rules may move it).
    default_line: Mapped[int] = mapped_column(default=1, server_default="1")

    def display_name(self, locale: str) -> str:
        return self.name_ru if locale == "ru" else self.name_en


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # Queue and list filters, each ending in id for keyset pagination.
        sa.Index("ix_tickets_line_status_id", "line", "status", "id"),
        sa.Index("ix_tickets_status_id", "status", "id"),
        # A line of any status (the API's default): without it, the line's
        # every ticket was read and sorted (21 ms at 13,000 tickets).
        sa.Index("ix_tickets_line_id", "line", "id"),
        # "Time left" order of the queues, with a status, a line, or neither.
        sa.Index("ix_tickets_line_status_due_at_id", "line", "status", "due_at", "id"),
        sa.Index("ix_tickets_status_due_at_id", "status", "due_at", "id"),
        sa.Index("ix_tickets_line_due_at_id", "line", "due_at", "id"),
        sa.Index("ix_tickets_due_at_id", "due_at", "id"),
        # The SLA dashboard's period filter.
        sa.Index("ix_tickets_created_at", "created_at", "line", "priority"),
        # The knowledge base's deflection and first-contact-resolution rates.
        sa.Index("ix_tickets_channel_created_at", "channel", "created_at"),
        sa.Index("ix_tickets_requester_id_id", "requester_id", "id"),
        sa.Index("ix_tickets_assignee_id_id", "assignee_id", "id"),
        sa.Index("ix_tickets_assignee_id_status_id", "assignee_id", "status", "id"),
        # An organisation's tickets: its contacts' portal, the organisation filter.
        sa.Index("ix_tickets_organisation_id_id", "organisation_id", "id"),
        sa.CheckConstraint("line BETWEEN 1 AND 3", name="line_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[TicketStatus] = mapped_column(
        str_enum(TicketStatus, "ticket_status"), default=TicketStatus.NEW
    )
    # active_history: subscribers' flush hooks (the SLA roll-ups) see the
    # value a change replaced.
    priority: Mapped[Priority] = mapped_column(
        str_enum(Priority, "priority"), default=Priority.P3, active_history=True
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    line: Mapped[int] = mapped_column(default=1, active_history=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The requester's organisation, kept with the requester's membership
    # (helpdesk.organisations.service), so lists by organisation walk an index.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id")
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The earliest running deadline, kept by the SLA engine; None when no
    # clock runs. Lets queues sort by time left without knowing about SLAs.
    due_at: Mapped[datetime | None]
    # A duplicate closed by a merge points to the ticket that carries on.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    # Bumped by every timeline event that changes the ticket
    # (``record_event``): forms and API clients send the version they read,
    # and a stale one is refused (``helpdesk.service.versions``).
    version: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    # A ticket the requester opened by answering a closed one points to it.
    follow_up_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id"), index=True
    )

    # load_on_pending: a new ticket is not written until its intake commits
    # (helpdesk.ticket_ids); these still resolve, from the identity map.
    category: Mapped[Category] = relationship(load_on_pending=True)
    requester: Mapped[User] = relationship(
        foreign_keys=[requester_id], load_on_pending=True
    )
    assignee: Mapped[User | None] = relationship(
        foreign_keys=[assignee_id], load_on_pending=True
    )
    comments: WriteOnlyMapped[Comment] = relationship(
        back_populates="ticket", order_by="Comment.id"
    )
    events: WriteOnlyMapped[TicketEvent] = relationship(
        back_populates="ticket", order_by="TicketEvent.id"
    )
    attachments: WriteOnlyMapped[Attachment] = relationship(back_populates="ticket")
    rating: Mapped[Rating | None] = relationship(back_populates="ticket")
    tag_rows: Mapped[list[TicketTag]] = relationship(
        cascade="all, delete-orphan", order_by="TicketTag.tag"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def number(self) -> str:
        return format_ticket_number(self.id)

    def can_transition_to(self, status: TicketStatus) -> bool:
        return status in TRANSITIONS[self.status]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class TicketTag(Base):
    """A free label on a ticket (``vip``, ``printer``); queues filter by it."""

    __tablename__ = "ticket_tags"
    __table_args__ = (sa.Index("ix_ticket_tags_tag_ticket_id", "tag", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


def format_ticket_number(ticket_id: int) -> str:
    return f"HD-{ticket_id:06d}"


def parse_ticket_number(text: str) -> int | None:
    """``HD-000123``, ``hd-123`` or ``123`` → 123; anything else (a number
    too large to be an id included) → None."""
    text = text.strip().upper().removeprefix("HD-")
    # isascii: str.isdigit() also accepts "²", which int() refuses.
    if not (text.isascii() and text.isdigit()) or len(text) > 40:
        return None
    number = int(text)
    return number if number <= MAX_ID else None


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (sa.Index("ix_comments_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    # A reply written as Markdown elsewhere (an article sent on the phone):
    # ``body`` is its readable plain text, this its sanitised HTML, for the
    # mail's HTML part. None for what people type: their text is the reply.
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]

    ticket: Mapped[Ticket] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (sa.Index("ix_attachments_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(127))
    size_bytes: Mapped[int]
    # A file sent with an internal note is as hidden from the requester as the note.
    internal: Mapped[bool] = mapped_column(default=False)
    # Deferred: lists of attachments never pull the file contents.
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime]

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship()


class TicketEvent(Base):
    """One line of a ticket's timeline: what changed, who did it, when."""

    __tablename__ = "ticket_events"
    __table_args__ = (sa.Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    # Old/new values and references (comment id ...); small, shape per kind.
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Internal events (notes) are hidden from the requester.
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    # The ticket's version once this event was written: "what changed since
    # version N" is the events above N. None on events older than versions.
    ticket_version: Mapped[int | None]

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Rating(Base):
    """The requester's satisfaction score for a resolved ticket, one per ticket."""

    __tablename__ = "ratings"
    __table_args__ = (sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), unique=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime]

    ticket: Mapped[Ticket] = relationship(back_populates="rating")
