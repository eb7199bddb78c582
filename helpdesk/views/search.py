"""Staff search (the top bar's box) and the agents' saved queue views."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from helpdesk.clock import get_clock
from helpdesk.errors import Conflict, InvalidInput
from helpdesk.extensions import db
from helpdesk.http import form_error, translate_messages
from helpdesk.schemas.tickets import TicketListQuery
from helpdesk.search import saved_views
from helpdesk.search import tickets as ticket_search
from helpdesk.service import accounts, queries
from helpdesk.views import bp
from helpdesk.views.access import staff_required


@bp.get("/search")
@staff_required
def search():
    """A ticket number opens the ticket; words (and filters) list matches."""
    args = search_args()
    found = ticket_search.find_by_number(current_user, args.get("q", ""))
    if found is not None:
        return redirect(url_for("helpdesk.ticket_detail", ticket_id=found.id))
    try:
        filters = search_filters(args)
    except ValidationError as err:
        # Dates in the wrong order, say: the form as it was, and what to fix.
        return _render_search([], None, errors=translate_messages(err.messages))
    tickets, next_cursor = ticket_search.ticket_page(
        current_user,
        filters,
        cursor=filters["cursor"],
        limit=current_app.config["PAGE_SIZE"],
        window=current_app.config["TICKET_SEARCH_WINDOW"],
    )
    return _render_search(tickets, next_cursor)


def search_args() -> dict[str, str]:
    """The search's query arguments without the empty ones."""
    return {k: v for k, v in request.args.to_dict().items() if v.strip() != ""}


def search_filters(args: dict[str, str]) -> dict:
    """The filters the search's arguments load to (the page and its exports
    read the same ones); raises ValidationError."""
    args = dict(args)
    requester_email = args.pop("requester_email", "")
    filters = TicketListQuery().load(args)
    if requester_email:
        requester = accounts.find_user_by_email(requester_email)
        filters["requester_id"] = requester.id if requester else -1
    return filters


def _render_search(tickets, next_cursor, *, errors: dict | None = None):
    page = render_template(
        "helpdesk/search.html",
        tickets=tickets,
        next_cursor=next_cursor,
        args=request.args,
        categories=queries.active_categories(),
        errors=errors or {},
    )
    return page, 422 if errors else 200


@bp.post("/queue/views")
@staff_required
def saved_view_create():
    filters = {k: v for k, v in request.form.items() if k in saved_views.FILTER_KEYS}
    try:
        TicketListQuery().load({k: v for k, v in filters.items() if v != ""})
        view = saved_views.save_view(
            current_user, request.form.get("name", ""), filters, now=get_clock().now()
        )
    except (ValidationError, InvalidInput, Conflict) as err:
        errors, _status = form_error(err)
        for messages in errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for("helpdesk.queue", **filters))
    db.session.commit()
    flash(_("View “%(name)s” saved.", name=view.name), "success")
    return redirect(url_for("helpdesk.queue", **view.filters))


@bp.post("/queue/views/<int:view_id>/delete")
@staff_required
def saved_view_delete(view_id: int):
    saved_views.delete_view(current_user, view_id)
    db.session.commit()
    flash(_("Saved view deleted."), "success")
    return redirect(url_for("helpdesk.queue"))
