"""The audit log: what is recorded (generically for the audited tables,
explicitly for logins and backups), secrets redacted, nothing changeable,
and how admins read it (page with filters, CSV, API)."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from helpdesk.audit import AuditEntry, AuditImmutable, record_audit
from helpdesk.extensions import db
from helpdesk.models import ApiToken, User
from helpdesk.vocabulary import Role
from tests.builders import make_user
from tests.sla.builders import make_policy


def entries(app, action: str | None = None, *, system=False) -> list[AuditEntry]:
    """The entries of ``action`` (all without), but those of the builders
    (the system: they set each user's password hash outside any request)."""
    with app.app_context():
        query = sa.select(AuditEntry).order_by(AuditEntry.id)
        if not system:
            query = query.where(AuditEntry.actor != "system")
        if action:
            query = query.where(AuditEntry.action == action)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        db.session.remove()
    return rows


def all_text(app) -> str:
    """Every value of every audit row, as one string."""
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT * FROM audit_log")).all()
        db.session.remove()
    return repr(rows)


def test_an_admins_role_change_is_logged_with_who_where_and_before_after(
    app, client, given, login
):
    admin = login(given(make_user, role=Role.ADMIN, email="root@example.test"))
    customer = given(make_user, name="Carla")

    response = client.post(
        f"/admin/users/{customer.id}",
        data={"name": "Carla B.", "role": "line1", "active": "true"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )

    assert response.status_code == 302
    [entry] = entries(app, "user.updated")
    assert (entry.actor, entry.actor_id) == ("root@example.test", admin.id)
    assert entry.remote_addr == "203.0.113.7"
    assert (entry.target_type, entry.target_id) == ("users", str(customer.id))
    assert entry.changes == {
        "name": ["Carla", "Carla B."],
        "role": ["customer", "line1"],
    }


def test_password_hashes_and_token_digests_are_never_stored(app, client, given, login):
    login(given(make_user, role=Role.ADMIN))
    client.post(
        "/admin/users/new",
        data={
            "name": "Agent",
            "email": "agent@example.test",
            "role": "line3",
            "password": "a-long-new-password",
            "active": "true",
        },
    )
    client.post("/profile/tokens", data={"name": "ci"})

    [created] = entries(app, "user.created")
    assert created.changes["password_hash"] == [None, "[redacted]"]
    assert created.changes["role"] == [None, "line3"]
    assert created.target_id == str(created.changes["id"][1])
    [token] = entries(app, "token.created")
    assert token.changes["digest"] == [None, "[redacted]"]
    with app.app_context():
        secrets = [
            db.session.scalar(
                sa.select(User.password_hash).where(User.email == "agent@example.test")
            ),
            *db.session.scalars(sa.select(ApiToken.digest)),
        ]
        db.session.remove()
    text = all_text(app)
    assert all(secret not in text for secret in secrets)
    assert "a-long-new-password" not in text


def test_logins_failed_logins_logouts_and_token_revocation_are_logged(
    app, client, given, login, bearer
):
    user = given(make_user, email="sam@example.test")
    client.post(
        "/login",
        data={"email": "sam@example.test", "password": "wrong"},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    client.post("/api/v1/auth/token", json={"email": user.email, "password": "nope"})
    login(user)
    token = bearer.token(user)
    client.post(f"/profile/tokens/{token.id}/revoke")
    client.post("/logout")

    actions = [(e.action, e.actor) for e in entries(app)]
    assert actions == [
        ("login.failed", "anonymous"),
        ("login.failed", "anonymous"),
        ("login.succeeded", "sam@example.test"),
        ("token.revoked", "sam@example.test"),
        ("logout", "sam@example.test"),
    ]
    failed = entries(app, "login.failed")
    assert failed[0].data == {"email": "sam@example.test"}
    assert failed[0].remote_addr == "198.51.100.9"
    assert failed[1].data == {"email": user.email, "via": "api"}


def test_policy_edits_outside_requests_are_logged_as_the_system_or_the_cli(app, runner):
    with app.app_context():
        policy = make_policy(name="Gold")
        db.session.commit()
        policy.resolution_minutes = 240
        db.session.commit()
        record_audit("import.users", data={"rows": 3})
        db.session.commit()
    assert (
        runner.invoke(
            args=[
                "users",
                "create",
                "x@example.test",
                "--name",
                "X",
                "--password",
                "long-enough-1",
            ]
        ).exit_code
        == 0
    )

    with app.app_context():
        [created, updated] = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action.in_(["policy.created", "policy.updated"]))
            .order_by(AuditEntry.id)
        )
        db.session.expunge_all()
    assert created.actor == "system" and created.data == {"label": "Gold"}
    assert updated.changes == {"resolution_minutes": [480, 240]}
    assert entries(app, "import.users", system=True)[0].data == {"rows": 3}
    assert entries(app, "user.created")[-1].actor == "cli"


def test_audit_entries_cannot_be_changed_or_deleted(app):
    with app.app_context():
        entry = record_audit("backup.created", data={"file": "x.tar"})
        db.session.commit()
        entry.action = "nothing"
        with pytest.raises(AuditImmutable):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry.id))
        with pytest.raises(AuditImmutable):
            db.session.flush()
        db.session.rollback()
        for statement in (
            sa.update(AuditEntry).values(action="x"),
            sa.delete(AuditEntry),
            sa.delete(AuditEntry.__table__),
        ):
            with pytest.raises(AuditImmutable):
                db.session.execute(statement)
            db.session.rollback()
        db.session.remove()
    assert [e.action for e in entries(app, system=True)] == ["backup.created"]


def _many_entries(app, clock) -> None:
    with app.app_context():
        for n in range(30):
            record_audit("rule.updated", data={"n": n}, now=clock.now(), actor=None)
        record_audit("login.failed", data={"email": '=HYPERLINK("http://x")'})
        record_audit("policy.updated", data={"n": 99}, now=clock.advance(days=2))
        db.session.commit()


def test_the_audit_page_filters_and_pages_and_exports_csv(
    app, client, given, login, clock
):
    admin = login(given(make_user, role=Role.ADMIN, email="boss@example.test"))
    _many_entries(app, clock)

    page = client.get("/admin/audit?action=rule.*").get_data(as_text=True)
    assert page.count("<code>rule.updated</code>") == 25  # PAGE_SIZE
    older = page.split('href="')[-1] if "cursor=" in page else ""
    assert "cursor=" in older
    page = client.get("/admin/audit?since=2026-11-25").get_data(as_text=True)
    assert "<code>policy.updated</code>" in page
    assert "<code>rule.updated</code>" not in page
    page = client.get(f"/admin/audit?actor={admin.id}").get_data(as_text=True)
    assert "<code>login.succeeded</code>" in page
    assert "<code>rule.updated</code>" not in page
    bad = client.get("/admin/audit?since=yesterday")
    assert bad.status_code == 422

    export = client.get("/admin/audit.csv?action=login.failed")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0][:3] == ["id", "created_at", "actor"]
    assert len(rows) == 2
    assert rows[1][9].startswith("{")  # the JSON cell: no formula either way
    assert all(not cell.startswith("=") for cell in rows[1])
    [exported] = entries(app, "export.audit")
    assert exported.actor == "boss@example.test"
    assert exported.data == {"action": "login.failed"}


def test_the_audit_api_is_for_admins_and_pages_with_cursors(
    app, client, given, bearer, clock
):
    admin = given(make_user, role=Role.ADMIN)
    manager = given(make_user, role=Role.MANAGER)
    _many_entries(app, clock)
    assert client.get("/api/v1/audit", headers=bearer(manager)).status_code == 403

    headers = bearer(admin)
    first = client.get("/api/v1/audit?action=rule.*&limit=20", headers=headers).json
    assert len(first["items"]) == 20 and first["next_cursor"]
    rest = client.get(
        f"/api/v1/audit?action=rule.*&limit=20&cursor={first['next_cursor']}",
        headers=headers,
    ).json
    assert len(rest["items"]) == 10 and rest["next_cursor"] is None
    assert rest["items"][0]["created_at"].endswith("Z")
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 30
    bad = client.get("/api/v1/audit?limit=1000", headers=headers)
    assert bad.status_code == 422 and "limit" in bad.json["error"]["fields"]
    assert "/v1/audit" in client.get("/api/openapi.json").json["paths"]


def test_a_backup_is_logged(app, runner, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))
    assert runner.invoke(args=["backup", "create"]).exit_code == 0
    [entry] = entries(app, "backup.created")
    assert entry.actor == "cli" and entry.data["file"].startswith("helpdesk-")


def test_a_managers_calendar_with_hours_and_holidays_is_logged_until_deleted(
    app, client, given, login
):
    manager = login(given(make_user, role=Role.MANAGER, email="mia@example.test"))
    created = client.post(
        "/sla/calendars/new",
        data={
            "name": "Moscow office",
            "timezone": "Europe/Moscow",
            "intervals": "Mon, 09:00, 18:00",
            "holidays": "2027-01-07, Christmas",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    [calendar] = entries(app, "calendar.created")
    assert (calendar.actor_id, calendar.data["label"]) == (manager.id, "Moscow office")
    assert calendar.changes["timezone"] == [None, "Europe/Moscow"]
    assert len(entries(app, "calendar_hours.created")) == 1
    [holiday] = entries(app, "holiday.created")
    assert holiday.changes["name"] == [None, "Christmas"]

    deleted = client.post(
        f"/sla/calendars/{calendar.target_id}/delete", data={"confirm": "1"}
    )
    assert deleted.status_code == 302
    [gone] = entries(app, "calendar.deleted")
    assert gone.changes["name"] == ["Moscow office", None]
    assert gone.actor == "mia@example.test"
