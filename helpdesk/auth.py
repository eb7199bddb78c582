"""Log in and out, sign up, the profile page with its sessions and API tokens.

Pages use the session cookie; programs send ``Authorization: Bearer <token>``.
A login with two factors on (or required for the user's role) waits for the
second step in ``helpdesk.auth_two_factor`` before the session starts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.wrappers import Response
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from marshmallow import ValidationError

from helpdesk import directory
from helpdesk.audit import record_audit
from helpdesk.clock import get_clock
from helpdesk.extensions import db, login_manager
from helpdesk.http import form_error, json_error, translate_messages, wants_json
from helpdesk.models import User
from helpdesk.notify import preferences
from helpdesk.schemas.accounts import LoginIn, NotificationsIn, ProfileIn, SignupIn
from helpdesk.service import accounts, password_links
from helpdesk.signin import sessions, two_factor
from helpdesk.signin.throttle import login_limits, mail_limits
from helpdesk.vocabulary import Role

bp = Blueprint("auth", __name__)

# The user's session version at login; see User.session_version.
SESSION_VERSION_KEY = "_sv"
# The random key of this browser's row in user_sessions.
SESSION_KEY = "_sk"
# A login that passed the password and waits for its second factor.
PENDING_KEY = "_2fa"


def start_session(user: User) -> None:
    """Log this browser in as ``user``: a new session row (flushed; the
    caller commits)."""
    session.pop(PENDING_KEY, None)
    key, row = sessions.open_session(
        user,
        user_agent=request.user_agent.string,
        address=request.remote_addr,
        now=get_clock().now(),
    )
    login_user(user)
    session[SESSION_VERSION_KEY] = user.session_version
    session[SESSION_KEY] = key
    g.signin_session = row


def current_session_id() -> int | None:
    """The id of this browser's session row (None for bearer tokens)."""
    row = g.get("signin_session")
    return row.id if row is not None else None


def finish_login(
    user: User, next_url: str | None, *, welcome: str | None = None
) -> Response:
    """After a right password (typed, or just set through a mailed link): the
    second step when the user has two factors on (or must enrol first), else
    the session starts. Commits."""
    if two_factor.is_enabled(user):
        _pend(user, next_url, enrol=False)
        db.session.commit()
        return redirect(url_for("auth.login_code"))
    if two_factor.is_required(user):
        two_factor.begin_enrolment(user, now=get_clock().now())
        _pend(user, next_url, enrol=True)
        db.session.commit()
        return redirect(url_for("auth.login_enrol"))
    start_session(user)
    if welcome is None:
        record_audit("login.succeeded", actor=user)
    db.session.commit()
    flash(welcome or _("Welcome, %(name)s!", name=user.name), "success")
    return redirect(_safe_next(next_url))


def _pend(user: User, next_url: str | None, *, enrol: bool) -> None:
    session[PENDING_KEY] = {
        "u": user.id,
        "e": user.email,
        "v": user.session_version,
        "at": get_clock().now().timestamp(),
        "next": next_url,
        "enrol": enrol,
    }


def pending_login() -> tuple[User, dict] | None:
    """The user whose login waits for the second step, while it may: for
    ``TWO_FACTOR_STEP_SECONDS`` after the password, the user active and
    their sessions not ended meanwhile."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    age = get_clock().now().timestamp() - float(pending.get("at", 0))
    if not 0 <= age <= current_app.config["TWO_FACTOR_STEP_SECONDS"]:
        return None
    user = db.session.get(User, int(pending.get("u", 0)))
    if user is None or not user.active or user.session_version != pending.get("v"):
        return None
    return user, pending


def pending_login_email() -> str:
    """The account of the waiting login, for the throttle (no query)."""
    pending = session.get(PENDING_KEY)
    return str(pending.get("e", "")) if isinstance(pending, dict) else ""


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        now = get_clock().now()
        found = sessions.load(
            int(user_id),
            session.get(SESSION_KEY),
            now=now,
            idle_days=current_app.config["SESSION_IDLE_DAYS"],
        )
        if found is None:
            return None
        user, row = found
        # Ended on the server: revoked, logout, new password, deactivation.
        if row is None or session.get(SESSION_VERSION_KEY) != user.session_version:
            return None
        g.signin_session = row
        sessions.touch(
            row, now=now, every_seconds=current_app.config["SESSION_TOUCH_SECONDS"]
        )
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
@login_limits
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
    return finish_login(user, request.args.get("next"))


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
@mail_limits
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
    # The same page whether the address has an account or not (nobody learns
    # which are registered): its owner gets a mail either way - "you have an
    # account, here is how to get in", or the link that sets the password
    # of the new one (so nobody can take an address that is not theirs).
    now = get_clock().now()
    existing = accounts.find_user_by_email(data["email"])
    if existing is not None:
        password_links.send_signup_notice(
            existing, now=now, settings=current_app.config
        )
    else:
        data["role"] = Role.CUSTOMER  # self-registration never grants staff roles
        data["locale"] = str(get_locale())  # the language of the mails
        user = accounts.create_user(data, now=now)
        password_links.send_signup_confirmation(
            user, now=now, settings=current_app.config
        )
    db.session.commit()
    return render_template("helpdesk/password_sent.html")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    if request.method == "POST":
        try:
            data = ProfileIn().load(request.form.to_dict(), unknown="exclude")
        except ValidationError as err:
            return _render_profile(errors=translate_messages(err.messages)), 422
        accounts.update_profile(current_user, data, keep_session=current_session_id())
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
        sessions=sessions.list_sessions(current_user),
        this_session=current_session_id(),
        two_factor_on=two_factor.is_enabled(current_user),
        two_factor_required=two_factor.is_required(current_user),
        recovery_codes_left=two_factor.recovery_codes_left(current_user),
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


@bp.post("/profile/sessions/<int:session_id>/revoke")
@login_required
def session_revoke(session_id: int):
    """End one of your sessions; ending this browser's logs it out."""
    this_one = session_id == current_session_id()
    sessions.revoke(current_user, session_id)
    record_audit("session.revoked", data={"session_id": session_id})
    db.session.commit()
    if this_one:
        logout_user()
        return redirect(url_for("auth.login"))
    flash(_("The session has been ended."), "success")
    return redirect(url_for("auth.profile"))
