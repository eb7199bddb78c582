"""The admin import pages: upload, preview with the report, mapping step,
confirmation, progress and templates."""

from __future__ import annotations

import io

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.imports.models import ImportJob
from helpdesk.imports.reading import read_table
from helpdesk.models import User
from helpdesk.vocabulary import Role
from tests.builders import make_user
from tests.helpdesk.imports.files import csv_bytes, xlsx_bytes

USERS = [
    ["email", "name"],
    ["ivan@example.test", "Иван Петров"],
    ["broken", "Мария"],
]


def upload(client, content: bytes, filename: str, kind="users", **form):
    return client.post(
        "/admin/imports",
        data={"kind": kind, "file": (io.BytesIO(content), filename), **form},
        content_type="multipart/form-data",
    )


def emails(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(User.email)))


def test_upload_preview_confirm_imports_the_good_rows(app, client, given, login):
    login(given(make_user, role=Role.ADMIN, email="admin@example.test"))
    response = upload(client, csv_bytes(USERS, encoding="utf-8-sig"), "users.csv")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Rows: 2, good: 1, with errors: 1." in page
    assert "Not a valid email address." in page
    assert emails(app) == {"admin@example.test"}  # nothing written yet
    job_id = int(response.location.rsplit("/", 1)[1])
    confirmed = client.post(f"/admin/imports/{job_id}/confirm")
    assert confirmed.status_code == 302
    assert client.get(f"/admin/imports/{job_id}/status").json == {
        "status": "done",
        "total_rows": 2,
        "done_rows": 2,
        "written_rows": 1,
    }
    assert emails(app) == {"admin@example.test", "ivan@example.test"}
    done = client.get(f"/admin/imports/{job_id}").get_data(as_text=True)
    assert "Imported: 1 new, 0 updated, 1 rows with errors skipped." in done
    assert client.post(f"/admin/imports/{job_id}/confirm").status_code == 409


def test_the_report_is_in_the_admins_language(app, client, given, login):
    login(given(make_user, role=Role.ADMIN, locale="ru"))
    response = upload(
        client, csv_bytes(USERS, encoding="cp1251", delimiter=";"), "u.csv"
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "Некорректный адрес электронной почты." in page


def test_strict_mode_refuses_to_confirm_a_file_with_bad_rows(app, client, given, login):
    login(given(make_user, role=Role.ADMIN))
    response = upload(client, xlsx_bytes(USERS), "users.xlsx", strict="true")
    job_id = int(response.location.rsplit("/", 1)[1])
    assert "Strict mode" in client.get(response.location).get_data(as_text=True)
    assert client.post(f"/admin/imports/{job_id}/confirm").status_code == 409


def test_headers_that_differ_go_through_the_mapping_step(app, client, given, login):
    login(given(make_user, role=Role.ADMIN))
    rows = [["Почта", "ФИО"], ["anna@example.test", "Анна"]]
    response = upload(client, xlsx_bytes(rows), "people.xlsx")
    page = client.get(response.location).get_data(as_text=True)
    assert "Match the columns" in page
    job_id = int(response.location.rsplit("/", 1)[1])
    client.post(
        f"/admin/imports/{job_id}/mapping",
        data={"column-0": "email", "column-1": "name"},
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "Rows: 1, good: 1, with errors: 0." in page
    client.post(f"/admin/imports/{job_id}/confirm")
    assert "anna@example.test" in emails(app)


def test_an_upload_without_a_file_names_the_field(app, client, given, login):
    login(given(make_user, role=Role.ADMIN))
    response = client.post("/admin/imports", data={"kind": "users"})
    assert response.status_code == 422
    assert "Choose a CSV or XLSX file." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportJob)) == 0


def test_each_kind_has_a_template_that_imports_as_it_is(app, client, given, login):
    login(given(make_user, role=Role.ADMIN))
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/admin/imports/templates/tickets.{fmt}")
        assert response.status_code == 200
        table = read_table(response.data, f"t.{fmt}")
        assert table.headers[:3] == ["external_id", "number", "subject"]
        [(line, row)] = list(table.rows)
        assert line == 2 and row["subject"] == "Не печатает принтер"
