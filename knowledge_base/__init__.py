"""Articles, ranked search, suggestions and article<->ticket links,
canned responses.

Depends on ``helpdesk``; the core never imports this package. It plugs into
the core's pages, timeline, OpenAPI document and demo data through
``helpdesk.hooks``.
"""

from __future__ import annotations

from flask import Flask

from helpdesk import hooks

# The hand-written search objects of migration 0003 (FTS5 table and its
# shadow tables on SQLite; the tsvector column and its GIN index on
# PostgreSQL) are not models: autogenerate must not propose dropping them.
SEARCH_TABLE = "kb_search"
SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_kb_articles_search_vector"

PANELS = {
    "nav": "knowledge_base/panels/nav.html",
    "nav_reports": "knowledge_base/panels/nav_reports.html",
    "ticket_sidebar": "knowledge_base/panels/ticket_sidebar.html",
    "ticket_reply_tools": "knowledge_base/panels/ticket_reply_tools.html",
    "phone_console": "knowledge_base/panels/phone_console.html",
    "ticket_new_form": "knowledge_base/panels/ticket_new_form.html",
    "manager_dashboard": "knowledge_base/panels/manager_dashboard.html",
}


def init_app(app: Flask) -> None:
    from helpdesk.http import register_api
    from helpdesk.imports.kinds import add_kind
    from knowledge_base import (  # noqa: F401
        api,
        api_agents,
        cli,
        demo,
        models,
        openapi,
        panels,
        views,
    )
    from knowledge_base.imports import ARTICLES

    app.register_blueprint(views.bp)
    register_api(app, api.bp)
    for slot, template in PANELS.items():
        hooks.add_panel(app, slot, template)
    hooks.add_timeline_renderer(app, "kb_", "knowledge_base/_event.html")
    app.jinja_env.globals.update(panels.TEMPLATE_GLOBALS)
    hooks.add_openapi_paths(app, openapi.add_paths)
    hooks.add_openapi_paths(app, api_agents.add_openapi_paths)
    hooks.add_demo_loader(app, demo.load_demo_articles)
    app.cli.add_command(cli.kb_cli)
    add_kind(app, ARTICLES)
    _keep_search_objects_out_of_autogenerate(app)


def _keep_search_objects_out_of_autogenerate(app: Flask) -> None:
    migrate_config = app.extensions.get("migrate")
    if migrate_config is None:
        return
    previous = migrate_config.configure_args.get("include_name")

    def include_name(name, type_, parent_names) -> bool:
        if name and (
            (type_ == "table" and name.startswith(SEARCH_TABLE))
            or (type_ == "column" and name == SEARCH_COLUMN)
            or (type_ == "index" and name == SEARCH_INDEX)
        ):
            return False
        return previous(name, type_, parent_names) if previous else True

    migrate_config.configure_args["include_name"] = include_name
