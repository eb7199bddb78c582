"""The reports' figures as tables: what the page shows under its charts and
what the CSV and XLSX exports hold, cell for cell.

A table is a title, columns (key, heading) and rows of plain values; the
exports write every table of a report (CSV: one after the other, each with
its title; XLSX: a sheet each). Instants are shown in the reader's zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from helpdesk.labels import channel_label, priority_label, status_label
from reports.service import backlog


@dataclass(frozen=True)
class Table:
    key: str
    title: Any
    columns: list[tuple[str, Any]]
    rows: list[dict]


def _local(zone: str) -> Callable[[datetime | None], str]:
    tz = ZoneInfo(zone)

    def show(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    return show


def cell(value: Any) -> Any:
    """A value as a table or spreadsheet shows it."""
    if isinstance(value, date):
        return value.isoformat()
    return value


AGE_LABELS = {
    "lt1": _l("< 1 day"),
    "1_3": _l("1-3 days"),
    "3_7": _l("3-7 days"),
    "7_30": _l("7-30 days"),
    "gt30": _l("> 30 days"),
}


def _age_columns(first: tuple[str, Any]) -> list[tuple[str, Any]]:
    return [first, *AGE_LABELS.items(), ("total", _l("Total"))]


def volume_tables(figures: dict) -> list[Table]:
    zone = figures["filters"]["time_zone"]
    show = _local(zone)
    backlog = figures["backlog"]
    return [
        Table(
            "series",
            _l("Created and resolved"),
            [
                ("period", _l("Period")),
                ("created", _l("Created tickets")),
                ("resolved", _l("Resolved tickets")),
            ],
            figures["series"],
        ),
        Table(
            "by_channel",
            _l("By channel"),
            [
                ("channel", _l("Channel")),
                ("created", _l("Created tickets")),
                ("resolved", _l("Resolved tickets")),
            ],
            [
                r | {"channel": channel_label(r["channel"])}
                for r in figures["by_channel"]
            ],
        ),
        Table(
            "by_category",
            _l("By category"),
            [
                ("category", _l("Category")),
                ("created", _l("Created tickets")),
                ("resolved", _l("Resolved tickets")),
            ],
            figures["by_category"],
        ),
        Table(
            "backlog_by_line",
            _l("Backlog ageing by line"),
            _age_columns(("line", _l("Line"))),
            backlog["by_line"],
        ),
        Table(
            "backlog_by_priority",
            _l("Backlog ageing by priority"),
            _age_columns(("priority", _l("Priority"))),
            [
                r | {"priority": priority_label(r["priority"])}
                for r in backlog["by_priority"]
            ],
        ),
        Table(
            "oldest",
            _l("The oldest open tickets"),
            [
                ("number", _l("Ticket")),
                ("subject", _l("Subject")),
                ("line", _l("Line")),
                ("priority", _l("Priority")),
                ("status", _l("Status")),
                ("created", _l("Created (%(zone)s)", zone=zone)),
            ],
            [
                r
                | {
                    "status": status_label(r["status"]),
                    "created": show(r["created_at"]),
                }
                for r in figures["oldest"]
            ],
        ),
    ]


def _csat_columns(first: tuple[str, Any]) -> list[tuple[str, Any]]:
    return [
        first,
        ("ratings", _l("Ratings")),
        ("average", _l("Average")),
        ("good_percent", _l("4-5, %")),
    ]


def csat_tables(figures: dict) -> list[Table]:
    zone = figures["filters"]["time_zone"]
    show = _local(zone)
    none = _l("none")
    return [
        Table(
            "series",
            _l("Trend"),
            _csat_columns(("period", _l("Period"))),
            figures["series"],
        ),
        Table(
            "by_line",
            _l("By line"),
            _csat_columns(("line", _l("Line"))),
            figures["by_line"],
        ),
        Table(
            "by_agent",
            _l("By agent"),
            _csat_columns(("agent", _l("Agent"))),
            [r | {"agent": r["agent"] or none} for r in figures["by_agent"]],
        ),
        Table(
            "by_category",
            _l("By category"),
            _csat_columns(("category", _l("Category"))),
            figures["by_category"],
        ),
        Table(
            "by_organization",
            _l("By organisation"),
            _csat_columns(("organization", _l("Organisation"))),
            [
                r | {"organization": r["organization"] or none}
                for r in figures["by_organization"]
            ],
        ),
        Table(
            "comments",
            _l("Comments, newest first"),
            [
                ("given", _l("Given (%(zone)s)", zone=zone)),
                ("number", _l("Ticket")),
                ("score", _l("Score")),
                ("comment", _l("Comment")),
            ],
            [
                r | {"given": show(r["created_at"])}
                for r in figures["comments"]["items"]
            ],
        ),
    ]


def duration(seconds: int | None) -> str:
    """Business or wall-clock seconds as hours and minutes, ``27:05``."""
    if seconds is None:
        return ""
    minutes = int(seconds) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


AGENT_COLUMNS = [
    ("agent", _l("Agent")),
    ("line", _l("Line")),
    ("tickets", _l("Tickets handled")),
    ("replies", _l("Replies")),
    ("first_replies", _l("First replies")),
    ("resolutions", _l("Resolutions")),
    ("first_response_median_seconds", _l("First response, median (h:mm)")),
    ("resolution_median_seconds", _l("Resolution, median (h:mm)")),
    ("reopen_percent", _l("Reopened, %")),
    ("phone_on_call", _l("Phone, resolved on the call")),
    ("csat_average", _l("Satisfaction")),
    ("csat_ratings", _l("Ratings")),
    ("sla_percent", _l("SLA met, %")),
]


def agents_tables(figures: dict) -> list[Table]:
    rows = [
        r
        | {
            "first_response_median_seconds": duration(
                r["first_response_median_seconds"]
            ),
            "resolution_median_seconds": duration(r["resolution_median_seconds"]),
            "line": r["line"] or "",
        }
        for r in figures["items"]
    ]
    return [Table("agents", _l("Agents"), AGENT_COLUMNS, rows)]


FLOW_COLUMNS = [
    ("registered", _l("Registered")),
    ("line1_on_call", _l("Line 1: on the call")),
    ("line1_with_article", _l("Line 1: with an article")),
    ("line1_later", _l("Line 1: later")),
    ("line1_percent", _l("Line 1 resolved, %")),
    ("to_line2", _l("Reached line 2")),
    ("to_line3", _l("Reached line 3")),
    ("moved_down", _l("Moved back down")),
    ("defect_linked", _l("Linked to a defect")),
]


def flow_tables(figures: dict) -> list[Table]:
    return [
        Table(
            "series",
            _l("Registered tickets and their way"),
            [("period", _l("Period")), *FLOW_COLUMNS],
            figures["series"],
        ),
        Table(
            "by_category",
            _l("By category"),
            [("category", _l("Category")), *FLOW_COLUMNS],
            figures["by_category"],
        ),
        Table(
            "time_on_line",
            _l("Time on each line (resolved tickets, wall-clock)"),
            [
                ("line", _l("Line")),
                ("tickets", _l("Tickets")),
                ("median", _l("Median (h:mm)")),
            ],
            [
                r | {"median": duration(r["median_seconds"])}
                for r in figures["time_on_line"]
            ],
        ),
    ]


def kb_tables(figures: dict) -> list[Table]:
    show = _local(figures["filters"]["time_zone"])
    return [
        Table(
            "series",
            _l("Deflection and first-contact resolution"),
            [
                ("period", _l("Period")),
                ("deflections", _l("Deflections")),
                ("web_tickets", _l("Web tickets")),
                ("deflection_percent", _l("Deflection, %")),
                ("phone_tickets", _l("Phone tickets")),
                ("resolved_on_call", _l("Resolved on the call with an article")),
                ("first_contact_percent", _l("First-contact resolution, %")),
            ],
            figures["series"],
        ),
        Table(
            "top_articles",
            _l("Articles that resolve the most"),
            [
                ("title", _l("Article")),
                ("resolved", _l("Resolved tickets")),
                ("linked_tickets", _l("Linked tickets")),
                ("resolved_on_call", _l("On the call")),
                ("deflections", _l("Deflections")),
            ],
            figures["top_articles"],
        ),
        Table(
            "searches_without_results",
            _l("Searches that found nothing"),
            [
                ("query", _l("Search text")),
                ("searches", _l("Times")),
                ("last", _l("Last (%(zone)s)", zone=figures["filters"]["time_zone"])),
            ],
            [
                r | {"last": show(r["last_at"])}
                for r in figures["searches_without_results"]
            ],
        ),
    ]


TABLES: dict[str, Callable[[dict], list[Table]]] = {
    "volume": volume_tables,
    "csat": csat_tables,
    "agents": agents_tables,
    "flow": flow_tables,
    "kb": kb_tables,
}
assert [name for name, *_ in backlog.AGE_BUCKETS] == list(AGE_LABELS)
