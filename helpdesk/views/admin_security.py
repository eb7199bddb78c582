"""Administration of signing in: the roles that must log in with two
factors, and resetting a user's second factor (a lost phone)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from helpdesk.audit import record_audit
from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.i18n import N_
from helpdesk.models import User
from helpdesk.signin import two_factor
from helpdesk.views import bp
from helpdesk.views.access import admin_required
from helpdesk.vocabulary import STAFF_ROLES, Role

# The order the page lists them in.
STAFF_ORDER = [r for r in Role if r in STAFF_ROLES]


class TwoFactorRolesIn(Schema):
    roles = fields.List(
        fields.Enum(
            Role,
            by_value=True,
            validate=validate.OneOf(STAFF_ROLES, error=N_("Unknown role.")),
            error_messages={"unknown": N_("Unknown role.")},
        ),
        load_default=list,
    )


@bp.route("/admin/security", methods=["GET", "POST"])
@admin_required
def security_settings():
    if request.method == "POST":
        data = TwoFactorRolesIn().load({"roles": request.form.getlist("roles")})
        two_factor.set_required_roles(set(data["roles"]))
        record_audit(
            "two_factor.required_roles",
            data={"roles": sorted(r.value for r in data["roles"])},
        )
        db.session.commit()
        flash(_("The sign-in settings have been saved."), "success")
        return redirect(url_for("helpdesk.security_settings"))
    return render_template(
        "helpdesk/admin_security.html",
        roles=STAFF_ORDER,
        required=two_factor.required_roles(),
    )


@bp.post("/admin/users/<int:user_id>/two-factor/reset")
@admin_required
def user_two_factor_reset(user_id: int):
    """Turn off a user's second factor: they enrol again at their next login
    if their role requires it, else may turn it on again on their profile."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("User not found."))
    two_factor.disable(user)
    record_audit("two_factor.reset", data={"user_id": user.id})
    db.session.commit()
    flash(
        _("Two-factor login of %(email)s has been reset.", email=user.email), "success"
    )
    return redirect(url_for("helpdesk.user_edit", user_id=user.id))
