"""The HTTP edge shared by pages and the API: errors, locale, JSON bodies,
ids in URLs and query strings.

Domain and validation errors become 4xx in one place, as JSON under /api
and as a page elsewhere; a locked or unreachable database becomes 503 with
Retry-After, answered without touching the database again.
"""

from __future__ import annotations

import logging

from flask import (
    Flask,
    g,
    has_request_context,
    render_template,
    request,
    session,
)
from flask_babel import gettext
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.exceptions import NotFound as NotFoundHTTP
from werkzeug.routing import IntegerConverter

from helpdesk.db import MAX_ID, database_trouble
from helpdesk.errors import DomainError, MalformedRequest
from helpdesk.extensions import csrf, db, login_manager
from helpdesk.i18n import N_
from helpdesk.logs import request_id

log = logging.getLogger(__name__)


def translate_messages(messages) -> dict[str, list[str]]:
    """Marshmallow's nested messages → ``{field: [translated message, ...]}``."""
    result: dict[str, list[str]] = {}
    if isinstance(messages, list):
        return {"_schema": [gettext(str(m)) for m in messages]}
    for field, value in messages.items():
        if isinstance(value, dict):  # list item or nested field errors
            flat = [
                m
                for sub in value.values()
                for m in (sub if isinstance(sub, list) else [sub])
            ]
            result[field] = [gettext(str(m)) for m in flat]
        else:
            result[field] = [gettext(str(m)) for m in value]
    return result


def form_error(err: ValidationError | DomainError) -> tuple[dict[str, list[str]], int]:
    """Field messages and status for re-rendering a form after a failed submit.

    Rolls the session back first: nothing of the failed submit is kept.
    """
    db.session.rollback()
    if isinstance(err, ValidationError):
        return translate_messages(err.messages), 422
    fields = {k: [str(m) for m in v] for k, v in err.fields.items()}
    return fields or {"_form": [str(err.message)]}, err.status


class IdConverter(IntegerConverter):
    """``<int:...>`` of every route. Any run of digits matches, so the method
    is checked as usual; a number past what the database holds (SQLite would
    raise OverflowError binding it) becomes ``MAX_ID + 1``, which
    ``refuse_oversize_ids`` answers with the 404 of an unknown id. (A
    converter that refused it would make Werkzeug answer 405 for a PATCH when
    another rule of the path takes GET.)"""

    def to_python(self, value: str) -> int:
        digits = value.lstrip("0") or "0"
        if len(digits) > len(str(MAX_ID)):
            return MAX_ID + 1  # never parse a megabyte of digits
        return min(int(digits), MAX_ID + 1)


def refuse_oversize_ids(_endpoint: str | None, values: dict | None) -> None:
    """App-wide URL value preprocessor, before any view or login check."""
    if values and any(
        isinstance(v, int) and not isinstance(v, bool) and v > MAX_ID
        for v in values.values()
    ):
        raise NotFoundHTTP()


def query_id(text: str) -> int:
    """``request.args.get(name, type=query_id)``: an id that can exist, else
    the default, like any other text that is not a number (Werkzeug turns
    the ValueError into the default)."""
    number = int(text)
    if not 0 <= number <= MAX_ID:
        raise ValueError("out of the id range")
    return number


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {
        "error": {
            "code": code,
            "message": str(message),
            # The request's id is in the X-Request-ID header, as in its log
            # lines (helpdesk/logs.py): the body keeps DESIGN.md's three keys.
            "fields": {k: [str(m) for m in v] for k, v in (fields or {}).items()},
        }
    }
    return body, status


def html_error(status: int, message: str):
    page = render_template(
        "errors/error.html",
        status=status,
        message=message,
        bare=_database_avoided(),
        request_id=request_id(),
    )
    return page, status


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """The error as JSON under /api, as a page elsewhere. The caller has
    already discarded the transaction (see ``discard_transaction``)."""
    if wants_json():
        return json_error(status, code, message, fields)
    return html_error(status, str(message))


def discard_transaction() -> None:
    """Nothing half-done survives an error. When even the rollback fails (the
    server is gone), the session is invalidated instead, so its connection is
    dropped and the next request starts on a fresh one."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        log.warning("rollback failed; invalidating the session", exc_info=True)
        db.session.invalidate()


def avoid_database() -> None:
    """From here on the request must not query: the locale comes from the
    browser, not the profile, and pages leave out the user's menu (loading the
    user from a failed session is what would fail)."""
    g._helpdesk_avoid_database = True
    if "_login_user" not in g:
        # Flask-Login's template context loads the user eagerly (into
        # g._login_user) when nothing has yet: a stand-in that needs no query.
        g._login_user = login_manager.anonymous_user()


def _database_avoided() -> bool:
    return bool(g.get("_helpdesk_avoid_database"))


# A body nested deeper than this is refused before any schema sees it; no
# endpoint reads more than a few levels.
MAX_JSON_DEPTH = 32


def json_body() -> dict:
    """The request's JSON object, or a 400 that says why not."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # json's decoder gives up on very deep nesting
        data = _TOO_DEEP
    if data is _TOO_DEEP or _nested_deeper_than(data, MAX_JSON_DEPTH):
        raise MalformedRequest(
            gettext("The body must be a JSON object."),
            fields={"_body": [gettext("The JSON is nested too deeply.")]},
        )
    if data is None:
        raise MalformedRequest(
            gettext("The body must be a JSON object."),
            fields={"_body": [gettext("Malformed or missing JSON.")]},
        )
    if not isinstance(data, dict):
        raise MalformedRequest(
            gettext("The body must be a JSON object."),
            fields={"_body": [gettext("Expected a JSON object.")]},
        )
    return data


_TOO_DEEP = object()


def _nested_deeper_than(value, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` levels; iterative,
    so the check itself cannot overflow the stack."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend(
            (child, depth + 1) for child in children if isinstance(child, dict | list)
        )
    return False


def register_error_handlers(app: Flask) -> None:
    # Every handler discards the transaction before anything else: even a
    # translated message may read the user's language, and a session that
    # awaits its rollback refuses every query.
    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        discard_transaction()
        fields = {k: [str(m) for m in v] for k, v in err.fields.items()}
        return error_response(err.status, err.code, str(err.message), fields)

    @app.errorhandler(ValidationError)
    def validation_error(err: ValidationError):
        discard_transaction()
        fields = translate_messages(err.messages)
        return error_response(
            422, "validation_error", gettext("Some fields are not valid."), fields
        )

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        discard_transaction()
        if isinstance(err, BadRequest) and "CSRF" in (err.description or ""):
            message = gettext("The form has expired. Reload the page and try again.")
        else:
            message = gettext(_HTTP_MESSAGES.get(err.code, _HTTP_FALLBACK))
        return error_response(
            err.code or 500, err.name.lower().replace(" ", "_"), message
        )

    @app.errorhandler(OverflowError)
    def number_out_of_range(err: OverflowError):
        # A number from the request too large for the database (or for date
        # arithmetic) that no field's range caught: bad input, not a bug page.
        discard_transaction()
        log.warning("number out of range endpoint=%s: %s", request.endpoint, err)
        message = gettext("A number in the request is out of range.")
        return error_response(422, "validation_error", message)

    @app.errorhandler(SQLAlchemyError)
    def database_error(err: SQLAlchemyError):
        if not database_trouble(err):
            return unexpected(err)
        # Locked, read-only or full (SQLite), unreachable (PostgreSQL): the user may have been
        # loaded from this very session, or not loaded yet, so nothing below
        # may query again.
        avoid_database()
        discard_transaction()
        log.warning("database unavailable: %s", getattr(err, "orig", err))
        body, status = error_response(
            503,
            "unavailable",
            gettext("The service is busy. Please try again in a moment."),
        )
        return body, status, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        # Whatever failed may be the database: the page is rendered without it
        # rather than fail again and lose the reference.
        avoid_database()
        discard_transaction()
        # The request id is the reference: the user quotes it, the log has it.
        reference = request_id()
        log.error("unhandled error request_id=%s", reference, exc_info=err)
        return error_response(
            500,
            "internal_error",
            gettext("Something went wrong (reference %(ref)s).", ref=reference),
        )


_HTTP_FALLBACK = N_("The request failed.")
_HTTP_MESSAGES = {
    400: N_("The request is malformed."),
    401: N_("Please log in."),
    403: N_("You are not allowed to do this."),
    404: N_("Not found."),
    405: N_("This method is not allowed here."),
    413: N_("The upload is too large."),
}


def register_api(
    app: Flask, blueprint, *, open_endpoints: tuple[str, ...] = ()
) -> None:
    """Register an API blueprint: CSRF tokens come from forms, so the API is
    exempt from Flask-WTF's check and applies its own rule instead: writes over
    a cookie session need the X-CSRFToken header; bearer-token calls carry no
    session and anonymous ones end in a 401. ``open_endpoints`` ride on no
    session at all (the token endpoint takes e-mail and password)."""

    def check_csrf_for_cookie_sessions() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if request.endpoint in open_endpoints or "_user_id" not in session:
            return
        csrf.protect()

    app.register_blueprint(blueprint)
    csrf.exempt(blueprint)
    # On the app, not the blueprint: one blueprint serves several test apps.
    app.before_request_funcs.setdefault(blueprint.name, []).append(
        check_csrf_for_cookie_sessions
    )


def select_locale() -> str | None:
    """The user's profile language, then the browser's (default outside
    requests); the browser's alone once the request must avoid the database."""
    if not has_request_context():
        return None
    if (
        not _database_avoided()
        and current_user
        and current_user.is_authenticated
        and current_user.locale
    ):
        return current_user.locale
    return request.accept_languages.best_match(["en", "ru"])


def select_timezone() -> str | None:
    if not has_request_context() or _database_avoided():
        return None
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None
