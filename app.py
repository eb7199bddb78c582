"""The application factory. No side effects: no database, thread or socket."""

from __future__ import annotations

from flask import Flask

from config import Config, ProductionConfig, config_from_env
from helpdesk import logs
from helpdesk.clock import Clock, SystemClock


def create_app(
    config_class: type[Config] | None = None,
    *,
    clock: Clock | None = None,
    overrides: dict | None = None,
) -> Flask:
    config_class = config_class or config_from_env()
    if issubclass(config_class, ProductionConfig):
        config_class.check()
    app = Flask(
        __name__, instance_relative_config=True, static_folder="helpdesk/static"
    )
    app.config.from_object(config_class)
    app.config.update(overrides or {})
    app.extensions["clock"] = clock or SystemClock()
    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])

    import helpdesk
    import knowledge_base
    import routing
    import sla

    helpdesk.init_app(app)
    sla.init_app(app)
    knowledge_base.init_app(app)
    routing.init_app(app)
    return app
