"""Rules engine, escalation between lines, assignment, defects for line 3.

Depends on ``helpdesk`` (and listens to ``sla``'s alerts); the core never
imports it. It learns what happens through the core's signals, shows itself
in the core's pages through panels (``helpdesk.add_panel``), documents its
API through ``helpdesk.openapi_paths`` and adds demo rules through
``helpdesk.demo_loaders``.
"""

from __future__ import annotations

from flask import Flask

PANELS = {
    "nav": "routing/panels/nav.html",
    "ticket_sidebar": "routing/panels/ticket_sidebar.html",
    "phone_console": "routing/panels/phone_console.html",
    "queue_bulk_actions": "routing/panels/queue_bulk_actions.html",
}


def init_app(app: Flask) -> None:
    from helpdesk import add_panel
    from helpdesk.http import register_api
    from routing import api, demo, jobs, models, openapi, panels, views  # noqa: F401
    from routing.service import engine

    engine.connect()
    app.register_blueprint(views.bp)
    register_api(app, api.bp)
    for slot, template in PANELS.items():
        add_panel(app, slot, template)
    app.jinja_env.globals.update(panels.TEMPLATE_GLOBALS)
    app.extensions.setdefault("helpdesk.openapi_paths", []).append(openapi.add_paths)
    app.extensions.setdefault("helpdesk.demo_loaders", []).append(demo.load_demo_rules)
    app.extensions.setdefault("scheduler.jobs", []).append(
        ("routing-unassigned", jobs.check_unassigned, "ROUTING_SWEEP_SECONDS")
    )
