"""SLA: calendars, policies, per-ticket clocks, the sweep, alerts, dashboards.

Depends on ``helpdesk``; subscribes to its signals and plugs into its pages,
API, demo data and scheduler through ``helpdesk.hooks``.
"""

from flask import Flask

from helpdesk import hooks

# Partials shown in the core's panel slots.
PANELS = {
    "nav_reports": "sla/panels/nav_reports.html",
    "nav_admin": "sla/panels/nav_admin.html",
    "ticket_sidebar": "sla/_ticket_clocks.html",
}


def init_app(app: Flask) -> None:
    from sla import cli, handlers, jobs, metrics, models  # noqa: F401  (models: tables known to migrations)
    from sla.demo import load_demo_sla
    from sla.service import backlog, rollups
    from sla.service import undo as sla_undo

    handlers.connect()
    rollups.install()
    backlog.keep_out_of_autogenerate(app)
    app.cli.add_command(cli.sla_cli)
    hooks.add_demo_loader(app, load_demo_sla)
    hooks.add_job(app, "sla-sweep", jobs.sweep_clocks, "SLA_SWEEP_SECONDS")
    hooks.add_metrics_source(app, metrics.sla_gauges)
    hooks.add_undo_participant(app, "sla", sla_undo.snapshot, sla_undo.restore)
    _init_web(app)


def _init_web(app: Flask) -> None:
    """Pages, API, panels in core pages, ``sla`` on API tickets, OpenAPI paths."""
    from helpdesk.http import register_api
    from sla import api, openapi, panel, views

    app.register_blueprint(views.bp)
    register_api(app, api.bp)
    for slot, template in PANELS.items():
        hooks.add_panel(app, slot, template)
    # The clocks' events are shown in the SLA panel, not in the timeline list.
    hooks.add_timeline_renderer(app, "sla_", None)
    app.jinja_env.globals.update(panel.TEMPLATE_GLOBALS)
    hooks.add_ticket_extras(app, api.ticket_sla)
    hooks.add_openapi_paths(app, openapi.add_paths)
