"""The flask commands a newcomer and an operator use."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import Category, Ticket, User


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (User, Category, Ticket)
        )


def test_demo_load_creates_every_role_and_running_it_again_changes_nothing(
    app, runner, client
):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    for email in (
        "customer@example.com",
        "customer2@example.com",
        "line1@example.com",
        "line2@example.com",
        "line3@example.com",
        "manager@example.com",
        "admin@example.com",
    ):
        assert email in first.output
    after_first = counts(app)
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert counts(app) == after_first
    assert (
        client.post(
            "/login", data={"email": "line1@example.com", "password": "demo"}
        ).status_code
        == 302
    )


def test_users_token_prints_a_working_bearer_token(app, runner, client):
    runner.invoke(
        args=[
            "users",
            "create",
            "ops@example.com",
            "--name",
            "Ops",
            "--role",
            "manager",
            "--password",
            "long-password",
        ]
    )
    result = runner.invoke(args=["users", "token", "ops@example.com"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["role"] == "manager"


def test_users_token_for_an_unknown_email_fails_clearly(runner):
    result = runner.invoke(args=["users", "token", "nobody@example.com"])
    assert result.exit_code != 0
    assert "no user with e-mail nobody@example.com" in result.output
