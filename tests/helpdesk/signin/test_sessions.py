"""The profile lists the user's open sessions (browser, address, since, last
seen) and their API tokens; ending a session ends it on the server."""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from helpdesk.extensions import db
from helpdesk.signin.jobs import prune_job
from helpdesk.signin.models import UserSession
from tests.builders import PASSWORD, make_session, make_user
from tests.helpdesk.accounts_support import assert_login_page, stolen_cookie

FIREFOX = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


def _log_in(client, user, **kwargs):
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, **kwargs
    )
    assert response.status_code == 302
    return client


def _session_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"/profile/sessions/(\d+)/revoke", page)]


def test_the_profile_lists_sessions_and_ending_one_ends_it_on_the_server(
    app, client, given, bearer
):
    user = given(make_user)
    laptop = _log_in(
        app.test_client(),
        user,
        headers=FIREFOX,
        environ_base={"REMOTE_ADDR": "203.0.113.5"},
    )
    _log_in(client, user)
    bearer.token(user)

    page = client.get("/profile").get_data(as_text=True)

    assert "Firefox/140.0" in page and "203.0.113.5" in page
    assert "this browser" in page
    assert 'id="api-tokens"' not in page  # customers hold no tokens here
    laptops, mine = sorted(_session_ids(page))
    response = client.post(f"/profile/sessions/{laptops}/revoke")
    assert response.status_code == 302
    assert_login_page(laptop.get("/tickets"))
    assert client.get("/tickets").status_code == 200
    assert _session_ids(client.get("/profile").get_data(as_text=True)) == [mine]


def test_ending_this_browsers_session_logs_it_out(app, client, given):
    user = given(make_user)
    _log_in(client, user)
    cookie = stolen_cookie(client)
    [mine] = _session_ids(client.get("/profile").get_data(as_text=True))

    assert_login_page(client.post(f"/profile/sessions/{mine}/revoke"))

    copied = app.test_client()
    copied.set_cookie("session", cookie)
    assert_login_page(copied.get("/tickets"))


def test_another_persons_session_is_not_found(app, client, given):
    theirs = given(make_session, given(make_user))
    _log_in(client, given(make_user))

    assert client.post(f"/profile/sessions/{theirs.id}/revoke").status_code == 404
    with app.app_context():
        assert db.session.get(UserSession, theirs.id) is not None


def test_staff_see_their_tokens_beside_their_sessions(app, client, given, bearer):
    from helpdesk.vocabulary import Role

    agent = given(make_user, role=Role.LINE2)
    bearer.token(agent)
    _log_in(client, agent)

    page = client.get("/profile").get_data(as_text=True)

    assert 'id="api-tokens"' in page and 'id="sessions"' in page
    assert "/profile/tokens/" in page


def test_a_new_password_keeps_this_session_row_and_deletes_the_others(
    app, client, given
):
    user = given(make_user)
    given(make_session, user)
    _log_in(client, user)

    client.post("/profile", data={"name": user.name, "password": "a-new-password"})

    assert len(_session_ids(client.get("/profile").get_data(as_text=True))) == 1


def test_last_seen_is_written_at_most_every_few_minutes(app, client, given, clock):
    user = given(make_user)
    _log_in(client, user)
    started = clock.now()

    clock.advance(seconds=app.config["SESSION_TOUCH_SECONDS"] - 1)
    client.get("/tickets")
    with app.app_context():
        assert db.session.scalar(sa.select(UserSession.last_seen_at)) == started
    clock.advance(seconds=1)
    client.get("/tickets")
    with app.app_context():
        assert db.session.scalar(sa.select(UserSession.last_seen_at)) == clock.now()


def test_a_session_unseen_for_the_idle_days_has_ended_and_is_pruned(
    app, client, given, clock
):
    user = given(make_user)
    _log_in(client, user)
    given(make_session, user)  # seen at the builders' instant, long before

    clock.advance(days=app.config["SESSION_IDLE_DAYS"])
    assert_login_page(client.get("/tickets"))

    assert prune_job(app) == 2
    assert prune_job(app) == 0  # idempotent


def test_the_migration_matches_the_sign_in_models(app):
    include_name = app.extensions["migrate"].configure_args["include_name"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diffs = compare_metadata(context, db.metadata)
    names = ("user_sessions", "two_factor", "recovery_codes", "rate_limits")
    assert [d for d in diffs if any(n in repr(d) for n in names)] == []
