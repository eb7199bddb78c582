"""Exports: the tickets a queue's filters select (CSV, XLSX) and the full
JSON export of every table for moving to another system (``flask export``)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from helpdesk.exports import cli

    app.cli.add_command(cli.export_cli)
