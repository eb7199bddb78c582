"""Knowledge-base builders: plain functions that add and flush through the
services (so versions and search columns exist), like tests/builders.py."""

from __future__ import annotations

from datetime import UTC, datetime

from helpdesk.vocabulary import Role
from knowledge_base.models import ArticleStatus, Visibility
from knowledge_base.service import articles as article_service
from knowledge_base.service import canned as canned_service
from tests.builders import _load, make_category, make_user

_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make_article(
    *,
    title: str = "Printer does not print",
    body: str = "Turn it off and on again.",
    category: str = "hardware",
    tags: list[str] | None = None,
    visibility: Visibility = Visibility.PUBLIC,
    status: ArticleStatus = ArticleStatus.PUBLISHED,
    author=None,
    at: datetime = _AT,
):
    make_category(category)
    author = _load(author) if author is not None else make_user(role=Role.LINE2)
    return article_service.create_article(
        {
            "title": title,
            "body": body,
            "category": category,
            "tags": tags or [],
            "visibility": visibility,
            "status": status,
        },
        actor=author,
        now=at,
    )


def make_canned(
    *, author, title: str = "Greeting", body: str = "Hello {requester_name}!", line=None
):
    return canned_service.create_canned(
        {"title": title, "body": body, "line": line}, actor=_load(author), now=_AT
    )
