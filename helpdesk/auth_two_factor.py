"""Two-factor login pages: the second step of a login, enrolment (at login
when the role requires it, or from the profile), recovery codes, turning it
off. The rules are in ``helpdesk.signin.two_factor``."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError

from helpdesk.audit import record_audit
from helpdesk.auth import (
    _safe_next,
    bp,
    pending_login,
    start_session,
)
from helpdesk.clock import get_clock
from helpdesk.errors import PermissionDenied
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.schemas.accounts import CodeIn
from helpdesk.signin import two_factor
from helpdesk.signin.throttle import code_limits


def _code() -> str | None:
    try:
        return CodeIn().load(request.form.to_dict(), unknown="exclude")["code"]
    except ValidationError:
        return None


def _wrong_code(template: str, status: int = 401, **context):
    flash(_("That code is not right. Try the current one."), "error")
    return render_template(template, **context), status


def _enrol_context(user: User, action: str) -> dict:
    secret = two_factor.pending_secret(user) or ""
    uri = two_factor.provisioning_uri(
        user, secret, issuer=current_app.config["TWO_FACTOR_ISSUER"]
    )
    return {
        "secret": secret,
        "qr": two_factor.qr_data_uri(uri),
        "action": action,
    }


# --- the second step of a login ----------------------------------------------


@bp.route("/login/code", methods=["GET", "POST"])
@code_limits
def login_code():
    found = pending_login()
    if found is None or found[1].get("enrol"):
        return redirect(url_for("auth.login"))
    user, pending = found
    if request.method == "GET":
        return render_template("helpdesk/login_code.html")
    code = _code()
    if code is None or not two_factor.verify(user, code, now=get_clock().now()):
        record_audit("login.failed", data={"email": user.email, "step": "code"})
        db.session.commit()
        return _wrong_code("helpdesk/login_code.html")
    start_session(user)
    record_audit("login.succeeded", actor=user, data={"two_factor": True})
    db.session.commit()
    flash(_("Welcome, %(name)s!", name=user.name), "success")
    return redirect(_safe_next(pending.get("next")))


@bp.route("/login/enrol", methods=["GET", "POST"])
@code_limits
def login_enrol():
    """A user whose role requires two factors sets them up before getting in."""
    found = pending_login()
    if (
        found is None
        or not found[1].get("enrol")
        or not two_factor.pending_secret(found[0])
    ):
        return redirect(url_for("auth.login"))
    user, pending = found
    context = _enrol_context(user, url_for("auth.login_enrol")) | {"at_login": True}
    if request.method == "GET":
        return render_template("helpdesk/two_factor_enrol.html", **context)
    code = _code() or ""
    codes = two_factor.confirm_enrolment(user, code, now=get_clock().now())
    if codes is None:
        record_audit("login.failed", data={"email": user.email, "step": "enrol"})
        db.session.commit()
        return _wrong_code("helpdesk/two_factor_enrol.html", **context)
    start_session(user)
    record_audit("two_factor.enabled", actor=user)
    record_audit("login.succeeded", actor=user, data={"two_factor": True})
    db.session.commit()
    return render_template(
        "helpdesk/recovery_codes.html",
        codes=codes,
        next_url=_safe_next(pending.get("next")),
    )


# --- from the profile ---------------------------------------------------------


@bp.post("/profile/two-factor")
@login_required
def two_factor_setup():
    if two_factor.is_enabled(current_user):
        return redirect(url_for("auth.profile"))
    two_factor.begin_enrolment(current_user, now=get_clock().now())
    db.session.commit()
    return render_template(
        "helpdesk/two_factor_enrol.html",
        **_enrol_context(current_user, url_for("auth.two_factor_confirm")),
    )


@bp.post("/profile/two-factor/confirm")
@login_required
def two_factor_confirm():
    if not two_factor.pending_secret(current_user):
        return redirect(url_for("auth.profile"))
    codes = two_factor.confirm_enrolment(
        current_user, _code() or "", now=get_clock().now()
    )
    if codes is None:
        return _wrong_code(
            "helpdesk/two_factor_enrol.html",
            422,
            **_enrol_context(current_user, url_for("auth.two_factor_confirm")),
        )
    record_audit("two_factor.enabled")
    db.session.commit()
    return render_template(
        "helpdesk/recovery_codes.html", codes=codes, next_url=url_for("auth.profile")
    )


def _checked_code() -> bool:
    """The current code (or a recovery code) of the logged-in user."""
    return two_factor.verify(current_user, _code() or "", now=get_clock().now())


@bp.post("/profile/two-factor/recovery-codes")
@login_required
def two_factor_recovery_codes():
    if not two_factor.is_enabled(current_user):
        return redirect(url_for("auth.profile"))
    if not _checked_code():
        db.session.rollback()
        flash(_("That code is not right. Try the current one."), "error")
        return redirect(url_for("auth.profile"))
    codes = two_factor.new_recovery_codes(current_user, now=get_clock().now())
    record_audit("two_factor.recovery_codes_renewed")
    db.session.commit()
    return render_template(
        "helpdesk/recovery_codes.html", codes=codes, next_url=url_for("auth.profile")
    )


@bp.post("/profile/two-factor/disable")
@login_required
def two_factor_disable():
    if two_factor.is_required(current_user):
        raise PermissionDenied(
            _("Your role requires two-factor login: it cannot be turned off.")
        )
    if not two_factor.is_enabled(current_user):
        return redirect(url_for("auth.profile"))
    if not _checked_code():
        db.session.rollback()
        flash(_("That code is not right. Try the current one."), "error")
        return redirect(url_for("auth.profile"))
    two_factor.disable(current_user)
    record_audit("two_factor.disabled")
    db.session.commit()
    flash(_("Two-factor login is off."), "success")
    return redirect(url_for("auth.profile"))
