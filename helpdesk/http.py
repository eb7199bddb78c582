"""The HTTP edge shared by pages and the API: errors, locale, JSON bodies.

Domain and validation errors become 4xx in one place, as JSON under /api
and as a page elsewhere; a locked database becomes 503 with Retry-After.
"""

from __future__ import annotations

import logging
import uuid

from flask import Flask, has_request_context, render_template, request, session
from flask_babel import gettext
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest, HTTPException

from helpdesk.errors import DomainError, MalformedRequest
from helpdesk.extensions import csrf, db
from helpdesk.i18n import N_

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


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {
        "error": {
            "code": code,
            "message": str(message),
            "fields": {k: [str(m) for m in v] for k, v in (fields or {}).items()},
        }
    }
    return body, status


def html_error(status: int, message: str):
    return render_template("errors/error.html", status=status, message=message), status


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    db.session.rollback()  # nothing half-done survives an error
    if wants_json():
        return json_error(status, code, message, fields)
    return html_error(status, str(message))


def json_body() -> dict:
    """The request's JSON object, or a 400 that says why not."""
    data = request.get_json(silent=True)
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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        fields = {k: [str(m) for m in v] for k, v in err.fields.items()}
        return error_response(err.status, err.code, str(err.message), fields)

    @app.errorhandler(ValidationError)
    def validation_error(err: ValidationError):
        fields = translate_messages(err.messages)
        return error_response(
            422, "validation_error", gettext("Some fields are not valid."), fields
        )

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if isinstance(err, BadRequest) and "CSRF" in (err.description or ""):
            message = gettext("The form has expired. Reload the page and try again.")
        else:
            message = gettext(_HTTP_MESSAGES.get(err.code, _HTTP_FALLBACK))
        return error_response(
            err.code or 500, err.name.lower().replace(" ", "_"), message
        )

    @app.errorhandler(OperationalError)
    def database_unavailable(err: OperationalError):
        log.warning("database unavailable: %s", err.orig)
        response = error_response(
            503,
            "unavailable",
            gettext("The service is busy. Please try again in a moment."),
        )
        return response[0], 503, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        correlation_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error correlation_id=%s", correlation_id)
        return error_response(
            500,
            "internal_error",
            gettext("Something went wrong (reference %(ref)s).", ref=correlation_id),
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
    """The user's profile language, then the browser's (default outside requests)."""
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return request.accept_languages.best_match(["en", "ru"])


def select_timezone() -> str | None:
    if not has_request_context():
        return None
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None
