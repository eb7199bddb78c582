"""Signing in through the API, beside the pages: your browser sessions
(list, end one), the staff roles that must log in with two factors, and an
admin's reset of a user's second factor. Enrolling an authenticator app
stays on the profile page: a person scans its QR code."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from marshmallow import Schema, fields

from helpdesk.api import bp
from helpdesk.audit import record_audit
from helpdesk.auth import current_session_id
from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.models import User
from helpdesk.openapi_parts import ID_PARAM, json_content, list_of, operation
from helpdesk.schemas.accounts import UserOut
from helpdesk.schemas.common import UTCDateTime
from helpdesk.service import accounts
from helpdesk.signin import sessions, two_factor
from helpdesk.views.admin_security import STAFF_ORDER, TwoFactorRolesIn


class SessionOut(Schema):
    id = fields.Integer()
    user_agent = fields.String()
    address = fields.String(allow_none=True)
    created_at = UTCDateTime()
    last_seen_at = UTCDateTime()
    current = fields.Function(
        lambda row: row.id == current_session_id(),
        metadata={"type": "boolean", "description": "the session of this request"},
    )


class TwoFactorRolesOut(Schema):
    roles = fields.List(
        fields.String(), metadata={"description": "staff roles that must use 2FA"}
    )


@bp.get("/v1/me/sessions")
@login_required
def session_list():
    """Your logged-in browsers, the most recently seen first."""
    rows = sessions.list_sessions(current_user)
    return {"items": SessionOut(many=True).dump(rows), "next_cursor": None}


@bp.delete("/v1/me/sessions/<int:session_id>")
@login_required
def session_delete(session_id: int):
    """End one of your sessions on the server (this one too: logged out)."""
    this_one = session_id == current_session_id()
    sessions.revoke(current_user, session_id)
    record_audit("session.revoked", data={"session_id": session_id})
    db.session.commit()
    if this_one:
        logout_user()
    return "", 204


@bp.get("/v1/settings/two-factor")
@login_required
def two_factor_roles():
    accounts.require_admin(current_user)
    return _roles_answer()


@bp.put("/v1/settings/two-factor")
@login_required
def two_factor_roles_put():
    """The staff roles whose users must log in with a second factor."""
    accounts.require_admin(current_user)
    data = TwoFactorRolesIn().load(json_body())
    two_factor.set_required_roles(set(data["roles"]))
    record_audit(
        "two_factor.required_roles",
        data={"roles": sorted(r.value for r in data["roles"])},
    )
    db.session.commit()
    return _roles_answer()


def _roles_answer() -> dict:
    required = two_factor.required_roles()
    return TwoFactorRolesOut().dump(
        {"roles": [r.value for r in STAFF_ORDER if r in required]}
    )


@bp.post("/v1/users/<int:user_id>/two-factor-resets")
@login_required
def two_factor_reset_create(user_id: int):
    """A lost phone: turn off the user's second factor (they enrol again at
    their next login when their role requires it)."""
    accounts.require_admin(current_user)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("User not found."))
    two_factor.disable(user)
    record_audit("two_factor.reset", data={"user_id": user.id})
    db.session.commit()
    return UserOut().dump(user), 201


def add_openapi_paths(spec) -> None:
    for schema in (SessionOut, TwoFactorRolesOut):
        spec.components.schema(schema.__name__, schema=schema)
    admins = {"403": {"description": "Not an administrator"}}
    roles = json_content("TwoFactorRolesOut")
    spec.path(
        path="/v1/me/sessions",
        operations={
            "get": operation(
                "Your logged-in browsers, the most recently seen first",
                {"200": {"description": "Sessions", **list_of("SessionOut")}},
            )
        },
    )
    spec.path(
        path="/v1/me/sessions/{id}",
        operations={
            "delete": operation(
                "End one of your sessions on the server",
                {"204": {"description": "Ended"}},
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )
    spec.path(
        path="/v1/settings/two-factor",
        operations={
            "get": operation(
                "The staff roles that must log in with two factors (admins)",
                {"200": {"description": "Roles", **roles}} | admins,
            ),
            "put": operation(
                "Choose the staff roles that must log in with two factors",
                {"200": {"description": "Roles", **roles}} | admins,
                body=TwoFactorRolesIn,
                errors=("401", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/users/{id}/two-factor-resets",
        operations={
            "post": operation(
                "Turn off a user's second factor (a lost phone; admins)",
                {"201": {"description": "The user", **json_content("UserOut")}}
                | admins,
                params=[ID_PARAM],
                errors=("401", "404"),
            )
        },
    )
