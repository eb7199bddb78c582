"""Server-rendered pages of the core: portal, ticket page, workspace, admin."""

from flask import Blueprint

bp = Blueprint("helpdesk", __name__)

from helpdesk.views import (  # noqa: E402,F401
    admin,
    admin_security,
    audit,
    categories,
    exports,
    imports,
    inbound,
    operations,
    ops,
    portal,
    search,
    tickets,
    undo,
    workspace,
)
