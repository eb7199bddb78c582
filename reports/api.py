"""The reports' figures under /api/v1/reports: the same figures as the pages
(managers and admins; the agents' report also for agents, their own line).
Dates are the reader's local dates; instants ISO 8601 UTC with Z."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from helpdesk.clock import get_clock
from helpdesk.errors import NotFound
from helpdesk.extensions import db
from helpdesk.http import json_body
from helpdesk.views.access import managers_required, staff_required
from reports import catalog
from reports.schemas import ReportQuery, SubscriptionIn, SubscriptionOut
from reports.service import summary

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")


@staff_required
def report_get(name: str):
    report = catalog.get(name, current_user)
    query = ReportQuery().load(request.args.to_dict())
    ctx = catalog.Context(
        user=current_user, now=get_clock().now(), locale=str(get_locale()), query=query
    )
    _filters, figures = catalog.build(report, ctx)
    return jsonable(figures)


# One rule per report (a literal path each, as the OpenAPI document names them).
for _name in catalog.REPORTS:
    bp.add_url_rule(f"/{_name}", "report_get", report_get, defaults={"name": _name})


@bp.get("/subscription")
@managers_required
def subscription_get():
    subscription = summary.subscription_of(current_user)
    if subscription is None:
        raise NotFound(_l("You receive no summary e-mail."))
    return SubscriptionOut().dump(subscription)


@bp.put("/subscription")
@managers_required
def subscription_put():
    data = SubscriptionIn().load(json_body())
    subscription = summary.subscribe(current_user, data, now=get_clock().now())
    db.session.commit()
    return SubscriptionOut().dump(subscription)


@bp.delete("/subscription")
@managers_required
def subscription_delete():
    if not summary.unsubscribe(current_user):
        raise NotFound(_l("You receive no summary e-mail."))
    db.session.commit()
    return "", 204


def jsonable(value: Any) -> Any:
    """Dates as ISO dates, instants as ISO 8601 UTC with Z."""
    kind = type(value)
    if kind is dict:
        return {k: jsonable(v) for k, v in value.items()}
    if kind in (list, tuple):
        return [jsonable(v) for v in value]
    if value is None or kind in (str, int, float, bool):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
