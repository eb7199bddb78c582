"""Organisations through the API, as the pages manage them: staff read
them, managers and admins create and edit them and manage their members.
Routes join the core's ``api`` blueprint."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk.api import bp
from helpdesk.clock import get_clock
from helpdesk.errors import InvalidInput, PermissionDenied
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.models import User
from helpdesk.openapi_parts import (
    ID_PARAM,
    PAGE_PARAMS,
    json_content,
    list_of,
    operation,
)
from helpdesk.organisations import service
from helpdesk.organisations.schemas import (
    DepartureIn,
    MemberIn,
    MemberOut,
    OrganisationIn,
    OrganisationListQuery,
    OrganisationOut,
)
from helpdesk.pagination import decode_cursor, page
from helpdesk.schemas.common import PageQuery


def _staff() -> None:
    if not current_user.is_staff:
        raise PermissionDenied(_("Only staff look organisations up."))


@bp.get("/v1/organisations")
@login_required
def organisation_list():
    """Newest first; ``q`` a part of the name."""
    _staff()
    query = OrganisationListQuery().load(request.args.to_dict())
    limit = query["limit"]
    rows = service.organisation_page(
        q=query["q"], after_id=decode_cursor(query["cursor"]), limit=limit + 1
    )
    items, next_cursor = page(rows, limit)
    return {"items": OrganisationOut(many=True).dump(items), "next_cursor": next_cursor}


@bp.post("/v1/organisations")
@login_required
def organisation_create():
    service.ensure_may_manage(current_user)
    data = OrganisationIn().load(json_body())
    organisation = service.create_organisation(data, now=get_clock().now())
    db.session.commit()
    headers = {"Location": f"/api/v1/organisations/{organisation.id}"}
    return OrganisationOut().dump(organisation), 201, headers


@bp.get("/v1/organisations/<int:organisation_id>")
@login_required
def organisation_get(organisation_id: int):
    _staff()
    return OrganisationOut().dump(service.get_organisation(organisation_id))


@bp.patch("/v1/organisations/<int:organisation_id>")
@login_required
def organisation_patch(organisation_id: int):
    service.ensure_may_manage(current_user)
    organisation = service.get_organisation(organisation_id)
    data = OrganisationIn(partial=True).load(json_body())
    service.update_organisation(organisation, data, now=get_clock().now())
    db.session.commit()
    return OrganisationOut().dump(organisation)


@bp.get("/v1/organisations/<int:organisation_id>/members")
@login_required
def member_list(organisation_id: int):
    """Members in the order they were registered."""
    _staff()
    organisation = service.get_organisation(organisation_id)
    paging = PageQuery().load(request.args.to_dict())
    limit = paging["limit"]
    rows = service.member_page(
        organisation, after_id=decode_cursor(paging["cursor"]), limit=limit + 1
    )
    items, next_cursor = page(rows, limit)
    return {"items": MemberOut(many=True).dump(items), "next_cursor": next_cursor}


@bp.post("/v1/organisations/<int:organisation_id>/members")
@login_required
def member_create(organisation_id: int):
    """A customer joins (leaving any other organisation), or a member
    becomes or stops being a designated contact."""
    service.ensure_may_manage(current_user)
    organisation = service.get_organisation(organisation_id)
    data = MemberIn().load(json_body())
    user = db.session.get(User, data["user_id"])
    if user is None:
        message = _("Unknown user.")
        raise InvalidInput(message, fields={"user_id": [message]})
    joined = user.organisation_id != organisation.id
    service.add_member(organisation, user, contact=data["contact"])
    db.session.commit()
    return MemberOut().dump(user), 201 if joined else 200


@bp.post("/v1/organisations/<int:organisation_id>/departures")
@login_required
def departure_create(organisation_id: int):
    """A member leaves the organisation (their tickets with them)."""
    service.ensure_may_manage(current_user)
    organisation = service.get_organisation(organisation_id)
    data = DepartureIn().load(json_body())
    user = service.ensure_member(organisation, db.session.get(User, data["user_id"]))
    service.remove_member(organisation, user)
    db.session.commit()
    return MemberOut().dump(user), 201


FORBIDDEN = {"403": {"description": "Not allowed to your role"}}


def add_openapi_paths(spec) -> None:
    for schema in (OrganisationOut, MemberOut):
        spec.components.schema(schema.__name__, schema=schema)
    organisation = json_content("OrganisationOut")
    member = json_content("MemberOut")
    spec.path(
        path="/v1/organisations",
        operations={
            "get": operation(
                "Organisations, newest first (staff); `q`: a part of the name",
                {"200": {"description": "A page", **list_of("OrganisationOut")}}
                | FORBIDDEN,
                params=[
                    {"in": "query", "name": "q", "schema": {"type": "string"}},
                    *PAGE_PARAMS,
                ],
                errors=("401", "422"),
            ),
            "post": operation(
                "Create an organisation (managers and admins): name, e-mail "
                "domains (unknown senders from them become members), phone, plan "
                "(SLA policies match it), notes. A name or domain taken: 409/422",
                {"201": {"description": "Created", **organisation}} | FORBIDDEN,
                body=OrganisationIn,
                errors=("401", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/organisations/{id}",
        operations={
            "get": operation(
                "One organisation (staff)",
                {"200": {"description": "Organisation", **organisation}} | FORBIDDEN,
                params=[ID_PARAM],
                errors=("401", "404"),
            ),
            "patch": operation(
                "Change any of name, domains (the list replaces the old one), "
                "phone, plan, notes (managers and admins)",
                {"200": {"description": "Organisation", **organisation}} | FORBIDDEN,
                body=OrganisationIn,
                params=[ID_PARAM],
                errors=("401", "404", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/organisations/{id}/members",
        operations={
            "get": operation(
                "The organisation's members (staff); `contact`: a designated "
                "contact, who sees all the organisation's tickets",
                {"200": {"description": "Members", **list_of("MemberOut")}} | FORBIDDEN,
                params=[ID_PARAM, *PAGE_PARAMS],
                errors=("401", "404", "422"),
            ),
            "post": operation(
                "A customer joins (leaving any other organisation; their tickets "
                "go with them), or a member becomes or stops being a designated "
                "contact (managers and admins)",
                {
                    "201": {"description": "Joined", **member},
                    "200": {"description": "Contact or not, changed", **member},
                }
                | FORBIDDEN,
                body=MemberIn,
                params=[ID_PARAM],
                errors=("401", "404", "422"),
            ),
        },
    )
    spec.path(
        path="/v1/organisations/{id}/departures",
        operations={
            "post": operation(
                "A member leaves the organisation, their tickets with them "
                "(managers and admins); not a member: 404",
                {"201": {"description": "Left: of no organisation now", **member}}
                | FORBIDDEN,
                body=DepartureIn,
                params=[ID_PARAM],
                errors=("401", "404", "422"),
            )
        },
    )
