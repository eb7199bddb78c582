"""Macros on the pages: the admins' list and form, and applying one from the
ticket page (the preview is the ticket page itself with ``?macro=<id>``, so
it works without script; app.js swaps only the macro section in)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from helpdesk import confirm
from helpdesk.clock import get_clock
from helpdesk.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from helpdesk.extensions import db
from helpdesk.http import discard_transaction, form_error, translate_messages
from helpdesk.macros import service
from helpdesk.macros.models import Macro
from helpdesk.macros.schemas import MacroApplyIn, MacroIn
from helpdesk.service import access, versions
from helpdesk.views import bp
from helpdesk.views import undo as undo_view
from helpdesk.views.access import admin_required


@bp.get("/admin/macros")
@admin_required
def macro_list():
    return render_template(
        "helpdesk/admin_macros.html",
        macros=service.list_macros(),
        placeholders=service.PLACEHOLDERS,
    )


@bp.route("/admin/macros/new", methods=["GET", "POST"])
@admin_required
def macro_new():
    if request.method == "GET":
        return _render_form(form={}, errors={})
    try:
        data = MacroIn().load(_form_data(), unknown="exclude")
        macro = service.create_macro(data, actor=current_user, now=get_clock().now())
    except (ValidationError, InvalidInput, Conflict) as err:
        errors, status = form_error(err)
        return _render_form(form=request.form, errors=errors), status
    db.session.commit()
    flash(_("Macro “%(title)s” saved.", title=macro.title), "success")
    return redirect(url_for("helpdesk.macro_list"))


@bp.route("/admin/macros/<int:macro_id>", methods=["GET", "POST"])
@admin_required
def macro_edit(macro_id: int):
    macro = service.get_macro(macro_id)
    if request.method == "GET":
        return _render_form(form=_as_form(macro), errors={}, macro=macro)
    try:
        data = MacroIn().load(_form_data(), unknown="exclude")
        service.update_macro(macro, data, actor=current_user, now=get_clock().now())
    except (ValidationError, InvalidInput, Conflict) as err:
        errors, status = form_error(err)
        discard_transaction()
        macro = service.get_macro(macro_id)
        return _render_form(form=request.form, errors=errors, macro=macro), status
    db.session.commit()
    flash(_("Macro “%(title)s” saved.", title=macro.title), "success")
    return redirect(url_for("helpdesk.macro_list"))


@bp.post("/admin/macros/<int:macro_id>/delete")
@admin_required
def macro_delete(macro_id: int):
    macro = service.get_macro(macro_id)
    title = macro.title
    if not confirm.confirmed():
        return confirm.ask(
            title=_("Delete the macro “%(title)s”?", title=title),
            consequences=[
                _("Agents can no longer apply it."),
                _("Tickets it was applied to keep what it did."),
            ],
            button=_("Delete the macro"),
            back=url_for("helpdesk.macro_list"),
        )
    service.delete_macro(macro, actor=current_user)
    db.session.commit()
    flash(_("Macro “%(title)s” deleted.", title=title), "success")
    return redirect(url_for("helpdesk.macro_list"))


def _form_data() -> dict:
    """The form as ``MacroIn`` reads it: empty choices are "leave as it
    is", the assignee select holds me, nobody or an agent's id, tags are
    comma-separated."""
    form = request.form.to_dict()
    for name in ("status", "priority", "line"):
        if not form.get(name):
            form[name] = None
    assignee = form.pop("assignee", "")
    form["assign"], form["assignee_id"] = (
        ("agent", assignee) if assignee.isdigit() else (assignee or None, None)
    )
    form["internal"] = form.get("internal", "false")
    for name in ("add_tags", "remove_tags"):
        form[name] = [t for t in form.get(name, "").split(",") if t.strip()]
    return form


def _as_form(macro: Macro) -> dict:
    assignee = str(macro.assignee_id) if macro.assign == "agent" else macro.assign
    return {
        "title": macro.title,
        "body": macro.body,
        "internal": "true" if macro.internal else "",
        "status": macro.status or "",
        "priority": macro.priority or "",
        "line": str(macro.line or ""),
        "assignee": assignee or "",
        "add_tags": ", ".join(macro.add_tags or ()),
        "remove_tags": ", ".join(macro.remove_tags or ()),
    }


def _render_form(*, form, errors: dict, macro: Macro | None = None):
    return render_template(
        "helpdesk/admin_macro_form.html",
        form=form,
        errors=errors,
        macro=macro,
        placeholders=service.PLACEHOLDERS,
        agents=service.assignable_people(),
    )


# --- on the ticket page -------------------------------------------------------------


@bp.post("/tickets/<int:ticket_id>/macros")
@login_required
def ticket_macro_apply(ticket_id: int):
    """Apply the previewed macro (its text as edited there), undoable."""
    from helpdesk.views.tickets import render_ticket

    ticket = access.get_visible_ticket(current_user, ticket_id)
    if not current_user.is_staff:
        raise PermissionDenied(_("Only agents apply macros."))
    try:
        data = MacroApplyIn().load(request.form.to_dict(), unknown="exclude")
    except ValidationError as err:
        return render_ticket(
            ticket, errors=translate_messages(err.messages), status=422
        )
    macro = service.get_macro(data["macro_id"])
    now = get_clock().now()
    versions.expect_version(ticket, data["version"], actor=current_user)
    try:
        plan = service.plan(ticket, macro, actor=current_user, body=data["body"])
        action = undo_view.begin(plan.undo_kind, [ticket], now=now)
        service.apply_macro(
            ticket, macro, actor=current_user, now=now, body=data["body"]
        )
    except DomainError as err:
        errors, status = form_error(err)
        discard_transaction()
        ticket = access.get_visible_ticket(current_user, ticket_id)
        errors.setdefault("_form", [str(err.message)])
        return render_ticket(ticket, errors=errors, status=status)
    undo_view.offer(action)
    db.session.commit()
    flash(_("Macro “%(title)s” applied.", title=macro.title), "success")
    return redirect(url_for("helpdesk.ticket_detail", ticket_id=ticket.id))
