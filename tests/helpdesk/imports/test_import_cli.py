"""``flask import`` with real files: encodings, delimiters, bad rows, strict
mode, mappings, dry runs and re-imports."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.imports.models import ImportRef
from helpdesk.models import User
from helpdesk.vocabulary import Role
from tests.builders import make_user
from tests.helpdesk.imports.files import write_csv, write_xlsx

USERS = [
    ["external_id", "email", "name", "role", "organisation"],
    ["U-1", "ivan@example.test", "Иван Петров", "customer", "ООО Ромашка"],
    ["U-2", "not-an-email", "Мария Сидорова", "customer", ""],
    ["U-3", "olga@example.test", "Ольга Смирнова", "line1", "Поддержка"],
]


def users(app) -> dict[str, User]:
    with app.app_context():
        rows = db.session.scalars(sa.select(User))
        return {u.email: (u.name, u.role, u.organisation_name) for u in rows}


def test_cp1251_semicolon_csv_imports_good_rows_and_reports_the_bad_one(
    app, runner, tmp_path
):
    path = write_csv(tmp_path / "users.csv", USERS, encoding="cp1251", delimiter=";")
    result = runner.invoke(args=["import", "users", str(path)])
    assert result.exit_code == 0, result.output
    assert "Line 3, column “email”: Not a valid email address." in result.output
    assert "Imported: 2 new, 0 updated, 1 rows with errors skipped." in result.output
    assert users(app) == {
        "ivan@example.test": ("Иван Петров", Role.CUSTOMER, "ООО Ромашка"),
        # Staff belong to no organisation: the column says nothing for them.
        "olga@example.test": ("Ольга Смирнова", Role.LINE1, None),
    }


def test_the_report_speaks_russian_when_asked(app, runner, tmp_path):
    path = write_csv(tmp_path / "users.csv", USERS, encoding="utf-8-sig")
    result = runner.invoke(args=["import", "users", str(path), "--locale", "ru"])
    assert "Строка 3, столбец «email»" in result.output, result.output


def test_re_import_updates_and_never_duplicates(app, runner, tmp_path):
    path = write_csv(tmp_path / "users.csv", USERS)
    runner.invoke(args=["import", "users", str(path)])
    changed = [row[:] for row in USERS]
    changed[1][2] = "Иван Иванович Петров"
    changed[1][1] = "ivan.petrov@example.test"  # the legacy id finds the same user
    result = runner.invoke(args=["import", "users", str(write_csv(path, changed))])
    assert "Imported: 0 new, 2 updated" in result.output, result.output
    found = users(app)
    assert len(found) == 2
    assert found["ivan.petrov@example.test"][0] == "Иван Иванович Петров"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportRef)) == 2


def test_strict_mode_writes_nothing_when_a_row_is_bad(app, runner, tmp_path):
    path = write_xlsx(tmp_path / "users.xlsx", USERS)
    result = runner.invoke(args=["import", "users", str(path), "--strict"])
    assert result.exit_code == 1
    assert "Nothing written: 2 good rows, 1 rows with errors." in result.output
    assert users(app) == {}


def test_dry_run_reports_and_writes_nothing(app, runner, tmp_path):
    path = write_xlsx(tmp_path / "users.xlsx", USERS[:2])
    result = runner.invoke(args=["import", "users", str(path), "--dry-run"])
    assert "Nothing written: 1 good rows, 0 rows with errors." in result.output
    assert users(app) == {}


def test_a_mapping_names_the_fields_of_other_headers(app, runner, tmp_path):
    rows = [["Почта", "ФИО", "Старое поле"], ["anna@example.test", "Анна", "x"]]
    path = write_csv(tmp_path / "users.csv", rows, encoding="cp1251")
    refused = runner.invoke(args=["import", "users", str(path)])
    assert refused.exit_code != 0
    assert "No column for the required fields: email, name" in refused.output
    result = runner.invoke(
        args=["import", "users", str(path), "--mapping", "Почта=email,ФИО=name"]
    )
    assert "Imported: 1 new" in result.output, result.output
    assert users(app)["anna@example.test"][0] == "Анна"


def test_organisations_set_the_users_field_by_e_mail(app, runner, given, tmp_path):
    given(make_user, email="ivan@example.test")
    rows = [
        ["email", "organisation"],
        ["IVAN@example.test", "АО Вектор"],
        ["nobody@example.test", "ООО Ромашка"],
    ]
    path = write_csv(tmp_path / "orgs.csv", rows)
    result = runner.invoke(args=["import", "organisations", str(path)])
    assert "Line 3, column “email”: No user has this e-mail." in result.output
    assert users(app)["ivan@example.test"][2] == "АО Вектор"


def test_an_unreadable_file_is_refused_with_a_reason(app, runner, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    result = runner.invoke(args=["import", "users", str(path)])
    assert result.exit_code != 0
    assert "not a readable XLSX workbook" in result.output


def test_an_import_and_an_export_are_in_the_audit_log(app, runner, tmp_path):
    from helpdesk.audit.models import AuditEntry

    path = write_csv(tmp_path / "users.csv", USERS)
    runner.invoke(args=["import", "users", str(path)])
    runner.invoke(args=["export", "all", str(tmp_path / "all.json")])
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action.in_(["import.users", "export.all"]))
            .order_by(AuditEntry.id)
        ).all()
        assert [e.action for e in entries] == ["import.users", "export.all"]
        assert entries[0].data | {"file": None} == {
            "file": None,
            "created": 2,
            "updated": 0,
            "bad_rows": 1,
            "strict": False,
        }
