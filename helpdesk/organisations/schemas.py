"""Organisations at the HTTP edge: the form's and the API's input, the
API's answers."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

from helpdesk.i18n import N_
from helpdesk.organisations.models import clean_domain
from helpdesk.schemas.common import Id, PageQuery, StrippedSchema, UTCDateTime, text

_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)+$")


def _valid_domain(value: str) -> None:
    domain = clean_domain(value)
    if len(domain) > 253 or not _DOMAIN.match(domain):
        raise ValidationError(N_("Not an e-mail domain (like example.com)."))


class OrganisationIn(StrippedSchema):
    name = text(120, message=N_("Enter the name (up to 120 characters)."))
    domains = fields.List(
        fields.String(validate=_valid_domain),
        load_default=list,
        validate=validate.Length(max=50, error=N_("At most 50 domains.")),
        metadata={"description": "e-mail domains: their unknown senders join it"},
    )
    phone = text(40, required=False, message=N_("The phone number is too long."))
    plan = text(
        40,
        required=False,
        message=N_("The plan's name has at most 40 characters."),
        metadata={"description": "what SLA policy conditions match (`plan`)"},
    )
    notes = text(5000, required=False, message=N_("At most 5000 characters."))


class OrganisationListQuery(PageQuery):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=120),
        metadata={"description": "a part of the name, any case"},
    )


class MemberIn(Schema):
    user_id = Id(required=True)
    contact = fields.Boolean(
        load_default=False,
        metadata={"description": "a designated contact: sees all its tickets"},
    )


class DepartureIn(Schema):
    user_id = Id(required=True)


class OrganisationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    domains = fields.List(fields.String())
    phone = fields.String(allow_none=True)
    plan = fields.String(allow_none=True)
    notes = fields.String()
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class MemberOut(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    contact = fields.Boolean(attribute="org_contact")
    active = fields.Boolean()
