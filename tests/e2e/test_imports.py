"""An admin imports users from a legacy spreadsheet in a real browser:
upload, the column-mapping step, the preview with its report, confirmation,
and the progress bar (a static script polling the job's status, under the
Content Security Policy)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.vocabulary import Role
from tests.builders import make_user
from tests.helpdesk.imports.files import csv_bytes

pytestmark = pytest.mark.browser

PEOPLE = 3000


def legacy_file() -> bytes:
    rows = [["Почта", "ФИО", "Старый код"]]
    rows += [
        [f"user{i}@example.test", f"Пользователь {i}", str(i)] for i in range(PEOPLE)
    ]
    rows.append(["не-адрес", "Без почты", "x"])
    return csv_bytes(rows, encoding="cp1251", delimiter=";")


def test_upload_map_preview_confirm_and_watch_the_progress(
    app, page, given, log_in, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_RUNNER", "thread")
    admin = given(make_user, role=Role.ADMIN)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: (
            violations.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    polls: list[str] = []
    page.on(
        "request", lambda r: polls.append(r.url) if r.url.endswith("/status") else None
    )
    log_in(page, admin)

    page.get_by_text("Administration").click()  # the top bar's drop-down
    page.get_by_role("link", name="Import").click()
    page.get_by_label("What to import").select_option(label="Users")
    page.get_by_label("File").set_input_files(
        files=[{"name": "staff.csv", "mimeType": "text/csv", "buffer": legacy_file()}]
    )
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_role("heading", name="Match the columns")).to_be_visible()
    page.get_by_label("Почта").select_option("email")
    page.get_by_label("ФИО").select_option("name")
    page.get_by_role("button", name="Check again with these columns").click()

    summary = page.locator("#import-summary")
    expect(summary).to_have_text(f"Rows: {PEOPLE + 1}, good: {PEOPLE}, with errors: 1.")
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text(str(PEOPLE + 2))  # the file line of the bad row
    expect(errors).to_contain_text("Not a valid email address.")
    expect(page.get_by_text("Ignored columns: Старый код.")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1

    page.get_by_role("button", name=f"Import {PEOPLE} rows").click()
    expect(page.locator("#import-progress")).to_be_attached()
    result = page.locator("#import-result")
    expect(result).to_have_text(
        f"Imported: {PEOPLE} new, 0 updated, 1 rows with errors skipped.",
        timeout=120_000,
    )
    expect(page).to_have_url(re.compile(r"/admin/imports/\d+$"))
    assert polls, "the progress bar never asked for the job's status"
    assert violations == []
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    assert count == PEOPLE + 1
