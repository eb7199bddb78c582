"""The end user's side: home, own tickets, the request form."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from helpdesk.clock import get_clock
from helpdesk.custom_fields import forms as custom_field_forms
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.schemas.tickets import TicketCreateIn
from helpdesk.service import queries
from helpdesk.service import tickets as ticket_service
from helpdesk.views import bp
from helpdesk.views.uploads import read_upload, save_upload
from helpdesk.vocabulary import ACTIVE_STATUSES, Role


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == Role.ADMIN:
        return redirect(url_for("helpdesk.queue"))
    if current_user.role == Role.LINE1:
        return redirect(url_for("helpdesk.phone"))
    if current_user.is_staff:
        return redirect(url_for("helpdesk.queue"))
    return redirect(url_for("helpdesk.ticket_list"))


@bp.get("/tickets")
@login_required
def ticket_list():
    if current_user.is_staff:
        return redirect(url_for("helpdesk.queue"))
    items, next_cursor = queries.ticket_page(
        current_user,
        {},
        cursor=request.args.get("cursor"),
        limit=current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "helpdesk/my_tickets.html",
        tickets=items,
        next_cursor=next_cursor,
        active_statuses=ACTIVE_STATUSES,
    )


@bp.route("/tickets/new", methods=["GET", "POST"])
@login_required
def ticket_new():
    categories = queries.active_categories()
    if request.method == "GET":
        return render_template(
            "helpdesk/ticket_new.html", categories=categories, errors={}, form={}
        )
    now = get_clock().now()
    try:
        data = TicketCreateIn().load(request.form.to_dict(), unknown="exclude")
        data["fields"] = custom_field_forms.submitted_values(
            request.form, data["category"]
        )
        upload = read_upload()
        ticket = ticket_service.open_ticket(data, actor=current_user, now=now)
        save_upload(upload, ticket, actor=current_user, now=now)
    except (ValidationError, InvalidInput) as err:
        errors, status = form_error(err)
        return render_template(
            "helpdesk/ticket_new.html",
            categories=categories,
            errors=errors,
            form=request.form,
        ), status
    db.session.commit()
    flash(
        _("Your request %(number)s has been registered.", number=ticket.number),
        "success",
    )
    return redirect(url_for("helpdesk.ticket_detail", ticket_id=ticket.id))
