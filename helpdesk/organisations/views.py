"""The managers' and admins' pages of organisations: the list, a new one,
editing one, and its members (add by e-mail, designated contact or not,
remove). Routes join the core's ``helpdesk`` blueprint."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from helpdesk.clock import get_clock
from helpdesk.errors import Conflict, InvalidInput
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.models import User
from helpdesk.organisations import service
from helpdesk.organisations.models import Organisation
from helpdesk.organisations.schemas import OrganisationIn
from helpdesk.pagination import decode_cursor, page
from helpdesk.views import bp
from helpdesk.views.access import managers_required


def _form_data(form) -> dict:
    """The form's fields in the API's shape: domains one per line or
    separated by commas."""
    data = form.to_dict()
    data["domains"] = [
        d.strip() for d in data.get("domains", "").replace(",", "\n").split("\n")
    ]
    data["domains"] = [d for d in data["domains"] if d]
    return data


@bp.get("/admin/organisations")
@managers_required
def organisation_list():
    search = request.args.get("q", "").strip()
    limit = current_app.config["PAGE_SIZE"]
    rows = service.organisation_page(
        q=search, after_id=decode_cursor(request.args.get("cursor")), limit=limit + 1
    )
    organisations, next_cursor = page(rows, limit)
    return render_template(
        "helpdesk/admin_organisations.html",
        organisations=organisations,
        counts=service.member_counts(organisations),
        next_cursor=next_cursor,
        q=search,
    )


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@managers_required
def organisation_new():
    if request.method == "GET":
        return _render_form(None)
    try:
        data = OrganisationIn().load(_form_data(request.form), unknown="exclude")
        organisation = service.create_organisation(data, now=get_clock().now())
    except (ValidationError, Conflict, InvalidInput) as err:
        errors, status = form_error(err)
        return _render_form(None, errors=errors, status=status)
    db.session.commit()
    flash(_("Organisation %(name)s created.", name=organisation.name), "success")
    return _back(organisation)


@bp.route("/admin/organisations/<int:organisation_id>", methods=["GET", "POST"])
@managers_required
def organisation_edit(organisation_id: int):
    organisation = service.get_organisation(organisation_id)
    if request.method == "GET":
        return _render_form(organisation)
    try:
        data = OrganisationIn().load(_form_data(request.form), unknown="exclude")
        service.update_organisation(organisation, data, now=get_clock().now())
    except (ValidationError, Conflict, InvalidInput) as err:
        errors, status = form_error(err)  # rolled back: the record as it was
        return _render_form(organisation, errors=errors, status=status)
    db.session.commit()
    flash(_("Organisation %(name)s saved.", name=organisation.name), "success")
    return _back(organisation)


def _render_form(
    organisation: Organisation | None,
    *,
    errors: dict | None = None,
    status: int = 200,
    member_errors: dict | None = None,
):
    members, next_cursor = [], None
    if organisation is not None:
        limit = current_app.config["PAGE_SIZE"]
        rows = service.member_page(
            organisation,
            after_id=decode_cursor(request.args.get("cursor")),
            limit=limit + 1,
        )
        members, next_cursor = page(rows, limit)
    return render_template(
        "helpdesk/admin_organisation_form.html",
        organisation=organisation,
        members=members,
        next_cursor=next_cursor,
        form=request.form if errors else {},
        errors=errors or {},
        member_form=request.form if member_errors else {},
        member_errors=member_errors or {},
    ), status


def _back(organisation: Organisation):
    return redirect(
        url_for("helpdesk.organisation_edit", organisation_id=organisation.id)
    )


@bp.post("/admin/organisations/<int:organisation_id>/members")
@managers_required
def organisation_member_add(organisation_id: int):
    """A customer joins by e-mail (leaving any other organisation)."""
    organisation = service.get_organisation(organisation_id)
    try:
        user = service.member_by_email(request.form.get("email", ""))
        service.add_member(
            organisation, user, contact=request.form.get("contact") == "true"
        )
    except InvalidInput as err:
        errors, status = form_error(err)
        if "user" in errors:  # the form names the person by e-mail
            errors["email"] = errors.pop("user")
        return _render_form(organisation, member_errors=errors, status=status)
    db.session.commit()
    flash(_("%(name)s is a member now.", name=user.name), "success")
    return _back(organisation)


@bp.post("/admin/organisations/<int:organisation_id>/members/<int:user_id>")
@managers_required
def organisation_member_update(organisation_id: int, user_id: int):
    """Make a member a designated contact, or a plain member again."""
    organisation = service.get_organisation(organisation_id)
    user = service.ensure_member(organisation, db.session.get(User, user_id))
    contact = request.form.get("contact") == "true"
    service.add_member(organisation, user, contact=contact)
    db.session.commit()
    flash(
        _("%(name)s is a designated contact now.", name=user.name)
        if contact
        else _("%(name)s is a plain member now.", name=user.name),
        "success",
    )
    return _back(organisation)


@bp.post("/admin/organisations/<int:organisation_id>/members/<int:user_id>/removal")
@managers_required
def organisation_member_remove(organisation_id: int, user_id: int):
    organisation = service.get_organisation(organisation_id)
    user = service.ensure_member(organisation, db.session.get(User, user_id))
    service.remove_member(organisation, user)
    db.session.commit()
    flash(
        _(
            "%(name)s no longer belongs to %(organisation)s.",
            name=user.name,
            organisation=organisation.name,
        ),
        "success",
    )
    return _back(organisation)
