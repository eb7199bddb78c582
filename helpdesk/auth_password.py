"""Forgotten passwords and invitations: ask for a link by e-mail, then choose
a password through it (helpdesk.service.password_links).

The answer to a request is the same page whether the address has an account
or not, so nobody learns which addresses are registered.
"""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from helpdesk.audit import record_audit
from helpdesk.auth import bp, finish_login
from helpdesk.clock import get_clock
from helpdesk.extensions import db
from helpdesk.http import translate_messages
from helpdesk.i18n import N_
from helpdesk.schemas.accounts import new_password
from helpdesk.schemas.common import REQUIRED_TEXT
from helpdesk.service import accounts, password_links
from helpdesk.signin.throttle import mail_limits


class ForgotIn(Schema):
    email = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=254, error=N_("Enter the e-mail address of your account.")
        ),
        error_messages={"required": REQUIRED_TEXT},
    )


class PasswordSetIn(Schema):
    password = new_password(required=True)


@bp.route("/password/forgot", methods=["GET", "POST"])
@mail_limits
def password_forgot():
    if request.method == "GET":
        return render_template("helpdesk/password_forgot.html", errors={}, form={})
    try:
        data = ForgotIn().load(request.form.to_dict(), unknown="exclude")
    except ValidationError as err:
        return render_template(
            "helpdesk/password_forgot.html",
            errors=translate_messages(err.messages),
            form=request.form,
        ), 422
    user = accounts.find_user_by_email(data["email"])
    if user is not None and user.active:
        password_links.send_reset(
            user, now=get_clock().now(), settings=current_app.config
        )
        record_audit("password.reset_requested", data={"email": user.email})
        db.session.commit()
    # The same page as a sign-up with a known address gets.
    return render_template("helpdesk/password_sent.html")


@bp.route("/password/set/<token>", methods=["GET", "POST"])
def password_set(token: str):
    found = password_links.user_for_token(token)
    if found is None:
        return render_template("helpdesk/password_link_dead.html"), 410
    user, kind = found
    if request.method == "GET":
        return render_template(
            "helpdesk/password_set.html", user=user, kind=kind, errors={}
        )
    try:
        data = PasswordSetIn().load(request.form.to_dict(), unknown="exclude")
    except ValidationError as err:
        return render_template(
            "helpdesk/password_set.html",
            user=user,
            kind=kind,
            errors=translate_messages(err.messages),
        ), 422
    if not password_links.claim(user):  # the same link, used at the same time
        return render_template("helpdesk/password_link_dead.html"), 410
    accounts.set_password(user, data["password"])
    record_audit(f"password.set_by_{kind.value}", actor=user)
    # A second factor still applies: the mailbox alone is not enough.
    return finish_login(
        user,
        None,
        welcome=_("Your password has been set. Welcome, %(name)s!", name=user.name),
    )
