"""Opaque keyset cursors: ``{"items": [...], "next_cursor": "..." | null}``.

A cursor is the sort key of the last row of a page (an id, or for example a
due time and an id), JSON-encoded in URL-safe base64. Clients pass it back
unchanged; a forged or damaged cursor is a 422 naming ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l

from helpdesk.db import MAX_ID
from helpdesk.errors import InvalidInput

KeyPart = int | float | datetime | None


def encode_cursor(*key: KeyPart) -> str:
    parts = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_key(cursor: str | None, *types: type) -> tuple | None:
    """The key a cursor holds, checked against ``types`` (``int``, ``float``
    or ``datetime``; any part may be None); None when there is no cursor."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        if isinstance(parts, list) and len(parts) == len(types):
            return tuple(_part(p, t) for p, t in zip(parts, types, strict=True))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, RecursionError):
        pass
    message = _l("Invalid cursor.")
    raise InvalidInput(message, fields={"cursor": [message]})


def _part(value, kind: type) -> KeyPart:
    if value is None:
        return None
    # A forged cursor may hold any number; the database binds 64 bits.
    if (
        kind is int
        and isinstance(value, int)
        and not isinstance(value, bool)
        and -MAX_ID - 1 <= value <= MAX_ID
    ):
        return value
    # A search score; JSON carries a double exactly.
    if (
        kind is float
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    ):
        return float(value)
    if kind is datetime and isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is not None:
            return parsed
    raise ValueError("cursor part of the wrong type")


def decode_cursor(cursor: str | None) -> int | None:
    """The last id of an id-ordered page."""
    key = decode_key(cursor, int)
    if key is not None and key[0] is None:
        raise InvalidInput(
            _l("Invalid cursor."), fields={"cursor": [_l("Invalid cursor.")]}
        )
    return key[0] if key else None


def page(
    rows: list, limit: int, key: Callable[[object], tuple] = lambda row: (row.id,)
) -> tuple[list, str | None]:
    """Split a ``limit + 1`` fetch into the page and the cursor of the next one."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(*key(rows[-1]))
    return rows, None
