"""Opaque keyset cursors: ``{"items": [...], "next_cursor": "..." | null}``."""

from __future__ import annotations

import base64
import binascii

from flask_babel import lazy_gettext as _l

from helpdesk.errors import InvalidInput


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix == "id" and value.isdigit():
            return int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput(
        _l("Invalid cursor."), fields={"cursor": [_l("Invalid cursor.")]}
    )


def page(rows: list, limit: int) -> tuple[list, str | None]:
    """Split a ``limit + 1`` fetch into the page and the cursor of the next one."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].id)
    return rows, None
