"""The ticket page's watchers: add someone by e-mail, remove someone, or
stop following yourself. Routes join the core's ``helpdesk`` blueprint."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk.clock import get_clock
from helpdesk.errors import Conflict, InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.models import User
from helpdesk.service import access
from helpdesk.views import bp
from helpdesk.views.tickets import render_ticket
from helpdesk.watchers import service


@bp.post("/tickets/<int:ticket_id>/watchers")
@login_required
def ticket_watcher_add(ticket_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    try:
        watcher = service.add_by_email(
            ticket,
            request.form.get("email", "").strip(),
            actor=current_user,
            now=get_clock().now(),
        )
    except (InvalidInput, Conflict) as err:
        errors, status = form_error(err)
        ticket = access.get_visible_ticket(current_user, ticket_id)
        return render_ticket(ticket, errors=errors, status=status)
    db.session.commit()
    flash(_("%(name)s follows this ticket now.", name=watcher.user.name), "success")
    return redirect(url_for("helpdesk.ticket_detail", ticket_id=ticket.id))


@bp.post("/tickets/<int:ticket_id>/watchers/<int:user_id>/removal")
@login_required
def ticket_watcher_remove(ticket_id: int, user_id: int):
    ticket = access.get_visible_ticket(current_user, ticket_id)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("This person does not follow the ticket."))
    service.remove_watcher(ticket, user, actor=current_user, now=get_clock().now())
    db.session.commit()
    if user.id == current_user.id:
        flash(_("You no longer follow %(number)s.", number=ticket.number), "success")
        if not access.follows(current_user, ticket):
            return redirect(url_for("helpdesk.ticket_list"))
    else:
        flash(_("%(name)s no longer follows this ticket.", name=user.name), "success")
    return redirect(url_for("helpdesk.ticket_detail", ticket_id=ticket.id))
