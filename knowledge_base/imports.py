"""The ``articles`` import: knowledge-base articles from a legacy wiki or
spreadsheet, written through the articles service (so each has its version,
its rendered body and its search entry). Re-importing an article by its
external id saves a new version only when something changed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from helpdesk.extensions import db
from helpdesk.i18n import N_
from helpdesk.imports import refs
from helpdesk.imports.fields import Code, Instant, text
from helpdesk.imports.kinds import Column, Kind, Outcome, Problem, Row, RunContext
from helpdesk.imports.tickets import Tags
from helpdesk.models import Category, User
from helpdesk.service.accounts import normalise_email
from knowledge_base.models import Article, ArticleStatus, Visibility
from knowledge_base.service.articles import create_article, update_article


class ArticleRowIn(Schema):
    external_id = text(160, required=True)
    title = text(200, required=True)
    body = text(200_000, required=True)
    category = fields.String(
        required=True, error_messages={"required": N_("This field is required.")}
    )
    tags = Tags(load_default=list)
    visibility = Code(
        [v.value for v in Visibility],
        message=N_("Use public or internal."),
        load_default="internal",
    )
    status = Code(
        [s.value for s in ArticleStatus],
        message=N_("Use draft or published."),
        load_default="published",
    )
    author = fields.Email(error_messages={"invalid": N_("Not a valid email address.")})
    created_at = Instant()


def check_articles(rows: list[Row], context: RunContext) -> list[Problem]:
    codes = {
        c.code.lower(): c.code
        for c in db.session.scalars(sa.select(Category).where(Category.active))
    }
    emails = sorted({normalise_email(d["author"]) for _l, d in rows if d.get("author")})
    authors = {
        u.email: u
        for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))
    }
    known = refs.lookup("article", (d["external_id"] for _l, d in rows))
    problems: list[Problem] = []
    for line, data in rows:
        data["category"] = codes.get(data["category"].strip().lower(), data["category"])
        if data["category"] not in codes.values():
            problems.append((line, "category", N_("Unknown category."), {}))
        author = (
            authors.get(normalise_email(data["author"])) if data.get("author") else None
        )
        author = author or context.actor
        if author is None or not author.is_staff:
            problems.append(
                (line, "author", N_("The author must be an agent's e-mail."), {})
            )
        data["author_obj"] = author
        data["article_id"] = known.get(data["external_id"])
    return problems


def write_articles(rows: list[Row], context: RunContext) -> Outcome:
    created = 0
    for _line, data in rows:
        content = {
            k: data[k]
            for k in ("title", "body", "category", "tags", "visibility", "status")
        }
        content["visibility"] = Visibility(content["visibility"])
        content["status"] = ArticleStatus(content["status"])
        author: User = data["author_obj"]
        article = (
            db.session.get(Article, data["article_id"]) if data["article_id"] else None
        )
        if article is not None:
            update_article(article, content, actor=author, now=context.now)
            continue
        at: datetime = data.get("created_at") or context.now
        article = create_article(content, actor=author, now=at)
        refs.remember("article", data["external_id"], article.id, now=context.now)
        created += 1
    return Outcome(created, len(rows) - created)


ARTICLES = Kind(
    name="articles",
    title=_l("Knowledge-base articles"),
    columns=(
        Column("external_id", True, _l("The article's id in the old system."), "KB-17"),
        Column("title", True, _l("Title."), "Как подключить сетевой принтер"),
        Column("body", True, _l("Text, in Markdown."), "1. Откройте «Параметры»…"),
        Column("category", True, _l("Category code."), "hardware"),
        Column("tags", False, _l("Tags, comma-separated."), "printer"),
        Column("visibility", False, _l("internal (default) or public."), "public"),
        Column("status", False, _l("published (default) or draft."), "published"),
        Column(
            "author",
            False,
            _l("Author's e-mail (an agent); the importing user by default."),
            "line2@example.com",
        ),
        Column("created_at", False, _l("When it was written."), "2025-03-01T10:00:00Z"),
    ),
    schema=ArticleRowIn,
    check=check_articles,
    write=write_articles,
    key="external_id",
)
