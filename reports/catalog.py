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
from helpdesk.models import User
from reports import presenters
from reports.schemas import filters_from
from reports.service import agents, csat, flow, kb, volume
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


# --- volume ---------------------------------------------------------------------


def _volume_build(f: Filters, ctx: Context) -> dict:
    return volume.report(f, now=ctx.now, locale=ctx.locale)


# --- satisfaction ----------------------------------------------------------------------


def _csat_build(f: Filters, ctx: Context) -> dict:
    return csat.report(
        f,
        locale=ctx.locale,
        cursor=ctx.query.get("cursor"),
        limit=ctx.query.get("limit", 25),
    )


# --- agents -------------------------------------------------------------------------


def _agents_build(f: Filters, ctx: Context) -> dict:
    return agents.report(
        f, sort=ctx.query.get("sort"), order=ctx.query.get("order", "desc")
    )


# --- flow ------------------------------------------------------------------------------


def _flow_build(f: Filters, ctx: Context) -> dict:
    return flow.report(f, locale=ctx.locale)


# --- knowledge base ---------------------------------------------------------------------


def _kb_build(f: Filters, ctx: Context) -> dict:
    return kb.report(f)


REPORTS: dict[str, Report] = {
    "volume": Report(
        "volume",
        _l("Volume and backlog"),
        _l(
            "Tickets created and resolved, by channel and category; the backlog's age; the oldest open tickets."
        ),
        ("line", "channel", "category", "priority", "by"),
        _volume_build,
        presenters.volume_headline,
        presenters.volume_charts,
    ),
    "csat": Report(
        "csat",
        _l("Satisfaction (CSAT)"),
        _l(
            "Ratings given by requesters: the average, the share of 4 and 5, by line, agent, category and organisation; their comments."
        ),
        ("line", "agent", "category", "organization", "by"),
        _csat_build,
        presenters.csat_headline,
        presenters.csat_charts,
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
        presenters.agents_headline,
        presenters.agents_charts,
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
        presenters.flow_headline,
        presenters.flow_charts,
    ),
    "kb": Report(
        "kb",
        _l("Knowledge base"),
        _l(
            "Deflection and first-contact resolution, the articles that resolve the most, the searches that found nothing (what to write next)."
        ),
        ("by",),
        _kb_build,
        presenters.kb_headline,
        presenters.kb_charts,
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
