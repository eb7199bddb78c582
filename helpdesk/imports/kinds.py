"""What every kind of import provides, and the application's list of them.

A kind names its columns (documented in the README and in its template),
loads one row with a marshmallow schema, checks a batch of loaded rows
against the database in a fixed number of queries, and writes a batch.
The core registers ``users``, ``organisations`` and ``tickets``; other
packages add theirs (``knowledge_base`` adds ``articles``) with ``add_kind``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from marshmallow import Schema

from helpdesk.models import User

# (file line, loaded data) of one row
Row = tuple[int, dict[str, Any]]
# (file line, field, message id, params) of one problem found by ``check``
Problem = tuple[int, str, str, dict[str, Any]]


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str  # a lazy message: shown on the page and in the template
    example: str


@dataclass(frozen=True)
class Outcome:
    created: int = 0
    updated: int = 0


@dataclass
class Kind:
    """``check(rows, context)`` returns the rows' problems; it may add
    resolved ids to each row's data for ``write(rows, context)``, which
    flushes and never commits. ``context`` is the run's: ``actor``, ``now``
    and a ``cache`` dict shared by the batches of one pass."""

    name: str
    title: str  # lazy message
    columns: tuple[Column, ...]
    schema: Callable[[], Schema]
    check: Callable[[list[Row], RunContext], list[Problem]]
    write: Callable[[list[Row], RunContext], Outcome]
    # The column whose value must be unique within the file (the external id).
    key: str | None = None

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


@dataclass
class RunContext:
    actor: User | None
    now: datetime
    cache: dict[str, Any] = field(default_factory=dict)


def add_kind(app: Flask, kind: Kind) -> None:
    app.extensions.setdefault("helpdesk.imports", {})[kind.name] = kind


def kinds(app: Flask | None = None) -> dict[str, Kind]:
    return (app or current_app).extensions.get("helpdesk.imports", {})


def get_kind(name: str) -> Kind | None:
    return kinds().get(name)
