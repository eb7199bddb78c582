"""Helpers of the account tests (sessions, password reset, invitations)."""

from __future__ import annotations

import re

from helpdesk.outbox import OutboxMessage


def stolen_cookie(client) -> str:
    """The value of the client's session cookie, as someone could copy it."""
    return client.get_cookie("session").value


def assert_login_page(response) -> None:
    assert response.status_code == 302, response.status_code
    assert response.location.startswith("/login")


def link_in(message: OutboxMessage, path: str) -> str:
    """The path of the first link in a queued mail that starts with ``path``."""
    body = message.body
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]+)", body)
    assert match, body
    return match.group(1)
