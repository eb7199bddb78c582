"""An agent's saved queue views: a name for a set of /queue filters."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk.errors import Conflict, InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.search.models import SavedView

# What a view keeps of the queue's query string (never the page it was on).
FILTER_KEYS = (
    "line",
    "status",
    "priority",
    "category",
    "assignee",
    "tag",
    "organization",
    "created_from",
    "created_to",
    "sort",
)
MAX_VIEWS = 50


def list_views(owner: User) -> list[SavedView]:
    return list(
        db.session.scalars(
            sa.select(SavedView)
            .where(SavedView.owner_id == owner.id)
            .order_by(SavedView.name, SavedView.id)
            .limit(MAX_VIEWS)
        )
    )


def save_view(owner: User, name: str, filters: dict, *, now: datetime) -> SavedView:
    """Keep ``filters`` (already checked by the queue's schema) as ``name``;
    a name is unique per agent."""
    name = name.strip()
    if not 1 <= len(name) <= 80:
        message = _l("Name the view in 1 to 80 characters.")
        raise InvalidInput(message, fields={"name": [message]})
    taken = db.session.scalar(
        sa.select(SavedView.id).where(
            SavedView.owner_id == owner.id, SavedView.name == name
        )
    )
    if taken is not None:
        message = _l("You already have a view of that name.")
        raise Conflict(message, fields={"name": [message]})
    count = db.session.scalar(
        sa.select(sa.func.count()).where(SavedView.owner_id == owner.id)
    )
    if count >= MAX_VIEWS:
        message = _l("You have %(n)s saved views; delete one first.", n=MAX_VIEWS)
        raise InvalidInput(message, fields={"name": [message]})
    kept = {k: str(v) for k, v in filters.items() if k in FILTER_KEYS and v != ""}
    view = SavedView(owner_id=owner.id, name=name, filters=kept, created_at=now)
    db.session.add(view)
    db.session.flush()
    return view


def delete_view(owner: User, view_id: int) -> None:
    view = db.session.get(SavedView, view_id)
    if view is None or view.owner_id != owner.id:
        raise NotFound(_l("Saved view not found."))
    db.session.delete(view)
    db.session.flush()
