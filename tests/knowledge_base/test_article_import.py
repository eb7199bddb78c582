"""``flask import articles``: a legacy wiki's articles, versioned on re-import."""

from __future__ import annotations

import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from knowledge_base.models import Article
from tests.builders import make_category, make_user
from tests.helpdesk.imports.files import write_csv

ROWS = [
    ["external_id", "title", "body", "category", "tags", "visibility", "author"],
    [
        "KB-1",
        "Как подключить принтер",
        "Откройте **Параметры**.",
        "hardware",
        "printer",
        "public",
        "agent@example.test",
    ],
    ["KB-2", "Без автора", "Текст", "hardware", "", "public", "customer@example.test"],
    ["KB-3", "Неизвестная категория", "Текст", "nope", "", "public", ""],
]


def articles(app) -> dict:
    with app.app_context():
        rows = db.session.scalars(sa.select(Article))
        return {a.title: (a.version, a.body_html.strip(), a.author.email) for a in rows}


def test_articles_import_and_re_import_as_new_versions(app, runner, given, tmp_path):
    given(make_category, "hardware")
    given(make_user, role=Role.LINE2, email="agent@example.test")
    given(make_user, email="customer@example.test")
    path = write_csv(tmp_path / "kb.csv", ROWS, encoding="cp1251", delimiter="\t")
    result = runner.invoke(args=["import", "articles", str(path)])
    assert (
        "Line 3, column “author”: The author must be an agent's e-mail."
        in result.output
    )
    assert "Line 4, column “category”: Unknown category." in result.output
    assert articles(app) == {
        "Как подключить принтер": (
            1,
            "<p>Откройте <strong>Параметры</strong>.</p>",
            "agent@example.test",
        )
    }
    runner.invoke(args=["import", "articles", str(path)])
    assert articles(app)["Как подключить принтер"][0] == 1  # nothing changed
    ROWS_V2 = [ROWS[0], [*ROWS[1][:2], "Откройте «Пуск».", *ROWS[1][3:]]]
    result = runner.invoke(args=["import", "articles", str(write_csv(path, ROWS_V2))])
    assert "0 new, 1 updated" in result.output
    assert articles(app)["Как подключить принтер"][:2] == (2, "<p>Откройте «Пуск».</p>")
