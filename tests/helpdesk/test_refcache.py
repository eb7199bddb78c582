"""The per-process cache of reference data: a change made through one app
instance is seen by another on the same database at its next transaction,
because the change writes a new stamp in its own transaction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import create_app
from config import TestingConfig
from helpdesk import refcache
from helpdesk.extensions import db
from helpdesk.models import Category, User
from helpdesk.reference import active_staff, category_by_code
from helpdesk.runtime_models import CacheStamp
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_user


@pytest.fixture
def other_app(app):
    """A second instance (another worker or the scheduler) on the same database."""
    other = create_app(
        TestingConfig,
        clock=app.extensions["clock"],
        overrides={"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
    )
    yield other
    with other.app_context():
        db.engine.dispose()


def _stamp(app) -> str | None:
    with app.app_context():
        value = db.session.scalar(sa.select(CacheStamp.value))
        db.session.remove()
    return value


def _name_in(app, code: str) -> str | None:
    with app.app_context():
        category = category_by_code(code)
        name = category.name_en if category else None
        db.session.remove()
    return name


def test_an_edit_through_one_instance_is_seen_by_the_other(app, other_app, given):
    given(make_category, "access", name_en="Access")
    assert _name_in(other_app, "access") == "Access"
    assert _name_in(app, "access") == "Access"
    before = _stamp(app)

    with other_app.app_context():
        category = db.session.scalar(
            sa.select(Category).where(Category.code == "access")
        )
        category.name_en = "Access and passwords"
        db.session.commit()

    assert _stamp(app) != before
    assert _name_in(app, "access") == "Access and passwords"


def test_a_cached_value_is_served_without_a_query_until_the_stamp_moves(app, given):
    given(make_category, "access")
    with app.app_context():
        first = refcache.cached("categories", lambda s: object())
        again = refcache.cached("categories", lambda s: object())
        db.session.remove()
    assert first is again


def test_a_rolled_back_edit_leaves_the_stamp_and_the_cache_alone(app, given):
    given(make_category, "access", name_en="Access")
    assert _name_in(app, "access") == "Access"
    before = _stamp(app)
    with app.app_context():
        category_by_code("access").name_en = "Changed"
        db.session.flush()
        # This transaction sees its own change...
        assert category_by_code("access").name_en == "Changed"
        db.session.rollback()
        db.session.remove()
    # ...nobody else ever does.
    assert _stamp(app) == before
    assert _name_in(app, "access") == "Access"


def test_new_customers_do_not_invalidate_but_a_new_agent_does(app, other_app, given):
    given(make_user, role=Role.LINE2)
    with other_app.app_context():
        assert len(active_staff(Role.LINE2)) == 1
        db.session.remove()
    stamp = _stamp(app)
    given(make_user, role=Role.CUSTOMER)
    assert _stamp(app) == stamp
    given(make_user, role=Role.LINE2)
    assert _stamp(app) != stamp
    with other_app.app_context():
        assert len(active_staff(Role.LINE2)) == 2
        assert all(isinstance(u, User) for u in active_staff(Role.LINE2))
        db.session.remove()


# --- what the intake reads: SLA policies and the rule book -------------------------


def _intake(app, headers) -> dict:
    response = app.test_client().post(
        "/api/v1/tickets",
        json={"subject": "VPN", "description": "Down.", "category": "access"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_policy_and_rule_edits_through_one_worker_reach_the_others_intake(
    app, other_app, given, bearer
):
    from routing.models import RoutingRule
    from sla.models import SlaPolicy
    from tests.routing.builders import make_rule
    from tests.sla.builders import make_policy

    given(make_category, "access")
    given(make_policy, first_response_minutes=60, resolution_minutes=480)
    given(make_rule, actions=[{"type": "set_line", "line": 2}])
    headers = bearer(given(make_user, role=Role.CUSTOMER))
    first = _intake(app, headers)  # cached here now
    assert first["line"] == 2
    assert {c["business_seconds_left"] for c in first["sla"]} == {3600, 480 * 60}

    with other_app.app_context():
        db.session.scalar(sa.select(SlaPolicy)).first_response_minutes = 30
        db.session.scalar(sa.select(RoutingRule)).enabled = False
        db.session.commit()

    second = _intake(app, headers)
    assert second["line"] == 1
    assert {c["business_seconds_left"] for c in second["sla"]} == {1800, 480 * 60}
