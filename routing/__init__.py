"""Rules engine, escalation between lines, assignment, defects for line 3.

Depends on ``helpdesk`` (and listens to ``sla``'s alerts); the core never
imports it. It learns what happens through the core's signals and plugs into
the core's pages, timeline, OpenAPI document, demo data and scheduler through
``helpdesk.hooks``.
"""

from __future__ import annotations

from flask import Flask

from helpdesk import hooks

PANELS = {
    "nav": "routing/panels/nav.html",
    "nav_admin": "routing/panels/nav_admin.html",
    "ticket_sidebar": "routing/panels/ticket_sidebar.html",
    "phone_console": "routing/panels/phone_console.html",
    "queue_bulk_actions": "routing/panels/queue_bulk_actions.html",
}


def init_app(app: Flask) -> None:
    from helpdesk.http import register_api
    from routing import api, demo, jobs, models, openapi, panels, views  # noqa: F401
    from routing.service import engine
    from routing.service import undo as routing_undo

    engine.connect()
    app.register_blueprint(views.bp)
    register_api(app, api.bp)
    for slot, template in PANELS.items():
        hooks.add_panel(app, slot, template)
    hooks.add_timeline_renderer(app, "routing_", "routing/_event.html")
    app.jinja_env.globals.update(panels.TEMPLATE_GLOBALS)
    hooks.add_openapi_paths(app, openapi.add_paths)
    hooks.add_demo_loader(app, demo.load_demo_rules)
    hooks.add_job(
        app, "routing-unassigned", jobs.check_unassigned, "ROUTING_SWEEP_SECONDS"
    )
    hooks.add_undo_participant(
        app, "routing", routing_undo.snapshot, routing_undo.restore
    )
