"""The audit log at the HTTP edge: the filters of the page, the CSV and the
API, and an entry as the API shows it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from helpdesk.i18n import N_
from helpdesk.schemas.common import PageQuery, UTCDateTime


class AuditQuery(PageQuery):
    """``actor`` (an e-mail, a user id, ``system``, ``cli`` or ``anonymous``),
    ``action`` (``user.updated``, or a prefix ending in ``*``: ``user.*``),
    ``since``/``until`` (UTC dates, both included)."""

    actor = fields.String(
        load_default=None,
        validate=validate.Length(max=254, error=N_("At most 254 characters.")),
    )
    action = fields.String(
        load_default=None,
        validate=validate.Length(max=64, error=N_("At most 64 characters.")),
    )
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)


class AuditOut(Schema):
    id = fields.Integer()
    created_at = UTCDateTime()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.String()
    remote_addr = fields.String(allow_none=True)
    action = fields.String()
    target_type = fields.String(allow_none=True)
    target_id = fields.String(allow_none=True)
    changes = fields.Dict()
    data = fields.Dict()
