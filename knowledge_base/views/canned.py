"""Canned responses: the agent's list, and pages to write, edit and delete."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from helpdesk import confirm
from helpdesk.clock import get_clock
from helpdesk.errors import InvalidInput, PermissionDenied
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.views.access import staff_required
from knowledge_base.schemas import CannedIn
from knowledge_base.service import canned as canned_service
from knowledge_base.views import bp


@bp.get("/kb/canned")
@staff_required
def canned_list():
    return render_template(
        "knowledge_base/canned_list.html",
        responses=canned_service.list_canned(current_user),
        can_edit=canned_service.can_edit,
        placeholders=canned_service.PLACEHOLDERS,
    )


@bp.route("/kb/canned/new", methods=["GET", "POST"])
@staff_required
def canned_new():
    if request.method == "GET":
        return _render_form(form={}, errors={})
    try:
        data = CannedIn().load(request.form.to_dict(), unknown="exclude")
        canned = canned_service.create_canned(
            data, actor=current_user, now=get_clock().now()
        )
    except (ValidationError, InvalidInput) as err:
        errors, status = form_error(err)
        return _render_form(form=request.form, errors=errors), status
    db.session.commit()
    flash(_("Canned response “%(title)s” saved.", title=canned.title), "success")
    return redirect(url_for("knowledge_base.canned_list"))


@bp.route("/kb/canned/<int:canned_id>", methods=["GET", "POST"])
@staff_required
def canned_edit(canned_id: int):
    canned = canned_service.get_canned(current_user, canned_id)
    if request.method == "GET":
        form = {"title": canned.title, "body": canned.body, "line": canned.line or ""}
        return _render_form(form=form, errors={}, canned=canned)
    try:
        data = CannedIn().load(request.form.to_dict(), unknown="exclude")
        canned_service.update_canned(
            canned, data, actor=current_user, now=get_clock().now()
        )
    except (ValidationError, InvalidInput) as err:
        errors, status = form_error(err)
        canned = canned_service.get_canned(current_user, canned_id)
        return _render_form(form=request.form, errors=errors, canned=canned), status
    db.session.commit()
    flash(_("Canned response “%(title)s” saved.", title=canned.title), "success")
    return redirect(url_for("knowledge_base.canned_list"))


@bp.post("/kb/canned/<int:canned_id>/delete")
@staff_required
def canned_delete(canned_id: int):
    canned = canned_service.get_canned(current_user, canned_id)
    title = canned.title
    if not canned_service.can_edit(current_user, canned):
        raise PermissionDenied(_("You cannot change this canned response."))
    if not confirm.confirmed():
        return confirm.ask(
            title=_("Delete the canned reply “%(title)s”?", title=title),
            consequences=[
                _("Nobody it is shared with can insert it any more."),
                _("Replies already sent with it stay as they were."),
            ],
            button=_("Delete the reply"),
            back=url_for("knowledge_base.canned_list"),
        )
    canned_service.delete_canned(canned, actor=current_user)
    db.session.commit()
    flash(_("Canned response “%(title)s” deleted.", title=title), "success")
    return redirect(url_for("knowledge_base.canned_list"))


def _render_form(*, form, errors: dict, canned=None):
    return render_template(
        "knowledge_base/canned_form.html",
        form=form,
        errors=errors,
        canned=canned,
        placeholders=canned_service.PLACEHOLDERS,
    )
