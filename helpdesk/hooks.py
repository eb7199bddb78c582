"""The core's plug-in surface: how ``sla``, ``routing`` and ``knowledge_base``
show up in the core without the core importing them.

Each extension point has one function to register (called from a package's
``init_app``) and one to read (called by the core). Everything lives in one
registry per application, so two apps in one process (tests) never share it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from flask import Flask, current_app

# (tickets of one API page, now) -> {ticket_id: {field: value}}
TicketExtras = Callable[[list[Any], datetime], dict[int, dict]]
# (apispec.APISpec) -> None
OpenApiPaths = Callable[[Any], None]
# (now) -> None; runs between the core's demo people and its demo tickets
DemoLoader = Callable[[datetime], None]
# (now) -> prometheus_client metric families, read from the database at scrape time
MetricsSource = Callable[[datetime], Iterable[Any]]


class UndoParticipant(NamedTuple):
    """A package's part of undoing an operation on tickets (``helpdesk.undo``).

    ``snapshot(tickets)`` runs before the operation and answers JSON-able
    data per ticket id (one query for all of them); ``restore(ticket, data,
    events=..., now=..., actor=...)`` puts the package's state of that
    ticket back as it was (``data`` is what the snapshot said, None if it
    said nothing; ``events`` the operation's events on that ticket). Both run
    inside the transaction and never commit."""

    name: str
    snapshot: Callable[[list[Any]], dict[int, Any]]
    restore: Callable[..., None]


class ScheduledJob(NamedTuple):
    """One job of the scheduler process: a fixed id, a function of the app
    (it opens its own app context) and the config key of its interval in
    seconds."""

    id: str
    run: Callable[[Flask], object]
    interval_setting: str


@dataclass(frozen=True)
class TimelineRenderer:
    """Timeline events whose kind starts with ``prefix`` are drawn by
    ``template`` (it gets ``event`` and the ticket page's context); ``None``
    keeps them out of the timeline list because the package shows them in a
    panel of its own."""

    prefix: str
    template: str | None


@dataclass
class _Registry:
    panels: defaultdict[str, list[str]] = field(
        default_factory=lambda: defaultdict(list)
    )
    ticket_extras: list[TicketExtras] = field(default_factory=list)
    openapi_paths: list[OpenApiPaths] = field(default_factory=list)
    demo_loaders: list[DemoLoader] = field(default_factory=list)
    jobs: list[ScheduledJob] = field(default_factory=list)
    timeline: list[TimelineRenderer] = field(default_factory=list)
    undo: list[UndoParticipant] = field(default_factory=list)
    metrics: list[MetricsSource] = field(default_factory=list)


def init_app(app: Flask) -> None:
    app.extensions["helpdesk.hooks"] = _Registry()
    app.jinja_env.globals.update(panels=panels, timeline_renderer=timeline_renderer)


def _registry(app: Flask | None = None) -> _Registry:
    return (app or current_app).extensions["helpdesk.hooks"]


# --- panels: partial templates in the core's pages ---------------------------------


def add_panel(app: Flask, slot: str, template: str) -> None:
    """Show a partial template in one of the core pages' slots
    (``ticket_sidebar``, ``ticket_reply_tools``, ``phone_console``,
    ``phone_ticket_form`` (inside the console's ticket form),
    ``ticket_new_form``, ``category_edit`` (below a category's form), ``nav``
    (the top bar), ``nav_reports`` and ``nav_admin`` (its two drop-downs),
    ``queue_bulk_actions``; the SLA dashboard adds ``manager_dashboard``).
    The partial gets the page's context."""
    _registry(app).panels[slot].append(template)


def panels(slot: str) -> list[str]:
    return _registry().panels.get(slot, [])


# --- fields on the API's tickets -----------------------------------------------------


def add_ticket_extras(app: Flask, provider: TicketExtras) -> None:
    """Add fields to the API's tickets. A provider answers for a whole page
    at once, so a page costs one query per provider, never one per ticket."""
    _registry(app).ticket_extras.append(provider)


def ticket_extras() -> list[TicketExtras]:
    return _registry().ticket_extras


# --- the OpenAPI document -------------------------------------------------------------


def add_openapi_paths(app: Flask, add_paths: OpenApiPaths) -> None:
    """Document a package's own API paths and schemas in /api/openapi.json."""
    _registry(app).openapi_paths.append(add_paths)


def openapi_paths() -> list[OpenApiPaths]:
    return _registry().openapi_paths


# --- demo data -------------------------------------------------------------------------


def add_demo_loader(app: Flask, load: DemoLoader) -> None:
    """Load a package's demo data in ``flask demo load``; must be idempotent."""
    _registry(app).demo_loaders.append(load)


def demo_loaders() -> list[DemoLoader]:
    return _registry().demo_loaders


# --- the scheduler process ---------------------------------------------------------------


def add_job(
    app: Flask, job_id: str, run: Callable[[Flask], object], interval_setting: str
) -> None:
    """Run ``run(app)`` every ``app.config[interval_setting]`` seconds in
    ``flask scheduler``. Ids are fixed and unique."""
    registry = _registry(app)
    if any(job.id == job_id for job in registry.jobs):
        raise ValueError(f"scheduler job {job_id!r} is registered twice")
    registry.jobs.append(ScheduledJob(job_id, run, interval_setting))


def scheduled_jobs(app: Flask) -> list[ScheduledJob]:
    return list(_registry(app).jobs)


# --- the ticket's timeline ---------------------------------------------------------------


def add_timeline_renderer(app: Flask, prefix: str, template: str | None) -> None:
    """Draw a package's own timeline event kinds (see ``TimelineRenderer``)."""
    _registry(app).timeline.append(TimelineRenderer(prefix, template))


def timeline_renderer(kind: str) -> TimelineRenderer | None:
    """The renderer a package registered for ``kind``; ``None``: the core's own."""
    for renderer in _registry().timeline:
        if kind.startswith(renderer.prefix):
            return renderer
    return None


# --- undo --------------------------------------------------------------------------------


def add_undo_participant(
    app: Flask,
    name: str,
    snapshot: Callable[[list[Any]], dict[int, Any]],
    restore: Callable[..., None],
) -> None:
    """Take part in undoing operations (see ``UndoParticipant``)."""
    _registry(app).undo.append(UndoParticipant(name, snapshot, restore))


def undo_participants() -> list[UndoParticipant]:
    return _registry().undo


# --- /metrics ----------------------------------------------------------------------------


def add_metrics_source(app: Flask, source: MetricsSource) -> None:
    """Add gauges to /metrics: ``source(now)`` runs inside the scrape's app
    context and yields metric families (``GaugeMetricFamily``) from a few
    aggregate queries - never one query per row."""
    _registry(app).metrics.append(source)


def metrics_sources(app: Flask) -> list[MetricsSource]:
    return list(_registry(app).metrics)
