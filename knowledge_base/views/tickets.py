"""Articles meet tickets: link from the ticket page, and resolve a call with
an article from the phone console (a first-contact resolution)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from helpdesk.clock import get_clock
from helpdesk.errors import Conflict, InvalidInput
from helpdesk.extensions import db
from helpdesk.http import form_error, query_id
from helpdesk.models import User
from helpdesk.service import access
from helpdesk.views.access import staff_required
from knowledge_base.schemas import LinkIn, PhoneResolveIn
from knowledge_base.service import articles as article_service
from knowledge_base.service import usage
from knowledge_base.views import bp


def _back_to_ticket(ticket_id: int):
    return redirect(url_for("helpdesk.ticket_detail", ticket_id=ticket_id))


@bp.post("/kb/tickets/<int:ticket_id>/links")
@staff_required
def link_create(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    data = LinkIn().load(request.form.to_dict(), unknown="exclude")
    article = article_service.get_visible_article(current_user, data["article_id"])
    usage.link_article(article, ticket, actor=current_user, now=get_clock().now())
    db.session.commit()
    flash(_("Article “%(title)s” linked.", title=article.title), "success")
    return _back_to_ticket(ticket.id)


@bp.post("/kb/tickets/<int:ticket_id>/links/<int:article_id>/delete")
@staff_required
def link_delete(ticket_id: int, article_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    article = article_service.get_visible_article(current_user, article_id)
    usage.unlink_article(article, ticket, actor=current_user, now=get_clock().now())
    db.session.commit()
    flash(_("Link to “%(title)s” removed.", title=article.title), "success")
    return _back_to_ticket(ticket.id)


@bp.post("/kb/phone/resolve")
@staff_required
def phone_resolve():
    """One click in the console: the call becomes a ticket resolved with the
    article. The console is the core's page, so input the service refuses
    goes back there as a message (with the caller still selected) rather than
    a re-rendered form; a missing article or right is a 404 or 403 as usual
    (like the core, only agents who work line 1 resolve its new tickets)."""
    caller_id = request.form.get("requester_id", type=query_id)
    try:
        data = PhoneResolveIn().load(request.form.to_dict(), unknown="exclude")
        article = article_service.get_visible_article(current_user, data["article_id"])
        caller = db.session.get(User, data["requester_id"])
        if caller is None:
            message = _("Find or create the caller first.")
            raise InvalidInput(message, fields={"requester_id": [message]})
        ticket = usage.resolve_call_with_article(
            article, data, caller=caller, actor=current_user, now=get_clock().now()
        )
    except (ValidationError, InvalidInput, Conflict) as err:
        errors, _status = form_error(err)
        flash(" ".join(m for messages in errors.values() for m in messages), "error")
        return redirect(url_for("helpdesk.phone", requester_id=caller_id))
    db.session.commit()
    flash(
        _(
            "%(number)s registered and resolved on the call with “%(title)s”.",
            number=ticket.number,
            title=article.title,
        ),
        "success",
    )
    return redirect(
        url_for("helpdesk.phone", requester_id=caller.id, created=ticket.id)
    )
