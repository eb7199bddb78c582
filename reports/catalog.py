"""The reports the area offers: for each, its title, who may read it, its
filters, how its figures are built, its headline numbers and its charts.
The pages, the exports and the API all go through ``build``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from helpdesk.errors import NotFound, PermissionDenied
from helpdesk.labels import channel_label
from helpdesk.models import User
from reports.schemas import filters_from
from reports.service import agents, csat, flow, kb, tables, volume
from reports.service.common import Filters


@dataclass(frozen=True)
class Context:
    """Who reads, when, in which language; what the query asked."""

    user: User
    now: datetime
    locale: str
    query: dict[str, Any]


@dataclass(frozen=True)
class Report:
    name: str
    title: Any
    description: Any
    filters: tuple[str, ...]
    build: Callable[[Filters, Context], dict]
    headline: Callable[[dict], list[tuple[Any, Any]]]
    charts: Callable[[dict], list[dict]]
    by: str = "day"
    agents_may_read: bool = False


def _dash(value: Any, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


# --- volume ---------------------------------------------------------------------


def _volume_build(f: Filters, ctx: Context) -> dict:
    return volume.report(f, now=ctx.now, locale=ctx.locale)


def _volume_headline(figures: dict) -> list:
    return [
        (_l("Created tickets"), figures["totals"]["created"]),
        (_l("Resolved tickets"), figures["totals"]["resolved"]),
        (_l("Open now"), figures["backlog"]["total"]),
        (
            _l("Open more than 7 days"),
            figures["backlog"]["by_age"]["7_30"] + figures["backlog"]["by_age"]["gt30"],
        ),
    ]


def _volume_charts(figures: dict) -> list[dict]:
    periods = [r["period"].isoformat() for r in figures["series"]]
    by_age = figures["backlog"]["by_age"]
    return [
        chart(
            "volume-series",
            _l("Created and resolved"),
            "line",
            periods,
            [
                (_l("Created tickets"), [r["created"] for r in figures["series"]]),
                (_l("Resolved tickets"), [r["resolved"] for r in figures["series"]]),
            ],
        ),
        chart(
            "volume-channel",
            _l("By channel"),
            "bar",
            [channel_label(r["channel"]) for r in figures["by_channel"]],
            [
                (_l("Created tickets"), [r["created"] for r in figures["by_channel"]]),
                (
                    _l("Resolved tickets"),
                    [r["resolved"] for r in figures["by_channel"]],
                ),
            ],
        ),
        chart(
            "volume-category",
            _l("By category"),
            "bar",
            [r["category"] for r in figures["by_category"]],
            [
                (_l("Created tickets"), [r["created"] for r in figures["by_category"]]),
                (
                    _l("Resolved tickets"),
                    [r["resolved"] for r in figures["by_category"]],
                ),
            ],
        ),
        chart(
            "volume-ageing",
            _l("Backlog ageing"),
            "bar",
            [str(label) for label in tables.AGE_LABELS.values()],
            [(_l("Open tickets"), [by_age[k] for k in tables.AGE_LABELS])],
        ),
    ]


# --- satisfaction ----------------------------------------------------------------------


def _csat_build(f: Filters, ctx: Context) -> dict:
    return csat.report(
        f,
        locale=ctx.locale,
        cursor=ctx.query.get("cursor"),
        limit=ctx.query.get("limit", 25),
    )


def _csat_headline(figures: dict) -> list:
    t = figures["totals"]
    return [
        (_l("Ratings"), t["ratings"]),
        (_l("Average rating"), _dash(t["average"])),
        (_l("Rated 4 or 5"), _dash(t["good_percent"], " %")),
    ]


def _csat_charts(figures: dict) -> list[dict]:
    periods = [r["period"].isoformat() for r in figures["series"]]
    return [
        chart(
            "csat-trend",
            _l("Average rating"),
            "line",
            periods,
            [(_l("Average rating"), [r["average"] for r in figures["series"]])],
            scale={"min": 1, "max": 5},
        ),
        chart(
            "csat-good",
            _l("Rated 4 or 5, %"),
            "bar",
            periods,
            [(_l("Rated 4 or 5, %"), [r["good_percent"] for r in figures["series"]])],
            scale={"min": 0, "max": 100},
        ),
    ]


def chart(
    id_: str,
    title,
    kind: str,
    labels: list,
    datasets: list,
    *,
    scale: dict | None = None,
    stacked: bool = False,
) -> dict:
    """One chart as ``helpdesk/static/reports.js`` draws it."""
    return {
        "id": id_,
        "title": str(title),
        "type": kind,
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(label), "data": data} for label, data in datasets],
        "scale": scale or {},
        "stacked": stacked,
    }


# --- agents -------------------------------------------------------------------------


def _agents_build(f: Filters, ctx: Context) -> dict:
    return agents.report(
        f, sort=ctx.query.get("sort"), order=ctx.query.get("order", "desc")
    )


def _agents_headline(figures: dict) -> list:
    items = figures["items"]
    return [
        (_l("Agents"), len(items)),
        (_l("Resolutions"), sum(r["resolutions"] for r in items)),
        (_l("First replies"), sum(r["first_replies"] for r in items)),
    ]


def _agents_charts(figures: dict) -> list[dict]:
    items = figures["items"][:20]
    names = [r["agent"] for r in items]
    return [
        chart(
            "agents-work",
            _l("Resolutions and first replies"),
            "bar",
            names,
            [
                (_l("Resolutions"), [r["resolutions"] for r in items]),
                (_l("First replies"), [r["first_replies"] for r in items]),
            ],
        ),
        chart(
            "agents-sla",
            _l("SLA met, %"),
            "bar",
            names,
            [(_l("SLA met, %"), [r["sla_percent"] for r in items])],
            scale={"min": 0, "max": 100},
        ),
    ]


# --- flow ------------------------------------------------------------------------------


def _flow_build(f: Filters, ctx: Context) -> dict:
    return flow.report(f, locale=ctx.locale)


def _flow_headline(figures: dict) -> list:
    t = figures["totals"]
    return [
        (_l("Registered"), t["registered"]),
        (_l("Resolved by line 1"), _dash(t["line1_percent"], " %")),
        (_l("Reached line 2"), _dash(t["to_line2_percent"], " %")),
        (_l("Reached line 3"), _dash(t["to_line3_percent"], " %")),
        (_l("Defects filed"), t["defects_filed"]),
    ]


def _flow_charts(figures: dict) -> list[dict]:
    periods = [r["period"].isoformat() for r in figures["series"]]
    s = figures["series"]
    return [
        chart(
            "flow-series",
            _l("Where the registered tickets went"),
            "bar",
            periods,
            [
                (_l("Line 1: on the call"), [r["line1_on_call"] for r in s]),
                (_l("Line 1: with an article"), [r["line1_with_article"] for r in s]),
                (_l("Line 1: later"), [r["line1_later"] for r in s]),
                (_l("Reached line 2"), [r["to_line2"] for r in s]),
                (_l("Reached line 3"), [r["to_line3"] for r in s]),
            ],
        ),
        chart(
            "flow-time",
            _l("Median hours on each line"),
            "bar",
            [_l("Line %(line)s", line=r["line"]) for r in figures["time_on_line"]],
            [
                (
                    _l("Hours on the line"),
                    [
                        round(r["median_seconds"] / 3600, 1)
                        if r["median_seconds"] is not None
                        else None
                        for r in figures["time_on_line"]
                    ],
                )
            ],
        ),
    ]


# --- knowledge base ---------------------------------------------------------------------


def _kb_build(f: Filters, ctx: Context) -> dict:
    return kb.report(f)


def _kb_headline(figures: dict) -> list:
    t = figures["totals"]
    return [
        (_l("Deflections"), t["deflections"]),
        (_l("Deflection rate"), _dash(t["deflection_percent"], " %")),
        (_l("First-contact resolution"), _dash(t["first_contact_percent"], " %")),
    ]


def _kb_charts(figures: dict) -> list[dict]:
    periods = [r["period"].isoformat() for r in figures["series"]]
    s = figures["series"]
    return [
        chart(
            "kb-rates",
            _l("Deflection and first-contact resolution, %"),
            "line",
            periods,
            [
                (_l("Deflection, %"), [r["deflection_percent"] for r in s]),
                (
                    _l("First-contact resolution, %"),
                    [r["first_contact_percent"] for r in s],
                ),
            ],
            scale={"min": 0, "max": 100},
        ),
        chart(
            "kb-top",
            _l("Articles that resolve the most"),
            "bar",
            [r["title"] for r in figures["top_articles"]],
            [
                (
                    _l("Resolved tickets"),
                    [r["resolved"] for r in figures["top_articles"]],
                )
            ],
        ),
    ]


REPORTS: dict[str, Report] = {
    "volume": Report(
        "volume",
        _l("Volume and backlog"),
        _l(
            "Tickets created and resolved, by channel and category; the backlog's age; the oldest open tickets."
        ),
        ("line", "channel", "category", "priority", "by"),
        _volume_build,
        _volume_headline,
        _volume_charts,
    ),
    "csat": Report(
        "csat",
        _l("Satisfaction (CSAT)"),
        _l(
            "Ratings given by requesters: the average, the share of 4 and 5, by line, agent, category and organisation; their comments."
        ),
        ("line", "agent", "category", "organization", "by"),
        _csat_build,
        _csat_headline,
        _csat_charts,
        by="week",
    ),
    "agents": Report(
        "agents",
        _l("Agents"),
        _l(
            "Per agent: tickets handled (once a day each), first replies, resolutions, median business times, reopen rate, phone calls resolved on the call, satisfaction, SLA compliance. Agents see their own line."
        ),
        ("line", "agent"),
        _agents_build,
        _agents_headline,
        _agents_charts,
        agents_may_read=True,
    ),
    "flow": Report(
        "flow",
        _l("Flow between lines"),
        _l(
            "Of the tickets registered in the period: resolved by line 1 (on the call, with an article, later), escalated to line 2 and 3, moved back down; time on each line; defects."
        ),
        ("channel", "category", "by"),
        _flow_build,
        _flow_headline,
        _flow_charts,
    ),
    "kb": Report(
        "kb",
        _l("Knowledge base"),
        _l(
            "Deflection and first-contact resolution, the articles that resolve the most, the searches that found nothing (what to write next)."
        ),
        ("by",),
        _kb_build,
        _kb_headline,
        _kb_charts,
    ),
}


def get(name: str, user: User) -> Report:
    """The report, if ``user`` may read it (managers all; agents the agents'
    report, their own line of it)."""
    report = REPORTS.get(name)
    if report is None:
        raise NotFound(_l("There is no such report."))
    if not (user.is_manager or (report.agents_may_read and user.is_agent)):
        raise PermissionDenied(_l("Your role does not give access to this page."))
    return report


def build(report: Report, ctx: Context) -> tuple[Filters, dict]:
    """The filters the query and the reader's zone make, and the figures."""
    f = filters_from(ctx.query, zone=ctx.user.timezone, now=ctx.now, by=report.by)
    if report.agents_may_read and not ctx.user.is_manager:
        f = replace(f, agent_id=ctx.user.id)
    return f, report.build(f, ctx)
