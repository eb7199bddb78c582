"""Knowledge-base tables: articles, their versions and tags, the links between
articles and tickets, deflections, votes, daily view counts, canned responses.

The search index is not a model: ``kb_articles.search_title`` and
``search_body`` hold the stemmed words (written by the service), and the
migration indexes them by hand — an FTS5 table kept by triggers on SQLite,
a generated ``tsvector`` column with a GIN index on PostgreSQL.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from helpdesk.db import Base, str_enum
from helpdesk.models import Category, Ticket, User


class Visibility(enum.StrEnum):
    PUBLIC = "public"  # customers may read it once published
    INTERNAL = "internal"  # staff only, always


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class LinkKind(enum.StrEnum):
    LINKED = "linked"  # an agent linked it to the ticket
    RESOLVED_ON_CALL = "resolved_on_call"  # the ticket was resolved on the call with it
    SOURCE = "source"  # the article was written from the ticket


class Article(Base):
    __tablename__ = "kb_articles"
    __table_args__ = (
        # Lists filter by status and visibility and page on id.
        sa.Index("ix_kb_articles_status_visibility_id", "status", "visibility", "id"),
        sa.Index("ix_kb_articles_category_id_id", "category_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"))
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, "kb_visibility"), default=Visibility.INTERNAL
    )
    status: Mapped[ArticleStatus] = mapped_column(
        str_enum(ArticleStatus, "kb_article_status"), default=ArticleStatus.DRAFT
    )
    version: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    source_ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    # The long texts come last: SQLite then reads the short columns a search
    # filters on (status, visibility) without walking a row's overflow pages.
    body: Mapped[str] = mapped_column(sa.Text)  # Markdown, as written
    body_html: Mapped[str] = mapped_column(sa.Text)  # rendered and sanitised
    body_text: Mapped[str] = mapped_column(sa.Text)  # plain text, for snippets
    # Stemmed words (Russian and English Snowball), space-separated; the
    # full-text index of each database is built over these two columns.
    search_title: Mapped[str] = mapped_column(sa.Text, default="")
    search_body: Mapped[str] = mapped_column(sa.Text, default="")

    category: Mapped[Category] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    updated_by: Mapped[User] = relationship(foreign_keys=[updated_by_id])
    tags: Mapped[list[ArticleTag]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="ArticleTag.tag",
    )
    versions: WriteOnlyMapped[ArticleVersion] = relationship(
        back_populates="article", passive_deletes=True
    )

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]

    @property
    def is_public(self) -> bool:
        """Customers may read it: public and published."""
        return (
            self.visibility == Visibility.PUBLIC
            and self.status == ArticleStatus.PUBLISHED
        )


class ArticleTag(Base):
    __tablename__ = "kb_article_tags"
    __table_args__ = (
        sa.Index("ix_kb_article_tags_tag_article_id", "tag", "article_id"),
    )

    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(40), primary_key=True)

    article: Mapped[Article] = relationship(back_populates="tags")


class ArticleVersion(Base):
    """The article as one save left it: who, when, which fields changed."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (sa.UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"))
    tags: Mapped[list] = mapped_column(sa.JSON, default=list)
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, "kb_visibility")
    )
    status: Mapped[ArticleStatus] = mapped_column(
        str_enum(ArticleStatus, "kb_article_status")
    )
    editor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
    # Names of the fields this save changed (all of them for the first version).
    changes: Mapped[list] = mapped_column(sa.JSON, default=list)
    restored_from: Mapped[int | None]

    article: Mapped[Article] = relationship(back_populates="versions")
    editor: Mapped[User] = relationship()
    category: Mapped[Category] = relationship()


class ArticleTicketLink(Base):
    __tablename__ = "kb_article_tickets"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "ticket_id"),
        sa.Index("ix_kb_article_tickets_ticket_id", "ticket_id"),
        # First-contact resolutions of a period are counted from this index.
        sa.Index("ix_kb_article_tickets_kind_created_at", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    kind: Mapped[LinkKind] = mapped_column(str_enum(LinkKind, "kb_link_kind"))
    linked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]

    article: Mapped[Article] = relationship()
    ticket: Mapped[Ticket] = relationship()


class Deflection(Base):
    """A customer solved their problem with an article instead of a ticket."""

    __tablename__ = "kb_deflections"
    __table_args__ = (
        sa.Index("ix_kb_deflections_created_at", "created_at"),
        sa.Index("ix_kb_deflections_article_id", "article_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime]


class ArticleVote(Base):
    """One helpful / not helpful vote per user and article; a new vote replaces it."""

    __tablename__ = "kb_article_votes"
    __table_args__ = (sa.UniqueConstraint("article_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    helpful: Mapped[bool]
    created_at: Mapped[datetime]


class ArticleViewDay(Base):
    """Views of an article per UTC day: one upserted row, not one row per view."""

    __tablename__ = "kb_article_view_days"
    __table_args__ = (sa.Index("ix_kb_article_view_days_day", "day"),)

    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    views: Mapped[int] = mapped_column(default=0)


class CannedResponse(Base):
    """A saved reply: personal (``owner_id``) or shared with a line (``line``)."""

    __tablename__ = "kb_canned_responses"
    __table_args__ = (
        sa.CheckConstraint(
            "(owner_id IS NOT NULL AND line IS NULL)"
            " OR (owner_id IS NULL AND line BETWEEN 1 AND 3)",
            name="personal_or_line",
        ),
        sa.Index("ix_kb_canned_responses_owner_id", "owner_id"),
        sa.Index("ix_kb_canned_responses_line", "line"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    line: Mapped[int | None]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def is_personal(self) -> bool:
        return self.owner_id is not None
