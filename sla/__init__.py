"""SLA: calendars, policies, per-ticket clocks, the scheduler, alerts, dashboards.

Depends on ``helpdesk``; subscribes to its signals. The SLA engine proper
arrives with its own issue; for now this package owns the scheduler process.
"""

from flask import Flask

# Partials shown in the core's panel slots.
PANELS = {
    "nav": "sla/_nav.html",
    "ticket_sidebar": "sla/_ticket_clocks.html",
}


def init_app(app: Flask) -> None:
    from sla import cli, handlers, models  # noqa: F401  (models: tables known to migrations)

    handlers.connect()
    app.cli.add_command(cli.sla_cli)
    from sla.demo import load_demo_sla

    app.extensions.setdefault("helpdesk.demo_loaders", []).append(load_demo_sla)
    _init_web(app)


def _init_web(app: Flask) -> None:
    """Pages, API, panels in core pages, ``sla`` on API tickets, OpenAPI paths."""
    from helpdesk import add_panel
    from helpdesk.http import register_api
    from sla import api, openapi, panel, views

    app.register_blueprint(views.bp)
    register_api(app, api.bp)
    for slot, template in PANELS.items():
        add_panel(app, slot, template)
    app.jinja_env.globals.update(panel.TEMPLATE_GLOBALS)
    app.extensions.setdefault("helpdesk.ticket_extras", []).append(api.ticket_sla)
    app.extensions.setdefault("helpdesk.openapi_paths", []).append(openapi.add_paths)
