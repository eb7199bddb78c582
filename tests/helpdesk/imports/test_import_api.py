"""Imports through the API: the admin page's steps, for programs."""

from __future__ import annotations

import io

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.vocabulary import Role
from tests.builders import make_user
from tests.helpdesk.imports.files import csv_bytes
from tests.security.support import error_of

USERS = [
    ["email", "name"],
    ["ivan@example.test", "Иван Петров"],
    ["broken", "Мария"],
]


def upload(client, headers, content: bytes, filename="users.csv", **form):
    return client.post(
        "/api/v1/imports",
        data={"kind": "users", "file": (io.BytesIO(content), filename)} | form,
        headers=headers,
        content_type="multipart/form-data",
    )


def emails(app) -> set[str]:
    with app.app_context():
        found = set(db.session.scalars(sa.select(User.email)))
        db.session.remove()
    return found


def test_an_admin_uploads_reads_the_report_and_confirms(app, client, given, bearer):
    admin = given(make_user, role=Role.ADMIN, email="admin@example.test")
    headers = bearer(admin)

    checked = upload(client, headers, csv_bytes(USERS, encoding="utf-8-sig"))

    assert checked.status_code == 201, checked.json
    assert checked.json["status"] == "uploaded" and checked.json["can_confirm"]
    report = checked.json["report"]
    assert (report["total_rows"], report["bad_rows"]) == (2, 1)
    assert report["errors"] == [
        {"line": 3, "column": "email", "message": "Not a valid email address."}
    ]
    assert emails(app) == {"admin@example.test"}  # nothing written yet

    path = f"/api/v1/imports/{checked.json['id']}"
    done = client.post(f"{path}/confirmations", headers=headers)
    again = client.post(f"{path}/confirmations", headers=headers)

    assert done.status_code == 201, done.json
    assert done.json["status"] == "done" and done.json["written_rows"] == 1
    assert emails(app) == {"admin@example.test", "ivan@example.test"}
    assert again.status_code == 409
    assert client.get(path, headers=headers).json["status"] == "done"


def test_columns_with_other_headers_are_mapped_then_checked(app, client, given, bearer):
    headers = bearer(given(make_user, role=Role.ADMIN))
    rows = [["E-mail address", "Full name"], ["olga@example.test", "Ольга"]]

    checked = upload(client, headers, csv_bytes(rows))
    job = checked.json
    bad = client.post(
        f"/api/v1/imports/{job['id']}/mappings",
        json={"columns": {"E-mail address": "salary"}},
        headers=headers,
    )
    mapped = client.post(
        f"/api/v1/imports/{job['id']}/mappings",
        json={"columns": {"E-mail address": "email", "Full name": "name"}},
        headers=headers,
    )

    assert job["report"]["needs_mapping"] is True and not job["can_confirm"]
    assert job["columns"] == ["E-mail address", "Full name"]
    assert bad.status_code == 422 and "E-mail address" in error_of(bad)["fields"]
    assert mapped.status_code == 201, mapped.json
    assert mapped.json["can_confirm"] and mapped.json["report"]["bad_rows"] == 0


def test_bad_uploads_name_the_field_and_imports_are_for_admins(client, given, bearer):
    headers = bearer(given(make_user, role=Role.ADMIN))
    manager = bearer(given(make_user, role=Role.MANAGER))

    no_file = client.post(
        "/api/v1/imports",
        data={"kind": "users"},
        headers=headers,
        content_type="multipart/form-data",
    )
    bad_kind = upload(client, headers, csv_bytes(USERS), kind="planets")
    by_manager = upload(client, manager, csv_bytes(USERS))
    listed_by_manager = client.get("/api/v1/imports", headers=manager)

    assert no_file.status_code == 422 and "file" in error_of(no_file)["fields"]
    assert bad_kind.status_code == 422 and "kind" in error_of(bad_kind)["fields"]
    assert by_manager.status_code == 403 and listed_by_manager.status_code == 403
