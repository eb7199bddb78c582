"""Builders for routing data: plain functions that add and flush."""

from __future__ import annotations

import itertools

from helpdesk.models import User
from helpdesk.vocabulary import Role
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


def make_task(ticket, *, done_by=None, **fields):
    """A process task on ``ticket`` (a snapshot or a model), as a rule's
    ``start_process`` would create it; done when ``done_by`` is given."""
    from datetime import timedelta

    from helpdesk.extensions import db
    from routing.models import RoutingTask

    data = {
        "ticket_id": ticket.id,
        "rule_name": "Process rule",
        "title": "Call the customer back",
        "line": 2,
        "due_at": _AT + timedelta(minutes=60),
        "created_at": _AT,
    } | fields
    if done_by is not None:
        data |= {"done_at": _AT, "done_by_id": done_by.id}
    task = RoutingTask(**data)
    db.session.add(task)
    db.session.flush()
    return task
