"""Undo for the operations people get wrong (status changes, assignments and
other field changes, moves between lines, merges, bulk actions, public
replies): ``models`` holds the record of each operation, ``snapshot`` the
state it saves and puts back, ``service`` the one way to begin, finish and
undo one. Pages offer it in their flash message (``helpdesk.views.undo``),
the API answers ``"undo": "/api/v1/undo/{id}"``.
"""

from __future__ import annotations

from helpdesk.undo.models import UndoAction, UndoKind
from helpdesk.undo.service import Outcome, api_path, begin, finish, undo

__all__ = ["Outcome", "UndoAction", "UndoKind", "api_path", "begin", "finish", "undo"]
