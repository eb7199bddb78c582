"""The agents' side of the knowledge base through the API, as the pages do
it: canned responses (personal or shared with a line), the links between
articles and tickets, and a phone call resolved with an article."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk.api import dump_ticket
from helpdesk.clock import get_clock
from helpdesk.errors import InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.models import User
from helpdesk.openapi_parts import ID_PARAM, json_content, list_of, operation
from helpdesk.service import access
from knowledge_base.api import bp
from knowledge_base.models import ArticleTicketLink
from knowledge_base.schemas import (
    CannedIn,
    CannedOut,
    LinkOut,
    LinkQuery,
    PhoneResolveIn,
    TicketLinkIn,
)
from knowledge_base.service import articles as article_service
from knowledge_base.service import canned as canned_service
from knowledge_base.service import usage

# --- canned responses -----------------------------------------------------


@bp.get("/canned")
@login_required
def canned_list():
    """Your personal replies and those shared with your line (managers and
    admins: every line's); customers have none."""
    items = CannedOut(many=True).dump(canned_service.list_canned(current_user))
    return {"items": items, "next_cursor": None}


@bp.post("/canned")
@login_required
def canned_create():
    data = CannedIn().load(json_body())
    canned = canned_service.create_canned(
        data, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    location = f"/api/v1/kb/canned/{canned.id}"
    return CannedOut().dump(canned), 201, {"Location": location}


@bp.get("/canned/<int:canned_id>")
@login_required
def canned_get(canned_id: int):
    return CannedOut().dump(canned_service.get_canned(current_user, canned_id))


@bp.patch("/canned/<int:canned_id>")
@login_required
def canned_patch(canned_id: int):
    """Any of title, body, line (null: personal)."""
    canned = canned_service.get_canned(current_user, canned_id)
    changes = CannedIn(partial=True).load(json_body())
    data = {"title": canned.title, "body": canned.body, "line": canned.line} | changes
    canned_service.update_canned(
        canned, data, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    return CannedOut().dump(canned)


@bp.delete("/canned/<int:canned_id>")
@login_required
def canned_delete(canned_id: int):
    canned = canned_service.get_canned(current_user, canned_id)
    canned_service.delete_canned(canned, actor=current_user)
    db.session.commit()
    return "", 204


# --- article <-> ticket links ---------------------------------------------


@bp.get("/links")
@login_required
def link_list():
    """The articles linked to a ticket you can see (customers: the public ones)."""
    query = LinkQuery().load(request.args.to_dict())
    ticket = access.get_visible_ticket(current_user, query["ticket"])
    links = usage.linked_articles(ticket, actor=current_user)
    return {"items": LinkOut(many=True).dump(links), "next_cursor": None}


@bp.post("/links")
@login_required
def link_create():
    """Link an article to a ticket (agents); linking twice changes nothing."""
    data = TicketLinkIn().load(json_body())
    ticket = access.get_visible_ticket(current_user, data["ticket_id"])
    article = article_service.get_visible_article(current_user, data["article_id"])
    link = usage.link_article(
        article, ticket, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    return LinkOut().dump(link), 201, {"Location": f"/api/v1/kb/links/{link.id}"}


@bp.delete("/links/<int:link_id>")
@login_required
def link_delete(link_id: int):
    """Remove a link made by mistake (a resolution on the call stays: 409)."""
    link = db.session.get(ArticleTicketLink, link_id)
    if link is None:
        raise NotFound(usage.NOT_LINKED)
    ticket = access.get_visible_ticket(current_user, link.ticket_id)
    article = article_service.get_visible_article(current_user, link.article_id)
    usage.unlink_article(article, ticket, actor=current_user, now=get_clock().now())
    db.session.commit()
    return "", 204


# --- a call resolved with an article --------------------------------------


@bp.post("/call-resolutions")
@login_required
def call_resolution_create():
    """The phone console's "Resolved with this article": the call becomes a
    phone ticket of the caller, resolved on the call with the article (the
    caller's own words as subject and description when given)."""
    data = PhoneResolveIn().load(json_body())
    article = article_service.get_visible_article(current_user, data["article_id"])
    caller = db.session.get(User, data["requester_id"])
    if caller is None:
        message = _("Find or create the caller first.")
        raise InvalidInput(message, fields={"requester_id": [message]})
    ticket = usage.resolve_call_with_article(
        article, data, caller=caller, actor=current_user, now=get_clock().now()
    )
    db.session.commit()
    return dump_ticket(ticket), 201, {"Location": f"/api/v1/tickets/{ticket.id}"}


def add_openapi_paths(spec) -> None:
    for schema in (CannedOut, LinkOut):
        spec.components.schema(schema.__name__, schema=schema)
    canned = json_content("CannedOut")
    errs = ("401", "404", "422")
    forbidden = {"403": {"description": "Not yours to change, or not staff"}}
    spec.path(
        path="/v1/kb/canned",
        operations={
            "get": operation(
                "Your canned responses: personal, and shared with your line",
                {"200": {"description": "Replies", **list_of("CannedOut")}},
            ),
            "post": operation(
                "Save a reply (`line` 1–3 shares it with that line; none: personal)",
                {"201": {"description": "Saved", **canned}} | forbidden,
                body=CannedIn,
                errors=("401", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/kb/canned/{id}",
        operations={
            "get": operation(
                "One canned response",
                {"200": {"description": "Reply", **canned}},
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "patch": operation(
                "Change any of title, body, line",
                {"200": {"description": "Reply", **canned}} | forbidden,
                body=CannedIn,
                params=[ID_PARAM],
                errors=errs,
            ),
            "delete": operation(
                "Delete it (replies already sent stay as they were)",
                {"204": {"description": "Deleted"}} | forbidden,
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
        },
    )
    spec.path(
        path="/v1/kb/links",
        operations={
            "get": operation(
                "The articles linked to a ticket",
                {"200": {"description": "Links", **list_of("LinkOut")}},
                params=[
                    {
                        "in": "query",
                        "name": "ticket",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                errors=errs,
            ),
            "post": operation(
                "Link an article to a ticket (agents)",
                {"201": {"description": "Linked", **json_content("LinkOut")}}
                | forbidden,
                body=TicketLinkIn,
                errors=errs,
            ),
        },
    )
    spec.path(
        path="/v1/kb/call-resolutions",
        operations={
            "post": operation(
                "Register a phone call as a ticket resolved on the call with a "
                "published article (agents); the caller gets the article",
                {
                    "201": {"description": "The ticket", **json_content("TicketOut")},
                    "409": {"description": "The article is not published"},
                }
                | forbidden,
                body=PhoneResolveIn,
                errors=errs,
            )
        },
    )
    spec.path(
        path="/v1/kb/links/{id}",
        operations={
            "delete": operation(
                "Remove a link (409 for the article a call was resolved with)",
                {
                    "204": {"description": "Removed"},
                    "409": {"description": "A resolution on the call stays"},
                }
                | forbidden,
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )
