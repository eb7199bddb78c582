"""Log in and out, sign up, the profile page and its API tokens.

Pages use the session cookie; programs send ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from marshmallow import ValidationError

from helpdesk import directory
from helpdesk.audit import record_audit
from helpdesk.clock import get_clock
from helpdesk.extensions import db, login_manager
from helpdesk.http import form_error, json_error, translate_messages, wants_json
from helpdesk.models import Role, User
from helpdesk.notify import preferences
from helpdesk.schemas.accounts import LoginIn, NotificationsIn, ProfileIn, SignupIn
from helpdesk.service import accounts, password_links

bp = Blueprint("auth", __name__)

# The user's session version at login; see User.session_version.
SESSION_VERSION_KEY = "_sv"


def start_session(user: User) -> None:
    login_user(user)
    session[SESSION_VERSION_KEY] = user.session_version


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id))
        if user is None or session.get(SESSION_VERSION_KEY) != user.session_version:
            return None  # ended on the server: logout, new password, deactivation
        return user

    @login_manager.request_loader
    def load_user_from_bearer(req) -> User | None:
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        return accounts.user_for_token(
            header.removeprefix("Bearer ").strip(), now=get_clock().now()
        )

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return json_error(
                401, "unauthorized", _("Log in or send a valid bearer token.")
            )
        return redirect(url_for("auth.login", next=request.full_path))


def _safe_next(target: str | None) -> str:
    """Only same-site relative redirects after login (no open redirect)."""
    if (
        target
        and target.startswith("/")
        and not urlsplit(target).netloc
        and not target.startswith("//")
    ):
        return target
    return url_for("helpdesk.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("helpdesk/login.html", errors={}, form={})
    try:
        data = LoginIn().load(request.form.to_dict(), partial=False, unknown="exclude")
    except ValidationError as err:
        return render_template(
            "helpdesk/login.html",
            errors=translate_messages(err.messages),
            form=request.form,
        ), 422
    user = directory.authenticate(
        data["email"],
        data["password"],
        settings=current_app.config,
        now=get_clock().now(),
    )
    if user is None:
        record_audit("login.failed", data={"email": data["email"][:254]})
        db.session.commit()
        flash(_("Wrong e-mail or password."), "error")
        return render_template("helpdesk/login.html", errors={}, form=request.form), 401
    start_session(user)
    record_audit("login.succeeded", actor=user)
    db.session.commit()
    flash(_("Welcome, %(name)s!", name=user.name), "success")
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout():
    record_audit("logout")
    accounts.end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if request.method == "GET":
        return render_template("helpdesk/signup.html", errors={}, form={})
    try:
        data = SignupIn().load(request.form.to_dict(), unknown="exclude")
    except ValidationError as err:
        errors, status = form_error(err)
        return render_template(
            "helpdesk/signup.html", errors=errors, form=request.form
        ), status
    existing = accounts.find_user_by_email(data["email"])
    if existing is not None:
        # Never "already registered" (that tells anyone who has an account):
        # the owner gets a mail, the page says what a reset request says.
        password_links.send_signup_notice(
            existing, now=get_clock().now(), settings=current_app.config
        )
        db.session.commit()
        return render_template("helpdesk/password_sent.html")
    data["role"] = Role.CUSTOMER  # self-registration never grants staff roles
    user = accounts.create_user(data, now=get_clock().now())
    db.session.commit()
    start_session(user)
    flash(
        _("Your account is ready. Describe your problem and we will help."), "success"
    )
    return redirect(url_for("helpdesk.ticket_new"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    if request.method == "POST":
        try:
            data = ProfileIn().load(request.form.to_dict(), unknown="exclude")
        except ValidationError as err:
            return _render_profile(errors=translate_messages(err.messages)), 422
        accounts.update_profile(current_user, data)
        db.session.commit()
        # A new password ends the other sessions; this one goes on.
        session[SESSION_VERSION_KEY] = current_user.session_version
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return _render_profile(errors={})


def _render_profile(*, errors: dict, new_token: str | None = None):
    return render_template(
        "helpdesk/profile.html",
        errors=errors,
        new_token=new_token,
        tokens=accounts.list_tokens(current_user),
        tokens_allowed=accounts.may_hold_tokens(
            current_user, customers_allowed=_customer_tokens()
        ),
    )


def _customer_tokens() -> bool:
    return current_app.config["API_TOKENS_FOR_CUSTOMERS"]


@bp.post("/profile/notifications")
@login_required
def notifications_update():
    data = NotificationsIn().load({"notices": request.form.getlist("notices")})
    preferences.set_preferences(current_user, set(data["notices"]), by_admin=False)
    db.session.commit()
    flash(_("Your e-mail notifications have been saved."), "success")
    return redirect(url_for("auth.profile"))


@bp.post("/profile/tokens")
@login_required
def token_create():
    accounts.ensure_may_hold_tokens(current_user, customers_allowed=_customer_tokens())
    name = request.form.get("name", "").strip()[:80] or _("API token")
    raw, _token = accounts.issue_token(
        current_user,
        name=name,
        now=get_clock().now(),
        ttl_days=current_app.config["API_TOKEN_TTL_DAYS"],
    )
    db.session.commit()
    flash(_("Copy the token now: it is shown only once."), "success")
    return _render_profile(errors={}, new_token=raw)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def token_revoke(token_id: int):
    accounts.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("auth.profile"))
