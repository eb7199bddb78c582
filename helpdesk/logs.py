"""Logging: plain text lines, or one JSON object per line (``LOG_FORMAT=json``,
for a log shipper), each with the request id of the request it belongs to.

The request id is the correlation id of one request: taken from the reverse
proxy's ``X-Request-ID`` when it sends a sane one (so its access log and ours
agree), else made here; answered in the ``X-Request-ID`` header, shown on
error pages and in API errors, so a user's report leads to the log lines.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
# What a proxy may hand us: nginx's $request_id (32 hex), a UUID, similar.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = ("levelname", "name", "message", "request_id")
JSON_RENAMES = {"levelname": "level", "name": "logger"}


def request_id() -> str:
    """This request's id, made on first use (an error may come before any
    before_request hook has run)."""
    if "request_id" not in g:
        offered = request.headers.get(HEADER, "")
        g.request_id = offered if _SANE_ID.match(offered) else uuid.uuid4().hex
    return g.request_id


def current_request_id() -> str | None:
    return request_id() if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` ("-" outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        # "time": the record's instant in UTC, ISO 8601; a record's extra
        # fields and its traceback ("exc_info") join the object.
        return JsonFormatter(
            list(JSON_FIELDS),
            rename_fields=JSON_RENAMES,
            timestamp="time",
            json_ensure_ascii=False,
        )
    return logging.Formatter(TEXT_FORMAT)


class _OurHandler(logging.StreamHandler):
    """The root handler this module installs (and replaces on a new app)."""


def configure(log_format: str, level: str = "INFO") -> logging.Handler:
    """One handler on the root logger, to standard error, in ``log_format``
    (``json`` or ``text``). Idempotent: a second app in the process (tests)
    replaces it instead of doubling every line."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
    handler = _OurHandler()
    handler.setFormatter(formatter(log_format))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def init_app(app: Flask) -> None:
    app.after_request(_answer_request_id)


def _answer_request_id(response: Response) -> Response:
    response.headers.setdefault(HEADER, request_id())
    return response
