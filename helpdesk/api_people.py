"""People through the API, as the pages manage them: your own profile and
notices; the phone console's callers (staff find and register customers);
the admin's users (list, create with an invitation, edit, their notices)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import Schema, fields, validate

from helpdesk.api import bp
from helpdesk.auth import SESSION_VERSION_KEY
from helpdesk.clock import get_clock
from helpdesk.errors import NotFound, PermissionDenied
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.models import User
from helpdesk.notify import preferences
from helpdesk.openapi_parts import (
    ID_PARAM,
    PAGE_PARAMS,
    json_content,
    list_of,
    operation,
)
from helpdesk.pagination import decode_cursor, page
from helpdesk.schemas.accounts import (
    CallerCreateIn,
    NotificationsIn,
    ProfileIn,
    UserAdminIn,
    UserOut,
)
from helpdesk.schemas.common import PageQuery
from helpdesk.service import accounts, password_links
from helpdesk.vocabulary import Role


class UserListQuery(PageQuery):
    q = fields.String(load_default="", validate=validate.Length(max=200))


class NotificationsOut(Schema):
    enabled = fields.List(fields.String(), metadata={"description": "notices on"})
    available = fields.List(
        fields.String(), metadata={"description": "every notice that can reach you"}
    )
    essential = fields.List(
        fields.String(), metadata={"description": "only an admin turns these off"}
    )


class UserAdminPatchIn(UserAdminIn):
    """An admin's edit: any of the fields; the e-mail (the login) stays."""

    class Meta:
        exclude = ("email",)


# --- you -------------------------------------------------------------------


@bp.patch("/v1/me")
@login_required
def me_patch():
    """Your name, phone, language, time zone or password (a new password
    ends every other session and token; a cookie session goes on)."""
    data = ProfileIn(partial=True).load(json_body())
    accounts.update_profile(current_user, data)
    db.session.commit()
    if data.get("password") and SESSION_VERSION_KEY in session:
        session[SESSION_VERSION_KEY] = current_user.session_version
    return UserOut().dump(current_user)


@bp.get("/v1/me/notifications")
@login_required
def my_notifications():
    return _notifications(current_user)


@bp.put("/v1/me/notifications")
@login_required
def my_notifications_put():
    """The notices you keep getting; those not listed are turned off."""
    data = NotificationsIn().load(json_body())
    preferences.set_preferences(current_user, set(data["notices"]), by_admin=False)
    db.session.commit()
    return _notifications(current_user)


def _notifications(user: User) -> dict:
    available = preferences.notices_for(user)
    return NotificationsOut().dump(
        {
            "enabled": [n.value for n in available if preferences.wants(user, n)],
            "available": [n.value for n in available],
            "essential": sorted(n.value for n in preferences.ESSENTIAL),
        }
    )


# --- users -----------------------------------------------------------------


@bp.get("/v1/users")
@login_required
def user_list():
    """Admins: every user, newest first, ``q`` an e-mail start or part of a
    name. Other staff: the phone console's caller lookup (customers by name,
    e-mail, organisation or a phone number however it is dialled)."""
    if not current_user.is_staff:
        raise PermissionDenied(_("Only staff look people up."))
    filters = UserListQuery().load(request.args.to_dict())
    if current_user.role != Role.ADMIN:
        callers = accounts.find_callers(filters["q"], limit=filters["limit"])
        return {"items": UserOut(many=True).dump(callers), "next_cursor": None}
    query = sa.select(User).order_by(User.id.desc())
    search = filters["q"].strip()
    if search:
        query = query.where(
            sa.or_(
                User.email.startswith(search.lower(), autoescape=True),
                User.name.contains(search, autoescape=True),
            )
        )
    after_id = decode_cursor(filters["cursor"])
    if after_id is not None:
        query = query.where(User.id < after_id)
    limit = filters["limit"]
    users, next_cursor = page(list(db.session.scalars(query.limit(limit + 1))), limit)
    return {"items": UserOut(many=True).dump(users), "next_cursor": next_cursor}


@bp.post("/v1/users")
@login_required
def user_create():
    """Admins create any user; without a password an invitation to set one
    is mailed. Other staff register a caller (a customer), invited when
    ``send_invitation`` says so."""
    if not current_user.is_staff:
        raise PermissionDenied(_("Only staff register people."))
    now = get_clock().now()
    if current_user.role == Role.ADMIN:
        data = UserAdminIn().load(json_body())
        invite = not data.get("password")
    else:
        data = CallerCreateIn().load(json_body())
        data["role"] = Role.CUSTOMER
        invite = data.pop("send_invitation")
    user = accounts.create_user(data, now=now)
    if invite:
        password_links.send_invitation(user, now=now, settings=current_app.config)
    db.session.commit()
    return UserOut().dump(user), 201, {"Location": f"/api/v1/users/{user.id}"}


@bp.get("/v1/users/<int:user_id>")
@login_required
def user_get(user_id: int):
    return UserOut().dump(_readable_user(user_id))


def _readable_user(user_id: int) -> User:
    """Yourself; for staff the customers too; for admins everyone. Anyone
    else is the same 404 as an unknown id."""
    user = db.session.get(User, user_id)
    allowed = user is not None and (
        user.id == current_user.id
        or current_user.role == Role.ADMIN
        or (current_user.is_staff and user.role == Role.CUSTOMER)
    )
    if not allowed:
        raise NotFound(_("User not found."))
    return user


@bp.patch("/v1/users/<int:user_id>")
@login_required
def user_patch(user_id: int):
    """An admin's edit of a user (role, name, phone, organisation, active,
    password); deactivating ends their sessions and tokens."""
    accounts.require_admin(current_user)
    user = _readable_user(user_id)
    data = UserAdminPatchIn(partial=True).load(json_body())
    accounts.update_user(user, data, actor=current_user)
    db.session.commit()
    return UserOut().dump(user)


@bp.get("/v1/users/<int:user_id>/notifications")
@login_required
def user_notifications(user_id: int):
    accounts.require_admin(current_user)
    return _notifications(_readable_user(user_id))


@bp.put("/v1/users/<int:user_id>/notifications")
@login_required
def user_notifications_put(user_id: int):
    """Admins may also turn off the essential notices."""
    accounts.require_admin(current_user)
    user = _readable_user(user_id)
    data = NotificationsIn().load(json_body())
    preferences.set_preferences(user, set(data["notices"]), by_admin=True)
    db.session.commit()
    return _notifications(user)


FORBIDDEN = {"403": {"description": "Not allowed to your role"}}


def add_openapi_paths(spec) -> None:
    spec.components.schema("NotificationsOut", schema=NotificationsOut)
    user = json_content("UserOut")
    notices = json_content("NotificationsOut")
    spec.path(
        path="/v1/me",
        operations={
            "patch": operation(
                "Change your profile: any of name, phone, locale, timezone, "
                "password (a new one ends your other sessions and tokens)",
                {"200": {"description": "You", **user}},
                body=ProfileIn,
                errors=("401", "422"),
            )
        },
    )
    spec.path(
        path="/v1/me/notifications",
        operations={
            "get": operation(
                "The e-mail notices you get", {"200": {"description": "", **notices}}
            ),
            "put": operation(
                "Keep the notices listed, turn the others off (not the essential)",
                {"200": {"description": "Now", **notices}},
                body=NotificationsIn,
                errors=("401", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/users",
        operations={
            "get": operation(
                "Admins: users, newest first (`q`: an e-mail start or part of a "
                "name). Other staff: callers found by name, e-mail, organisation "
                "or phone number however dialled",
                {"200": {"description": "Users", **list_of("UserOut")}} | FORBIDDEN,
                params=[
                    {"in": "query", "name": "q", "schema": {"type": "string"}},
                    *PAGE_PARAMS,
                ],
                errors=("401", "422"),
            ),
            "post": operation(
                "Admins: create a user (`role`; no password mails an invitation). "
                "Other staff: register a caller (`name`, `email`, `phone`, "
                "`organisation` by name - without one, the organisation of the "
                "e-mail's domain -, `send_invitation`)",
                {"201": {"description": "Created", **user}} | FORBIDDEN,
                body=UserAdminIn,
                errors=("401", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/users/{id}",
        operations={
            "get": operation(
                "A user: yourself, customers for staff, anyone for admins",
                {"200": {"description": "User", **user}},
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "patch": operation(
                "Admins: change any of role, name, phone, organisation (by name; "
                "empty: none), org_contact, active, password (deactivating ends "
                "their sessions and tokens)",
                {"200": {"description": "User", **user}} | FORBIDDEN,
                body=UserAdminPatchIn,
                params=[ID_PARAM],
                errors=("401", "404", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/users/{id}/notifications",
        operations={
            "get": operation(
                "Admins: the notices a user gets",
                {"200": {"description": "", **notices}} | FORBIDDEN,
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "put": operation(
                "Admins: keep the notices listed, the essential ones included",
                {"200": {"description": "Now", **notices}} | FORBIDDEN,
                body=NotificationsIn,
                params=[ID_PARAM],
                errors=("401", "404", "422"),
            ),
        },
    )
