"""The reports' paths in the OpenAPI document (through the core's
``hooks.add_openapi_paths``)."""

from __future__ import annotations

from apispec import APISpec

from helpdesk.openapi_parts import ERRORS, json_content, operation


def _query(name: str, schema: dict, description: str) -> dict:
    return {"in": "query", "name": name, "schema": schema, "description": description}


COMMON_PARAMS = [
    _query(
        "from",
        {"type": "string", "format": "date"},
        "first local day, in your profile's time zone (default: 30 days before `to`)",
    ),
    _query(
        "to",
        {"type": "string", "format": "date"},
        "the local day after the last one (default: tomorrow); at most two years",
    ),
    _query("by", {"type": "string", "enum": ["day", "week"]}, "the series' buckets"),
]
PARAMS = {
    "line": _query(
        "line", {"type": "integer", "minimum": 1, "maximum": 3}, "one support line"
    ),
    "channel": _query(
        "channel",
        {"type": "string", "enum": ["web", "phone", "api", "email"]},
        "one channel",
    ),
    "category": _query("category", {"type": "integer"}, "one category (its id)"),
    "priority": _query(
        "priority", {"type": "string", "enum": ["P1", "P2", "P3", "P4"]}, "one priority"
    ),
    "agent": _query("agent", {"type": "integer"}, "one agent (a user id)"),
    "organization": _query(
        "organization", {"type": "string"}, "the requesters' organisation"
    ),
    "sort": _query("sort", {"type": "string"}, "the column the rows are sorted by"),
    "order": _query(
        "order", {"type": "string", "enum": ["asc", "desc"]}, "the sort order"
    ),
    "cursor": _query("cursor", {"type": "string"}, "the next page of the list"),
    "limit": _query(
        "limit", {"type": "integer", "minimum": 1, "maximum": 100}, "rows per page"
    ),
}
INT = {"type": "integer"}
NUM = {"type": "number", "nullable": True}
DAY = {"type": "string", "format": "date"}
STR = {"type": "string"}


def _obj(**properties) -> dict:
    return {"type": "object", "properties": properties}


def _rows(**properties) -> dict:
    return {"type": "array", "items": _obj(**properties)}


FILTERS = _obj(
    **{"from": DAY, "to": DAY, "by": STR, "time_zone": STR},
    line={"type": "integer", "nullable": True},
    channel={"type": "string", "nullable": True},
    category={"type": "integer", "nullable": True},
    priority={"type": "string", "nullable": True},
    agent={"type": "integer", "nullable": True},
    organization={"type": "string", "nullable": True},
)
_AGES = {name: INT for name in ("lt1", "1_3", "3_7", "7_30", "gt30")}
_CSAT = {"ratings": INT, "average": NUM, "good_percent": NUM}

SCHEMAS = {
    "ReportVolumeOut": _obj(
        filters=FILTERS,
        totals=_obj(created=INT, resolved=INT),
        series=_rows(period=DAY, created=INT, resolved=INT),
        by_channel=_rows(channel=STR, created=INT, resolved=INT),
        by_category=_rows(category_id=INT, category=STR, created=INT, resolved=INT),
        backlog=_obj(
            total=INT,
            by_age=_obj(**_AGES),
            by_line=_rows(line=INT, total=INT, **_AGES),
            by_priority=_rows(priority=STR, total=INT, **_AGES),
        ),
        oldest=_rows(
            ticket_id=INT,
            number=STR,
            subject=STR,
            line=INT,
            priority=STR,
            status=STR,
            created_at={"type": "string", "format": "date-time"},
        ),
    ),
    "ReportCsatOut": _obj(
        filters=FILTERS,
        totals=_obj(**_CSAT),
        series=_rows(period=DAY, **_CSAT),
        by_line=_rows(line=INT, **_CSAT),
        by_agent=_rows(
            agent_id={"type": "integer", "nullable": True}, agent=STR, **_CSAT
        ),
        by_category=_rows(category_id=INT, category=STR, **_CSAT),
        by_organization=_rows(
            organization={"type": "string", "nullable": True}, **_CSAT
        ),
        comments=_obj(
            items=_rows(
                rating_id=INT,
                ticket_id=INT,
                number=STR,
                subject=STR,
                line=INT,
                score=INT,
                comment=STR,
                created_at={"type": "string", "format": "date-time"},
            ),
            next_cursor={"type": "string", "nullable": True},
        ),
    ),
}

_FLOW = {
    name: INT
    for name in (
        "registered",
        "line1_on_call",
        "line1_with_article",
        "line1_later",
        "line1_resolved",
        "to_line2",
        "to_line3",
        "moved_down",
        "defect_linked",
    )
} | {
    name: NUM
    for name in (
        "line1_percent",
        "line1_on_call_percent",
        "line1_with_article_percent",
        "line1_later_percent",
        "to_line2_percent",
        "to_line3_percent",
        "moved_down_percent",
        "defect_linked_percent",
    )
}
_KB = {
    "deflections": INT,
    "web_tickets": INT,
    "deflection_percent": NUM,
    "phone_tickets": INT,
    "resolved_on_call": INT,
    "first_contact_percent": NUM,
}
NULLABLE_INT = {"type": "integer", "nullable": True}
SCHEMAS |= {
    "ReportAgentsOut": _obj(
        filters=FILTERS,
        items=_rows(
            agent_id=INT,
            agent=STR,
            line=NULLABLE_INT,
            tickets=INT,
            replies=INT,
            first_replies=INT,
            resolutions=INT,
            reopened=INT,
            phone_on_call=INT,
            sla_met=INT,
            sla_breached=INT,
            first_response_median_seconds=NULLABLE_INT,
            resolution_median_seconds=NULLABLE_INT,
            reopen_percent=NUM,
            csat_average=NUM,
            csat_ratings=INT,
            sla_percent=NUM,
        ),
    ),
    "ReportFlowOut": _obj(
        filters=FILTERS,
        totals=_obj(**_FLOW, defects_filed=INT),
        series=_rows(period=DAY, **_FLOW),
        by_category=_rows(category_id=INT, category=STR, **_FLOW),
        time_on_line=_rows(line=INT, tickets=INT, median_seconds=NULLABLE_INT),
    ),
    "ReportKbOut": _obj(
        filters=FILTERS,
        totals=_obj(**_KB),
        series=_rows(period=DAY, **_KB),
        top_articles=_rows(
            article_id=INT,
            title=STR,
            linked_tickets=INT,
            resolved_on_call=INT,
            deflections=INT,
            resolved=INT,
        ),
        searches_without_results=_rows(
            query=STR, searches=INT, last_at={"type": "string", "format": "date-time"}
        ),
    ),
}

# name -> (summary, response schema, filters, who)
REPORTS = {
    "volume": (
        "Volume and backlog: created vs resolved, by channel and category; backlog ageing; the oldest open tickets",
        "ReportVolumeOut",
        ("line", "channel", "category", "priority"),
    ),
    "csat": (
        "Satisfaction: average rating and share of 4-5 by period, line, agent, category, organisation; comments newest first",
        "ReportCsatOut",
        ("line", "agent", "category", "organization", "cursor", "limit"),
    ),
    "agents": (
        "Agents: per staff member, tickets handled, first replies, resolutions, median "
        "business times (seconds), reopen rate, calls resolved on the call, satisfaction, "
        "SLA compliance; an agent gets only their own row",
        "ReportAgentsOut",
        ("line", "agent", "sort", "order"),
    ),
    "flow": (
        "Flow between lines: of the tickets registered in the period, resolved by line 1 "
        "(on the call, with an article, later), reached line 2 and 3, moved back down, "
        "linked to a defect; median wall-clock seconds on each line",
        "ReportFlowOut",
        ("channel", "category"),
    ),
    "kb": (
        "Knowledge base: deflection and first-contact-resolution trends, the articles "
        "that resolve the most, the searches that found nothing",
        "ReportKbOut",
        (),
    ),
}
MANAGERS = "Managers and admins only (others: 403)."


def add_paths(spec: APISpec) -> None:
    for name, schema in SCHEMAS.items():
        spec.components.schema(name, component=schema)
    for name, (summary, schema, params) in REPORTS.items():
        who = AGENTS_TOO if name in AGENTS_MAY_READ else MANAGERS
        spec.path(
            path=f"/v1/reports/{name}",
            operations={
                "get": operation(
                    summary,
                    {"200": {"description": "Figures", **json_content(schema)}}
                    | {"403": ERRORS["401"] | {"description": who}},
                    params=COMMON_PARAMS + [PARAMS[p] for p in params],
                    errors=("401", "422"),
                )
            },
        )

    _subscription(spec)


def _subscription(spec: APISpec) -> None:
    out = _obj(
        frequency={"type": "string", "enum": ["daily", "weekly"]},
        hour=INT,
        next_at={"type": "string", "format": "date-time"},
        last_sent_at={"type": "string", "format": "date-time", "nullable": True},
    )
    spec.components.schema("ReportSubscriptionOut", component=out)
    body = {
        "type": "object",
        "properties": {
            "frequency": {"type": "string", "enum": ["daily", "weekly"]},
            "hour": {
                "type": "integer",
                "minimum": 0,
                "maximum": 23,
                "description": "local hour in your profile's time zone",
            },
        },
        "required": ["frequency", "hour"],
        "additionalProperties": False,
    }
    ok = {
        "200": {
            "description": "Your subscription",
            **json_content("ReportSubscriptionOut"),
        }
    }
    forbidden = {"403": ERRORS["401"] | {"description": MANAGERS}}
    spec.path(
        path="/v1/reports/subscription",
        operations={
            "get": operation(
                "Your summary e-mail (404: none)", ok | forbidden, errors=("401", "404")
            ),
            "put": operation(
                "Subscribe to the daily or weekly summary e-mail at a local hour, or change it",
                ok | forbidden,
                body=body,
                errors=("401", "422"),
            ),
            "delete": operation(
                "Stop your summary e-mail",
                {"204": {"description": "Stopped"}} | forbidden,
                errors=("401", "404"),
            ),
        },
    )


AGENTS_MAY_READ = {"agents"}
AGENTS_TOO = "Managers and admins; an agent gets only their own row. Others: 403."
