"""Finding tickets: ranked full-text search over subject, description and
comments (``tickets``), the index kept in step (``index``), the agents'
saved queue views (``saved_views``).

The hand-written search objects of migration 0015 (the FTS5 table on
SQLite; the tsvector column and its GIN index on PostgreSQL) are not models:
``init_app`` keeps autogenerate from proposing to drop them.
"""

from __future__ import annotations

from flask import Flask

SEARCH_TABLE = "ticket_fts"
SEARCH_INDEX = "ix_ticket_search_search_vector"
SEARCH_COLUMN = "search_vector"


def init_app(app: Flask) -> None:
    from helpdesk.search import index, models  # noqa: F401

    index.connect()
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
