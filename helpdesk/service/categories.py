"""Categories, managed by admins: a code (fixed once created: rules,
policies and imports name it), a name in each language, the line its new
tickets start on, and whether it is offered on the forms. A category is
never deleted - tickets, articles and history keep it - only deactivated."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from helpdesk.errors import Conflict, NotFound
from helpdesk.extensions import db
from helpdesk.models import Category, User
from helpdesk.service.accounts import require_admin


def all_categories() -> list[Category]:
    """Every category, the active first, by code (an admin's list)."""
    return list(
        db.session.scalars(
            sa.select(Category).order_by(Category.active.desc(), Category.code)
        )
    )


def get_category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(_l("Category not found."))
    return category


def create_category(data: dict, *, actor: User) -> Category:
    require_admin(actor)
    taken = db.session.scalar(
        sa.select(Category.id).where(Category.code == data["code"])
    )
    if taken is not None:
        message = _l("A category with this code exists already.")
        raise Conflict(message, fields={"code": [message]})
    category = Category(code=data["code"], active=True, default_line=1)
    _apply(category, data)
    db.session.add(category)
    db.session.flush()
    return category


def update_category(category: Category, data: dict, *, actor: User) -> Category:
    """Rename, move its new tickets to another line, (de)activate; the code stays."""
    require_admin(actor)
    _apply(category, data)
    db.session.flush()
    return category


def _apply(category: Category, data: dict) -> None:
    for field in ("name_en", "name_ru", "default_line", "active"):
        if field in data:
            setattr(category, field, data[field])
