"""Administration of users and their roles."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from helpdesk import confirm
from helpdesk.clock import get_clock
from helpdesk.errors import Conflict, InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.http import form_error
from helpdesk.models import User
from helpdesk.notify import preferences
from helpdesk.pagination import decode_cursor, page
from helpdesk.schemas.accounts import NotificationsIn, UserAdminIn
from helpdesk.service import accounts, password_links
from helpdesk.views import bp
from helpdesk.views.access import admin_required


@bp.get("/admin/users")
@admin_required
def user_list():
    query = sa.select(User).order_by(User.id.desc())
    search = request.args.get("q", "").strip()
    if search:
        query = query.where(
            sa.or_(
                User.email.startswith(search.lower(), autoescape=True),
                User.name.contains(search, autoescape=True),
            )
        )
    after_id = decode_cursor(request.args.get("cursor"))
    if after_id is not None:
        query = query.where(User.id < after_id)
    limit = current_app.config["PAGE_SIZE"]
    users, next_cursor = page(list(db.session.scalars(query.limit(limit + 1))), limit)
    return render_template(
        "helpdesk/admin_users.html", users=users, next_cursor=next_cursor, q=search
    )


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    if request.method == "GET":
        return render_template(
            "helpdesk/admin_user_form.html", user=None, errors={}, form={}
        )
    form = request.form.to_dict()
    # An unticked checkbox sends nothing.
    form.setdefault("active", "false")
    form.setdefault("org_contact", "false")
    try:
        data = UserAdminIn().load(form, unknown="exclude")
        user = accounts.create_user(data, now=get_clock().now())
    except (ValidationError, Conflict, InvalidInput) as err:
        errors, status = form_error(err)
        return render_template(
            "helpdesk/admin_user_form.html", user=None, form=request.form, errors=errors
        ), status
    invite = not data.get("password")
    if invite:  # never an account with no password and no way in
        password_links.send_invitation(
            user, now=get_clock().now(), settings=current_app.config
        )
    db.session.commit()
    flash(
        _("User %(email)s created and invited to set a password.", email=user.email)
        if invite
        else _("User %(email)s created.", email=user.email),
        "success",
    )
    return redirect(url_for("helpdesk.user_list"))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("User not found."))
    if request.method == "GET":
        return render_template(
            "helpdesk/admin_user_form.html", user=user, errors={}, form={}
        )
    form = request.form.to_dict()
    form["email"] = user.email  # the login name does not change here
    # An unticked checkbox sends nothing.
    form.setdefault("active", "false")
    form.setdefault("org_contact", "false")
    try:
        data = UserAdminIn().load(form, unknown="exclude")
        data.pop("email")
        if _deactivates(user, data) and not confirm.confirmed():
            return _ask_to_deactivate(user)
        accounts.update_user(user, data, actor=current_user)
    except (ValidationError, InvalidInput) as err:
        errors, status = form_error(err)
        return render_template(
            "helpdesk/admin_user_form.html", user=user, form=request.form, errors=errors
        ), status
    db.session.commit()
    flash(_("User %(email)s saved.", email=user.email), "success")
    return redirect(url_for("helpdesk.user_list"))


def _deactivates(user: User, data: dict) -> bool:
    # Deactivating oneself is refused by the service: nothing to ask.
    return user.active and not data["active"] and user.id != current_user.id


def _ask_to_deactivate(user: User):
    return confirm.ask(
        title=_("Deactivate %(name)s (%(email)s)?", name=user.name, email=user.email),
        consequences=[
            _("They can no longer log in."),
            _("Their open sessions and API tokens end now, for good."),
            _("Tickets assigned to them stay assigned until someone reassigns them."),
        ],
        button=_("Deactivate the user"),
        back=url_for("helpdesk.user_edit", user_id=user.id),
    )


@bp.post("/admin/users/<int:user_id>/notifications")
@admin_required
def user_notifications_update(user_id: int):
    """Admins may also turn off the notices a user cannot (see ESSENTIAL)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("User not found."))
    data = NotificationsIn().load({"notices": request.form.getlist("notices")})
    preferences.set_preferences(user, set(data["notices"]), by_admin=True)
    db.session.commit()
    flash(_("E-mail notifications of %(email)s saved.", email=user.email), "success")
    return redirect(url_for("helpdesk.user_edit", user_id=user.id))
