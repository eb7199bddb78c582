"""The knowledge base's pages: articles, their history, links to tickets,
the phone console's resolve-with-an-article, canned responses, statistics.

One blueprint; its static files (``kb.js``) are served under ``/kb/static``.
"""

from flask import Blueprint

bp = Blueprint(
    "knowledge_base",
    "knowledge_base",
    static_folder="static",
    static_url_path="/kb/static",
)

from knowledge_base.views import (  # noqa: E402,F401
    articles,
    canned,
    stats,
    tickets,
)
