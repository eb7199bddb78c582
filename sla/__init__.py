"""SLA: calendars, policies, per-ticket clocks, the scheduler, alerts, dashboards.

Depends on ``helpdesk``; subscribes to its signals. The SLA engine proper
arrives with its own issue; for now this package owns the scheduler process.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from sla import cli, models  # noqa: F401  (models: tables known to migrations)

    app.cli.add_command(cli.sla_cli)
