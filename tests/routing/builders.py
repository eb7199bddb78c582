"""Builders for routing data: plain functions that add and flush."""

from __future__ import annotations

import itertools

from helpdesk.models import Role, User
from routing.models import RoutingRule
from routing.service import rulebook
from tests.builders import _AT, make_user

_sequence = itertools.count(1)


def make_rule(*, actor: User | None = None, **fields) -> RoutingRule:
    """A rule through the service (validated), by default on ticket creation."""
    data = {
        "name": f"rule {next(_sequence)}",
        "trigger": "ticket_created",
        "conditions": [],
        "actions": [{"type": "set_line", "line": 2}],
    } | fields
    return rulebook.create_rule(
        data, actor=actor or make_user(role=Role.ADMIN), now=_AT
    )
