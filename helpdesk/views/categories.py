"""The admin's categories: the list, a new one, an edit (names in both
languages, the line new tickets start on, active or not). Every change is
in the audit log (``helpdesk.audit`` watches the table)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from helpdesk.errors import Conflict
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.schemas.categories import CategoryIn, CategoryPatchIn
from helpdesk.service import categories
from helpdesk.views import bp
from helpdesk.views.access import admin_required


@bp.get("/admin/categories")
@admin_required
def category_list():
    return render_template(
        "helpdesk/admin_categories.html", categories=categories.all_categories()
    )


@bp.route("/admin/categories/new", methods=["GET", "POST"])
@admin_required
def category_new():
    if request.method == "GET":
        return _render_form(None, form={"default_line": "1", "active": True}, errors={})
    try:
        data = CategoryIn().load(_submitted(), unknown="exclude")
        category = categories.create_category(data, actor=current_user)
    except (ValidationError, Conflict) as err:
        errors, status = form_error(err)
        return _render_form(None, form=request.form, errors=errors), status
    db.session.commit()
    flash(_("Category “%(code)s” created.", code=category.code), "success")
    return redirect(url_for("helpdesk.category_list"))


@bp.route("/admin/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def category_edit(category_id: int):
    category = categories.get_category(category_id)
    if request.method == "GET":
        return _render_form(category, form=None, errors={})
    try:
        data = CategoryPatchIn().load(_submitted(), unknown="exclude")
        categories.update_category(category, data, actor=current_user)
    except ValidationError as err:
        errors, status = form_error(err)
        category = categories.get_category(category_id)
        return _render_form(category, form=request.form, errors=errors), status
    db.session.commit()
    flash(_("Category “%(code)s” saved.", code=category.code), "success")
    return redirect(url_for("helpdesk.category_list"))


def _submitted() -> dict:
    form = request.form.to_dict()
    form.setdefault("active", "false")  # an unticked checkbox sends nothing
    return form


def _render_form(category, *, form, errors: dict):
    if form is None:
        form = {
            "name_en": category.name_en,
            "name_ru": category.name_ru,
            "default_line": str(category.default_line),
            "active": category.active,
        }
    return render_template(
        "helpdesk/admin_category_form.html",
        category=category,
        form=form,
        errors=errors,
    )
