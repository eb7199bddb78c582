"""Macros: a canned reply plus field changes (status, priority, line,
assignee, tags), written by admins and applied by agents on the ticket page
in one step, previewed first and undoable like any other change.

``models`` holds the table, ``service`` the operations (administering,
previewing, applying), ``schemas`` the HTTP edge, ``api`` the JSON routes;
the pages are ``helpdesk.views.macros``.
"""

from __future__ import annotations

from flask import Flask

from helpdesk.macros.models import Macro

__all__ = ["Macro", "init_app"]


def init_app(app: Flask) -> None:
    from helpdesk import hooks
    from helpdesk.macros.api import add_openapi_paths
    from helpdesk.macros.demo import load_demo_macros

    hooks.add_openapi_paths(app, add_openapi_paths)
    hooks.add_demo_loader(app, load_demo_macros)
