"""What routing's pages share: the blueprint they join, and where a form
sends the user back to."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, request, url_for

bp = Blueprint("routing", __name__, url_prefix="/routing")


def back_to() -> str:
    """Back to the page the form was on, if it is ours; else the queue."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not (parts.scheme or parts.netloc or "\\" in target):
        return target
    return url_for("helpdesk.queue")
