"""Custom field pages: an administrator adds and edits a category's fields
(listed on the category's edit page), an agent changes a ticket's values
from the ticket page. The forms are shown through the core's panel slots
(see ``helpdesk.custom_fields.PANELS``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from helpdesk.clock import get_clock
from helpdesk.custom_fields import forms, service
from helpdesk.custom_fields.schemas import FieldIn, FieldPatchIn
from helpdesk.errors import Conflict, InvalidInput, PermissionDenied
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.service import access, versions
from helpdesk.service import categories as category_service
from helpdesk.service import tickets as ticket_service
from helpdesk.undo import UndoKind
from helpdesk.views import undo as undo_view
from helpdesk.views.access import admin_required

bp = Blueprint(
    "custom_fields",
    __name__,
    static_folder="static",
    static_url_path="/custom-fields/static",
)


@bp.route("/admin/categories/<int:category_id>/fields/new", methods=["GET", "POST"])
@admin_required
def field_new(category_id: int):
    category = category_service.get_category(category_id)
    if request.method == "GET":
        form = {"kind": "text", "active": True}
        return _render_form(category, None, form=form, errors={})
    try:
        data = FieldIn().load(
            forms.field_form_input(request.form, creating=True), unknown="exclude"
        )
        field = service.create_field(category, data, actor=current_user)
    except (ValidationError, Conflict, InvalidInput) as err:
        errors, status = form_error(err)
        category = category_service.get_category(category_id)
        return _render_form(category, None, form=request.form, errors=errors), status
    db.session.commit()
    flash(_("Field “%(key)s” added.", key=field.key), "success")
    return redirect(url_for("helpdesk.category_edit", category_id=category_id))


@bp.route("/admin/fields/<int:field_id>", methods=["GET", "POST"])
@admin_required
def field_edit(field_id: int):
    field = service.get_field(field_id)
    if request.method == "GET":
        return _render_form(field.category, field, form=None, errors={})
    try:
        data = FieldPatchIn().load(
            forms.field_form_input(request.form, creating=False), unknown="exclude"
        )
        service.update_field(field, data, actor=current_user)
    except (ValidationError, InvalidInput) as err:
        errors, status = form_error(err)
        field = service.get_field(field_id)
        return _render_form(
            field.category, field, form=request.form, errors=errors
        ), status
    db.session.commit()
    flash(_("Field “%(key)s” saved.", key=field.key), "success")
    return redirect(url_for("helpdesk.category_edit", category_id=field.category_id))


def _render_form(category, field, *, form, errors: dict):
    if form is None:
        form = {
            "label_en": field.label_en,
            "label_ru": field.label_ru,
            "required": field.required,
            "active": field.active,
            "position": str(field.position),
            "choices": forms.choices_text(field.choices),
        }
    return render_template(
        "helpdesk/custom_fields/field_form.html",
        category=category,
        field=field,
        form=form,
        errors=errors,
    )


@bp.post("/tickets/<int:ticket_id>/fields")
@login_required
def ticket_fields_update(ticket_id: int):
    """The ticket page's "Fields" section (agents who may work on the ticket)."""
    from helpdesk.views.tickets import render_ticket

    ticket = access.get_visible_ticket(current_user, ticket_id)
    if not current_user.is_staff:
        raise PermissionDenied(_("Only agents can change tickets."))
    version = request.form.get("version", type=int)
    values = forms.submitted_values(request.form, ticket.category.code)
    now = get_clock().now()
    versions.expect_version(ticket, version, actor=current_user)
    action = undo_view.begin(UndoKind.UPDATE, [ticket], now=now)
    try:
        ticket_service.update_ticket(
            ticket, {"fields": values}, actor=current_user, now=now
        )
    except InvalidInput as err:
        errors, status = form_error(err)
        ticket = access.get_visible_ticket(current_user, ticket_id)
        errors.setdefault("_form", [str(err.message)])
        return render_ticket(ticket, errors=errors, status=status, form=request.form)
    undo_view.offer(action)
    db.session.commit()
    flash(_("Ticket %(number)s updated.", number=ticket.number), "success")
    return redirect(url_for("helpdesk.ticket_detail", ticket_id=ticket.id))
