"""The core: users, roles, tickets, comments, timeline, portal, workspace, API."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from flask import Flask
from flask_babel import get_locale

from helpdesk import sqlite_disk  # noqa: F401 (its engine listeners)
from helpdesk.extensions import babel, csrf, db, migrate


def init_app(app: Flask) -> None:
    from helpdesk import (
        api,
        api_attachments,
        api_categories,
        api_imports,
        api_people,
        api_queue,
        api_signin,
        audit,
        auth,
        auth_password,  # noqa: F401 - its routes join auth.bp
        auth_two_factor,  # noqa: F401 - its routes join auth.bp
        backup,
        cli,
        custom_fields,
        directory,
        exports,
        files,
        hooks,
        http,
        imports,
        inbound,
        logs,
        macros,
        metrics,
        outbox,
        reference,
        scheduler,
        search,
        security,
        undo,  # noqa: F401 - its table joins the metadata
        unit_of_work,
        views,
    )
    from helpdesk.audit import api as audit_api  # noqa: F401 - its route joins api.bp
    from helpdesk.imports import watch as import_watch
    from helpdesk.labels import TEMPLATE_GLOBALS
    from helpdesk.macros import api as macros_api  # noqa: F401 - joins api.bp
    from helpdesk.models import TicketEvent
    from helpdesk.notify import subscribers
    from helpdesk.organisations import api as organisations_api
    from helpdesk.organisations import service as organisations
    from helpdesk.organisations import views as _organisation_pages  # noqa: F401
    from helpdesk.outbox.models import OutboxMessage
    from helpdesk.signin import jobs as signin_jobs
    from helpdesk.signin import throttle, two_factor
    from helpdesk.undo import jobs as undo_jobs
    from helpdesk.undo import service as undo_service
    from helpdesk.watchers import api as watchers_api
    from helpdesk.watchers import service as watchers
    from helpdesk.watchers import views as _watcher_pages  # noqa: F401

    # Before any blueprint adds a rule: every package's <int:...> is bounded.
    app.url_map.converters["int"] = http.IdConverter
    app.url_value_preprocessor(http.refuse_oversize_ids)
    _sqlite_busy_timeout(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"))
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=http.select_locale, timezone_selector=http.select_timezone
    )
    auth.init_login(app)
    throttle.init_app(app)
    reference.init_app(app)
    unit_of_work.append_only(TicketEvent, OutboxMessage)
    unit_of_work.connect()
    undo_service.connect()
    http.register_error_handlers(app)
    logs.init_app(app)
    directory.init_app(app)
    security.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    http.register_api(app, api.bp, open_endpoints=("api.token_create",))
    cli.register(app)
    imports.init_app(app)
    exports.init_app(app)
    app.jinja_env.globals.update(
        TEMPLATE_GLOBALS,
        scheduler_late_jobs=scheduler.late_jobs,
        undo_offer=views.undo.pending_offer,
        undo_kind_label=views.undo.kind_label,
        user_has_two_factor=two_factor.is_enabled,
    )
    # Names stored before they were cleaned are shown cleaned too.
    app.jinja_env.filters["filename"] = files.clean_filename
    app.context_processor(lambda: {"current_locale": str(get_locale())})
    hooks.init_app(app)
    app.jinja_env.globals["organisation_names"] = organisations.all_names
    hooks.add_panel(app, "nav_admin", "helpdesk/panels/nav_organisations.html")
    hooks.add_undo_participant(
        app, "watchers", watchers.snapshot_for_undo, watchers.restore_for_undo
    )
    # The core's API modules beside helpdesk.api (their routes join api.bp).
    for api_part in (
        api_attachments,
        api_categories,
        api_imports,
        api_people,
        api_queue,
        api_signin,
        organisations_api,
        watchers_api,
    ):
        hooks.add_openapi_paths(app, api_part.add_openapi_paths)
    metrics.init_app(app)
    subscribers.connect()
    search.init_app(app)
    custom_fields.init_app(app)
    # Mail and webhooks are the core's: delivered whichever packages are on.
    hooks.add_job(
        app, "outbox-deliver", outbox.deliver_outbox, "OUTBOX_DELIVERY_SECONDS"
    )
    hooks.add_job(app, "undo-prune", undo_jobs.prune_job, "UNDO_PRUNE_SECONDS")
    hooks.add_job(app, "signin-prune", signin_jobs.prune_job, "SIGNIN_PRUNE_SECONDS")
    hooks.add_job(app, "import-watch", import_watch.watch_job, "IMPORT_WATCH_SECONDS")
    backup.init_app(app)
    audit.init_app(app)
    macros.init_app(app)
    audit.audit_table("organisations", "organisation")
    audit.audit_table("organisation_domains", "organisation_domain")
    if app.config.get("MAIL_IMAP_HOST"):
        hooks.add_job(app, "mail-poll", inbound.poll_job, "MAIL_POLL_SECONDS")


def _sqlite_busy_timeout(app: Flask) -> None:
    """SQLITE_BUSY_TIMEOUT_MS as sqlite3's connect timeout (SQLite's busy
    timeout); other engines take no such argument."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options | {"connect_args": connect_args}


@sa.event.listens_for(sa.engine.Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(connection, _name) -> None:
    # pysqlite opens a transaction only at the first write, so a savepoint
    # taken after reads alone would be SQLite's outermost transaction, and
    # releasing it would commit: begin the transaction first, so the savepoint
    # is undone by a later rollback as on PostgreSQL.
    driver = connection.connection.driver_connection
    if isinstance(driver, sqlite3.Connection) and not driver.in_transaction:
        driver.execute("BEGIN")


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Web workers and the scheduler share the file: WAL lets readers run
    # beside one writer, and the busy timeout (set by _sqlite_busy_timeout)
    # waits for the writer instead of failing at once.
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
