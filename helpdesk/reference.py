"""The core's reference data from the per-process cache (``helpdesk.refcache``):
categories by code and the active staff by role, for the intake and the
notifications that every new ticket sends."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from helpdesk import refcache
from helpdesk.extensions import db
from helpdesk.models import Category, User
from helpdesk.vocabulary import STAFF_ROLES, Role


def _load_categories(session: Session) -> dict[str, Category]:
    return {c.code: c for c in session.scalars(sa.select(Category))}


def category_by_code(code: str) -> Category | None:
    """The category (active or not) in this session, or None; no query once cached."""
    category = refcache.cached("categories", _load_categories).get(code)
    return refcache.attach(category) if category is not None else None


def _load_staff(session: Session) -> dict[Role, list[User]]:
    staff: dict[Role, list[User]] = {}
    for user in session.scalars(
        sa.select(User)
        .where(User.active.is_(True), User.role.in_(STAFF_ROLES))
        .order_by(User.id)
    ):
        staff.setdefault(user.role, []).append(user)
    return staff


def active_staff(role: Role) -> list[User]:
    """The active users of a staff role in id order, in this session."""
    users = refcache.cached("staff", _load_staff).get(role, [])
    return [refcache.attach(user) for user in users]


def users_by_ids(ids: list[int]) -> list[User]:
    """These users in this session, in this order: active staff from the
    cache, anyone else by primary key (identity map, else one read each)."""
    staff = {
        user.id: user
        for users in refcache.cached("staff", _load_staff).values()
        for user in users
    }
    found = []
    for user_id in ids:
        user = staff.get(user_id)
        user = refcache.attach(user) if user else db.session.get(User, user_id)
        if user is not None:
            found.append(user)
    return found


# What a login, a logout or a password change touches; nothing cached reads it.
_PRIVATE_TO_THE_ACCOUNT = frozenset(
    {"session_version", "password_hash", "lookup_text", "phone_e164", "phone_reversed"}
)


def _staff_change(user: User) -> bool:
    # Customers come and go (sign-up, mail in) without touching the cache.
    # (a role it had before: an agent who became a customer)
    state = sa.inspect(user)
    if state.persistent and not state.deleted:
        changed = {a.key for a in state.attrs if a.history.has_changes()}
        if changed <= _PRIVATE_TO_THE_ACCOUNT:
            return False
    return user.is_staff or bool(state.attrs.role.history.deleted)


def init_app(app) -> None:
    refcache.init_app(app)
    refcache.watch(Category)
    refcache.watch(User, _staff_change)
