"""Custom fields per category: text, number, date, single choice and
checkbox fields an administrator defines for a category (required or not),
filled in on the request form, the phone console and the ticket page, in
the API (``fields`` on tickets), found by the staff search, and named
``field:<key>`` by routing rules and SLA policies.

Part of the core (``helpdesk``), but self-contained: it plugs into the
core's pages, OpenAPI document, ticket answers, timeline and undo through
``helpdesk.hooks``; the ticket service calls it at two places (opening a
ticket, changing one).
"""

from __future__ import annotations

from flask import Flask

from helpdesk import hooks

PANELS = {
    "ticket_new_form": "helpdesk/custom_fields/panels/ticket_new_form.html",
    "phone_ticket_form": "helpdesk/custom_fields/panels/phone_ticket_form.html",
    "ticket_sidebar": "helpdesk/custom_fields/panels/ticket_sidebar.html",
    "category_edit": "helpdesk/custom_fields/panels/category_edit.html",
}


def init_app(app: Flask) -> None:
    from helpdesk.audit import audit_table
    from helpdesk.custom_fields import (
        api,
        definitions,
        demo,
        openapi,
        panels,
        service,
        values,
        views,
    )
    from helpdesk.http import register_api

    app.register_blueprint(views.bp)
    register_api(app, api.bp)
    for slot, template in PANELS.items():
        hooks.add_panel(app, slot, template)
    app.jinja_env.globals.update(panels.TEMPLATE_GLOBALS)
    hooks.add_timeline_renderer(
        app, service.CHANGED, "helpdesk/custom_fields/_event.html"
    )
    hooks.add_ticket_extras(app, api.ticket_fields)
    hooks.add_openapi_paths(app, openapi.add_paths)
    hooks.add_undo_participant(
        app, "custom_fields", service.snapshot_values, service.restore_values
    )
    hooks.add_demo_loader(app, demo.load_demo_fields)
    audit_table("custom_fields", "custom_field")
    definitions.watch()
    values.connect()
