"""Managers' reports: satisfaction, agents, flow between lines, volume and
backlog, the knowledge base; their daily roll-ups per time zone and the
summary e-mail.

Reads every other package (the core's tickets, ``sla``'s clocks,
``routing``'s defects, ``knowledge_base``'s links) and is read by none; it
plugs into the core through ``helpdesk.hooks`` (blueprints, the "Reports"
menu, the OpenAPI document, its scheduler jobs).
"""

from flask import Flask

from helpdesk import hooks

PANELS = {"nav_reports": "reports/panels/nav_reports.html"}


def init_app(app: Flask) -> None:
    from helpdesk.http import register_api
    from reports import api, cli, jobs, models, openapi, views  # noqa: F401

    # Their roll-up facts register themselves.
    from reports.service import agents, csat, day_counts, flow, kb, volume  # noqa: F401
    from reports.service.tables import cell

    app.register_blueprint(views.bp)
    register_api(app, api.bp)
    for slot, template in PANELS.items():
        hooks.add_panel(app, slot, template)
    hooks.add_openapi_paths(app, openapi.add_paths)
    app.jinja_env.globals["report_cell"] = cell
    hooks.add_job(app, "reports-rollup", jobs.rollup_job, "REPORTS_ROLLUP_SECONDS")
    hooks.add_job(app, "reports-mail", jobs.mail_job, "REPORTS_MAIL_SECONDS")
    app.cli.add_command(cli.reports_cli)
    _connect()


def _connect() -> None:
    """Count the knowledge base's searches that found nothing (once per
    process: blinker receivers are global)."""
    from helpdesk import events
    from knowledge_base.service.articles import search_found_nothing

    search_found_nothing.connect(_on_search_found_nothing, weak=False)
    events.tickets_imported.connect(_on_tickets_imported, weak=False)


def _on_tickets_imported(_sender, *, items, now, **_) -> None:
    """History imported with old dates: those days are counted again."""
    from reports.service import rollups

    instants = [item.ticket.created_at for item in items if item.ticket.created_at]
    if instants:
        rollups.forget_from(min(instants))


def _on_search_found_nothing(text: str, *, actor, now) -> None:
    from reports.service import kb

    kb.record_miss(text, now=now)
