"""Article pages: browse and search, read, vote, deflect; write, edit,
delete, history and restore (staff)."""

from __future__ import annotations

import difflib

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from helpdesk import confirm
from helpdesk.clock import get_clock
from helpdesk.errors import Conflict, InvalidInput
from helpdesk.extensions import db
from helpdesk.http import form_error, query_id
from helpdesk.pagination import decode_cursor, page
from helpdesk.service import access, queries
from helpdesk.views.access import staff_required
from knowledge_base.schemas import (
    ArticleIn,
    DeflectionIn,
    PageSearchQuery,
    VoteIn,
)
from knowledge_base.service import articles as article_service
from knowledge_base.service import usage
from knowledge_base.views import bp

SEARCH_PAGE_SIZE = 20


@bp.get("/kb")
@login_required
def article_list():
    """Search results when there is a query, else the newest articles."""
    args = {k: v for k, v in request.args.to_dict().items() if v != ""}
    query = PageSearchQuery().load(args)
    filters = _filters(query)
    hits, items, next_cursor = [], [], None
    if query["q"]:
        hits = article_service.search_articles(
            current_user, query["q"], limit=SEARCH_PAGE_SIZE, filters=filters
        )
        if not hits:
            _found_nothing(query["q"])
    else:
        limit = current_app.config["PAGE_SIZE"]
        rows = article_service.list_articles(
            current_user,
            filters,
            after_id=decode_cursor(query["cursor"]),
            limit=limit + 1,
        )
        items, next_cursor = page(rows, limit)
    return render_template(
        "knowledge_base/list.html",
        q=query["q"],
        args=args,
        hits=hits,
        articles=items,
        next_cursor=next_cursor,
        categories=queries.active_categories(),
    )


def _found_nothing(text: str) -> None:
    article_service.search_found_nothing.send(
        text, actor=current_user, now=get_clock().now()
    )
    db.session.commit()


def _filters(query: dict) -> dict:
    """Category and tag for everyone; status and visibility for staff only."""
    keys = ("status", "visibility", "category", "tag")
    if not current_user.is_staff:
        keys = ("category", "tag")
    return {k: query[k] for k in keys if query.get(k)}


@bp.get("/kb/articles/<int:article_id>")
@login_required
def article_detail(article_id: int):
    article = article_service.get_visible_article(current_user, article_id)
    usage.record_view(article, now=get_clock().now())
    db.session.commit()
    staff = current_user.is_staff
    return render_template(
        "knowledge_base/article.html",
        article=article,
        usage=usage.article_usage(article) if staff else None,
        links=usage.linked_tickets(article) if staff else [],
        my_vote=usage.user_vote(article, current_user),
        subject=request.args.get("subject", "")[:200],
    )


@bp.route("/kb/articles/new", methods=["GET", "POST"])
@staff_required
def article_new():
    ticket_id = request.values.get("ticket_id", type=query_id)
    ticket = access.get_visible_ticket(current_user, ticket_id) if ticket_id else None
    if request.method == "GET":
        form = (
            article_service.prefill_from_ticket(ticket, actor=current_user)
            if ticket
            else {}
        )
        return _render_form(form=form, errors={}, ticket=ticket)
    try:
        data = ArticleIn().load(request.form.to_dict(), unknown="exclude")
        article = article_service.create_article(
            data, actor=current_user, now=get_clock().now(), source_ticket=ticket
        )
    except (ValidationError, InvalidInput) as err:
        errors, status = form_error(err)
        return _render_form(form=request.form, errors=errors, ticket=ticket), status
    db.session.commit()
    flash(_("Article “%(title)s” saved.", title=article.title), "success")
    return redirect(url_for("knowledge_base.article_detail", article_id=article.id))


@bp.route("/kb/articles/<int:article_id>/edit", methods=["GET", "POST"])
@staff_required
def article_edit(article_id: int):
    article = article_service.get_visible_article(current_user, article_id)
    if request.method == "GET":
        return _render_form(form=_form_of(article), errors={}, article=article)
    try:
        data = ArticleIn().load(request.form.to_dict(), unknown="exclude")
        article_service.update_article(
            article, data, actor=current_user, now=get_clock().now()
        )
    except (ValidationError, InvalidInput, Conflict) as err:
        errors, status = form_error(err)
        article = article_service.get_visible_article(current_user, article_id)
        return _render_form(form=request.form, errors=errors, article=article), status
    db.session.commit()
    flash(
        _("Saved as version %(version)s.", version=article.version),
        "success",
    )
    return redirect(url_for("knowledge_base.article_detail", article_id=article.id))


def _form_of(article) -> dict:
    return {
        "title": article.title,
        "body": article.body,
        "category": article.category.code,
        "tags": ", ".join(article.tag_names),
        "visibility": article.visibility.value,
        "status": article.status.value,
        "base_version": article.version,
    }


def _render_form(*, form, errors: dict, article=None, ticket=None):
    return render_template(
        "knowledge_base/form.html",
        form=form,
        errors=errors,
        article=article,
        ticket=ticket,
        categories=queries.active_categories(),
    )


@bp.post("/kb/articles/<int:article_id>/delete")
@staff_required
def article_delete(article_id: int):
    article = article_service.get_visible_article(current_user, article_id)
    title = article.title
    article_service.ensure_writer(current_user)
    if not confirm.confirmed():
        return confirm.ask(
            title=_("Delete the article “%(title)s”?", title=title),
            consequences=[
                _(
                    "Its versions, tags, votes and counts are deleted with it, "
                    "and tickets no longer link to it."
                ),
                _("Agents and customers no longer find it in the search."),
            ],
            button=_("Delete the article"),
            back=url_for("knowledge_base.article_detail", article_id=article.id),
        )
    article_service.delete_article(article, actor=current_user)
    db.session.commit()
    flash(_("Article “%(title)s” deleted.", title=title), "success")
    return redirect(url_for("knowledge_base.article_list"))


@bp.get("/kb/articles/<int:article_id>/versions")
@staff_required
def version_list(article_id: int):
    article = article_service.get_visible_article(current_user, article_id)
    return render_template(
        "knowledge_base/versions.html",
        article=article,
        versions=article_service.article_versions(article),
    )


@bp.get("/kb/articles/<int:article_id>/versions/<int:number>")
@staff_required
def version_detail(article_id: int, number: int):
    article = article_service.get_visible_article(current_user, article_id)
    version = article_service.get_version(article, number)
    previous = article_service.get_version(article, number - 1) if number > 1 else None
    diff = difflib.unified_diff(
        (previous.body if previous else "").splitlines(),
        version.body.splitlines(),
        lineterm="",
        n=2,
    )
    return render_template(
        "knowledge_base/version.html",
        article=article,
        version=version,
        previous=previous,
        diff=list(diff)[2:],  # without the ---/+++ header lines
    )


@bp.post("/kb/articles/<int:article_id>/versions/<int:number>/restore")
@staff_required
def version_restore(article_id: int, number: int):
    article = article_service.get_visible_article(current_user, article_id)
    before = article.version
    article_service.restore_version(
        article, number, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    if article.version == before:
        flash(_("The article already has the content of that version."), "info")
    else:
        flash(
            _(
                "Version %(number)s restored as version %(version)s.",
                number=number,
                version=article.version,
            ),
            "success",
        )
    return redirect(url_for("knowledge_base.article_detail", article_id=article.id))


@bp.post("/kb/articles/<int:article_id>/votes")
@login_required
def vote_create(article_id: int):
    article = article_service.get_visible_article(current_user, article_id)
    data = VoteIn().load(request.form.to_dict(), unknown="exclude")
    usage.vote(
        article, helpful=data["helpful"], actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    flash(_("Thank you for your feedback!"), "success")
    return redirect(url_for("knowledge_base.article_detail", article_id=article.id))


@bp.post("/kb/articles/<int:article_id>/deflections")
@login_required
def deflection_create(article_id: int):
    article = article_service.get_visible_article(current_user, article_id)
    data = DeflectionIn().load(request.form.to_dict(), unknown="exclude")
    usage.deflect(
        article, subject=data["subject"], actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    flash(
        _(
            "Thank you! We are glad the article solved your problem — no request needed."
        ),
        "success",
    )
    return redirect(url_for("knowledge_base.article_detail", article_id=article.id))
