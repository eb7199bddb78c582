"""Marshmallow schemas of the knowledge base's pages and API (the HTTP edge).

Messages are English msgids marked with ``N_``; the edge translates them.
"""

from __future__ import annotations

import re

from flask import url_for
from marshmallow import Schema, ValidationError, fields, validate

from helpdesk.db import MAX_ID
from helpdesk.i18n import N_
from helpdesk.schemas.accounts import UserBriefOut
from helpdesk.schemas.common import (
    REQUIRED_TEXT,
    Id,
    PageQuery,
    StrippedSchema,
    UTCDateTime,
    text,
)
from helpdesk.schemas.tickets import priority_field
from helpdesk.vocabulary import Priority
from knowledge_base.models import ArticleStatus, LinkKind, Visibility

MAX_TAGS = 10
_TAG_SEPARATORS = re.compile(r"[,;\n]+")
# An article's tags in the OpenAPI document.
TAGS = {"type": "array", "items": {"type": "string"}}


class TagList(fields.Field):
    """``["VPN", "remote"]`` or ``"VPN, remote"`` → ``["remote", "vpn"]``:
    trimmed, lower-case, unique, at most 10 of at most 40 characters."""

    openapi = {
        "oneOf": [
            {"type": "array", "items": {"type": "string", "maxLength": 40}},
            {"type": "string", "description": "comma-separated"},
        ]
    }

    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        if isinstance(value, str):
            value = _TAG_SEPARATORS.split(value)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(N_("Give tags as a list of words."))
        tags = sorted({" ".join(v.split()).lower() for v in value} - {""})
        if len(tags) > MAX_TAGS or any(len(t) > 40 for t in tags):
            raise ValidationError(N_("Use at most 10 tags of at most 40 characters."))
        return tags

    def _serialize(self, value, attr, obj, **kwargs) -> list[str]:
        return list(value or [])


def _enum(enum_class, message: str, **kwargs) -> fields.Enum:
    return fields.Enum(
        enum_class,
        by_value=True,
        error_messages={"unknown": message, "required": REQUIRED_TEXT},
        **kwargs,
    )


# --- input -----------------------------------------------------------------


class ArticleIn(StrippedSchema):
    title = text(200, message=N_("Enter a title of 1 to 200 characters."))
    body = text(100_000, message=N_("Write the article: 1 to 100000 characters."))
    category = text(40, message=N_("Choose a category."))
    tags = TagList(load_default=list)
    visibility = _enum(
        Visibility, N_("Choose public or internal."), load_default=Visibility.INTERNAL
    )
    status = _enum(
        ArticleStatus,
        N_("Choose draft or published."),
        load_default=ArticleStatus.DRAFT,
    )
    # The version the editor started from; a later save by someone else is a 409.
    base_version = Id(
        load_default=None,
        allow_none=True,
        strict=False,
        error=N_("Not a valid version."),
    )


class ArticlePatchIn(ArticleIn):
    """Every field optional: only those sent change."""

    tags = TagList()
    visibility = _enum(Visibility, N_("Choose public or internal."))
    status = _enum(ArticleStatus, N_("Choose draft or published."))


class ArticleListQuery(PageQuery):
    status = _enum(ArticleStatus, N_("Choose draft or published."))
    visibility = _enum(Visibility, N_("Choose public or internal."))
    category = fields.String(validate=validate.Length(max=40))
    tag = fields.String(validate=validate.Length(max=40))


class SearchQuery(StrippedSchema):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=200, error=N_("Use at most 200 characters.")),
    )
    limit = fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=50, error=N_("The limit is 1 to 50.")),
    )
    category = fields.String(validate=validate.Length(max=40))


class SuggestQuery(SearchQuery):
    limit = fields.Integer(
        load_default=5,
        validate=validate.Range(min=1, max=5, error=N_("The limit is 1 to 5.")),
    )


class PageSearchQuery(SearchQuery):
    """The KB page's filters; status and visibility count for staff only."""

    status = _enum(ArticleStatus, N_("Choose draft or published."))
    visibility = _enum(Visibility, N_("Choose public or internal."))
    tag = fields.String(validate=validate.Length(max=40))
    cursor = fields.String(load_default=None)


class RestoreIn(Schema):
    version = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(min=1, max=MAX_ID, error=N_("Not a valid version.")),
        error_messages={"required": REQUIRED_TEXT},
    )


class VoteIn(Schema):
    helpful = fields.Boolean(required=True, error_messages={"required": REQUIRED_TEXT})


class DeflectionIn(StrippedSchema):
    subject = text(
        200, required=False, load_default="", message=N_("Use at most 200 characters.")
    )


class VoteOut(Schema):
    article_id = fields.Integer()
    helpful = fields.Boolean()
    created_at = UTCDateTime()


class DeflectionOut(Schema):
    id = fields.Integer()
    article_id = fields.Integer()
    subject = fields.String()
    created_at = UTCDateTime()


def article_id_field() -> fields.Integer:
    return Id(
        required=True,
        strict=False,
        error=N_("Choose an article."),
        error_messages={
            "required": N_("Choose an article."),
            "invalid": N_("Choose an article."),
        },
    )


class LinkIn(Schema):
    article_id = article_id_field()


class TicketLinkIn(LinkIn):
    """A link made through the API: which ticket, which article."""

    ticket_id = Id(
        required=True,
        error=N_("Choose a ticket."),
        error_messages={"required": N_("Choose a ticket.")},
    )


class LinkOut(Schema):
    id = fields.Integer()
    ticket_id = fields.Integer()
    article_id = fields.Integer()
    title = fields.Function(
        lambda link: link.article.title, metadata={"type": "string"}
    )
    kind = fields.Enum(LinkKind, by_value=True)
    linked_by_id = fields.Integer()
    created_at = UTCDateTime()


class LinkQuery(Schema):
    ticket = Id(
        required=True,
        error_messages={"required": N_("Name the ticket: ?ticket=<id>.")},
    )


class CannedOut(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String(metadata={"description": "with {placeholders}"})
    line = fields.Integer(
        allow_none=True, metadata={"description": "shared with; null = personal"}
    )
    personal = fields.Boolean(attribute="is_personal")
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class PhoneResolveIn(StrippedSchema):
    requester_id = Id(
        required=True,
        strict=False,
        error=N_("Find or create the caller first."),
        error_messages={
            "required": N_("Find or create the caller first."),
            "invalid": N_("Find or create the caller first."),
        },
    )
    article_id = article_id_field()
    subject = text(
        200,
        required=False,
        load_default="",
        message=N_("Enter a subject of 1 to 200 characters."),
    )
    description = text(
        20000,
        required=False,
        load_default="",
        message=N_("The description is too long."),
    )
    # What the agent searched the knowledge base for as the caller spoke.
    query = text(
        200, required=False, load_default="", message=N_("The search is too long.")
    )
    priority = priority_field(load_default=Priority.P3)
    solution = text(
        20000, required=False, load_default="", message=N_("The solution is too long.")
    )


class CannedIn(StrippedSchema):
    title = text(120, message=N_("Enter a title of 1 to 120 characters."))
    body = text(20000, message=N_("Write the reply: 1 to 20000 characters."))
    # Empty or absent: personal. 1–3: shared with that line.
    line = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=False,
        validate=validate.Range(min=1, max=3, error=N_("The line is 1, 2 or 3.")),
    )

    def load(self, data, *args, **kwargs):  # type: ignore[override]
        if hasattr(data, "items") and data.get("line") == "":
            data = {**data, "line": None}  # "personal" in the form's select
        return super().load(data, *args, **kwargs)


class StatsQuery(Schema):
    days = fields.Integer(
        load_default=30,
        validate=validate.OneOf([7, 30, 90], error=N_("Choose 7, 30 or 90 days.")),
    )


# --- output ----------------------------------------------------------------


class ArticleOut(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String(metadata={"description": "Markdown, as written"})
    body_html = fields.String(metadata={"description": "Rendered and sanitised"})
    category = fields.Function(lambda a: a.category.code, metadata={"type": "string"})
    tags = fields.Function(lambda a: a.tag_names, metadata=TAGS)
    visibility = fields.Enum(Visibility, by_value=True)
    status = fields.Enum(ArticleStatus, by_value=True)
    version = fields.Integer()
    author = fields.Nested(UserBriefOut)
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    published_at = UTCDateTime(allow_none=True)
    url = fields.Function(
        lambda a: url_for("knowledge_base.article_detail", article_id=a.id),
        metadata={"type": "string"},
    )


class ArticleVersionOut(Schema):
    number = fields.Integer()
    title = fields.String()
    body = fields.String()
    category = fields.Function(lambda v: v.category.code, metadata={"type": "string"})
    tags = fields.List(fields.String())
    visibility = fields.Enum(Visibility, by_value=True)
    status = fields.Enum(ArticleStatus, by_value=True)
    editor = fields.Nested(UserBriefOut)
    created_at = UTCDateTime()
    changes = fields.List(fields.String())
    restored_from = fields.Integer(allow_none=True)


class SearchHitOut(Schema):
    id = fields.Function(lambda h: h.article.id, metadata={"type": "integer"})
    title = fields.Function(lambda h: h.article.title, metadata={"type": "string"})
    title_html = fields.Function(
        lambda h: str(h.title_html),
        metadata={
            "type": "string",
            "description": "HTML-escaped title, matches in <mark>",
        },
    )
    snippet = fields.Function(
        lambda h: str(h.snippet),
        metadata={
            "type": "string",
            "description": "HTML-escaped excerpt, matches in <mark>",
        },
    )
    category = fields.Function(
        lambda h: h.article.category.code, metadata={"type": "string"}
    )
    visibility = fields.Function(
        lambda h: h.article.visibility.value, metadata={"type": "string"}
    )
    status = fields.Function(
        lambda h: h.article.status.value, metadata={"type": "string"}
    )
    score = fields.Float(metadata={"description": "Higher is better"})
    url = fields.Function(
        lambda h: url_for("knowledge_base.article_detail", article_id=h.article.id),
        metadata={"type": "string"},
    )
