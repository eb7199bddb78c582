"""The knowledge base's REST API under /api/v1/kb, shaped like the core's:
lists are ``{"items", "next_cursor"}``, errors ``{"error": {...}}``.

Customers (and their tokens) read public published articles only; staff
read everything and write.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required

from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.pagination import decode_cursor, page
from knowledge_base.schemas import (
    ArticleIn,
    ArticleListQuery,
    ArticleOut,
    ArticlePatchIn,
    ArticleVersionOut,
    DeflectionIn,
    DeflectionOut,
    RestoreIn,
    SearchHitOut,
    SearchQuery,
    SuggestQuery,
    VoteIn,
    VoteOut,
)
from knowledge_base.service import articles as article_service
from knowledge_base.service import usage

bp = Blueprint("knowledge_base_api", __name__, url_prefix="/api/v1/kb")


@bp.get("/search")
@login_required
def search():
    """Ranked, highlighted matches among the published articles you may read."""
    query = SearchQuery().load(request.args.to_dict())
    filters = {"category": query["category"]} if query.get("category") else {}
    hits = article_service.search_articles(
        current_user, query["q"], limit=query["limit"], filters=filters
    )
    if not hits:
        article_service.search_found_nothing.send(
            query["q"], actor=current_user, now=get_clock().now()
        )
        db.session.commit()
    return {"items": SearchHitOut(many=True).dump(hits), "next_cursor": None}


@bp.get("/suggestions")
@login_required
def suggestions():
    """The best public articles for what a customer is typing as a subject."""
    query = SuggestQuery().load(request.args.to_dict())
    hits = article_service.search_articles(
        current_user, query["q"], limit=query["limit"], public_only=True
    )
    return {"items": SearchHitOut(many=True).dump(hits), "next_cursor": None}


@bp.get("/articles")
@login_required
def article_list():
    filters = ArticleListQuery().load(request.args.to_dict())
    limit = filters["limit"]
    rows = article_service.list_articles(
        current_user,
        filters,
        after_id=decode_cursor(filters["cursor"]),
        limit=limit + 1,
    )
    items, next_cursor = page(rows, limit)
    return {"items": ArticleOut(many=True).dump(items), "next_cursor": next_cursor}


@bp.post("/articles")
@login_required
def article_create():
    article_service.ensure_writer(current_user)
    data = ArticleIn().load(json_body())
    article = article_service.create_article(
        data, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    location = f"/api/v1/kb/articles/{article.id}"
    return ArticleOut().dump(article), 201, {"Location": location}


@bp.get("/articles/<int:article_id>")
@login_required
def article_get(article_id: int):
    return ArticleOut().dump(
        article_service.get_visible_article(current_user, article_id)
    )


@bp.patch("/articles/<int:article_id>")
@login_required
def article_patch(article_id: int):
    article = article_service.get_visible_article(current_user, article_id)
    article_service.ensure_writer(current_user)
    changes = ArticlePatchIn().load(json_body(), partial=True)
    article_service.update_article(
        article, changes, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    return ArticleOut().dump(article)


@bp.delete("/articles/<int:article_id>")
@login_required
def article_delete(article_id: int):
    article = article_service.get_visible_article(current_user, article_id)
    article_service.delete_article(article, actor=current_user)
    db.session.commit()
    return "", 204


@bp.get("/articles/<int:article_id>/versions")
@login_required
def version_list(article_id: int):
    article = article_service.get_visible_article(current_user, article_id)
    article_service.ensure_writer(current_user)
    versions = article_service.article_versions(article)
    return {"items": ArticleVersionOut(many=True).dump(versions), "next_cursor": None}


@bp.post("/articles/<int:article_id>/restorations")
@login_required
def restoration_create(article_id: int):
    article = article_service.get_visible_article(current_user, article_id)
    article_service.ensure_writer(current_user)
    data = RestoreIn().load(json_body())
    article_service.restore_version(
        article, data["version"], actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    return ArticleOut().dump(article), 201


@bp.post("/articles/<int:article_id>/votes")
@login_required
def vote_create(article_id: int):
    """Helpful or not, as the article page's buttons: one vote per user and
    article, a new one replaces it."""
    article = article_service.get_visible_article(current_user, article_id)
    data = VoteIn().load(json_body())
    ballot = usage.vote(
        article, helpful=data["helpful"], actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    return VoteOut().dump(ballot), 201


@bp.post("/articles/<int:article_id>/deflections")
@login_required
def deflection_create(article_id: int):
    """A customer's "this solved my problem" on a public article: a request
    that was not needed (customers only)."""
    article = article_service.get_visible_article(current_user, article_id)
    data = DeflectionIn().load(json_body())
    deflection = usage.deflect(
        article, subject=data["subject"], actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    return DeflectionOut().dump(deflection), 201
