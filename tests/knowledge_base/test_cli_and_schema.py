"""Demo data, ``flask kb reindex``, and the migration agreeing with the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from helpdesk.extensions import db
from helpdesk.models import User
from knowledge_base.models import Article, CannedResponse, Visibility
from knowledge_base.service import articles as article_service


def kb_counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(*where)
            )
            for model, where in (
                (Article, ()),
                (Article, (Article.visibility == Visibility.INTERNAL,)),
                (CannedResponse, ()),
            )
        )


def test_demo_load_adds_articles_in_both_languages_once(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    articles, internal, canned = kb_counts(app)
    assert articles >= 24 and 3 <= internal < articles and canned >= 3
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert kb_counts(app) == (articles, internal, canned)

    with app.app_context():
        customer = db.session.scalar(
            sa.select(User).where(User.email == "customer@example.com")
        )
        for query, expected in (
            ("принтера", "Принтер"),
            ("паролем", "парол"),
            ("printers", "printer"),
            ("outlook", "Outlook"),
            ("1с ошибка", "1С"),
        ):
            hits = article_service.search_articles(customer, query, limit=5)
            assert hits and expected.lower() in hits[0].article.title.lower(), query
            assert all(h.article.is_public for h in hits)


def test_reindex_restores_the_search_columns(app, runner, given):
    from tests.knowledge_base.builders import make_article

    article = given(make_article, title="Printer jam")
    with app.app_context():
        db.session.execute(sa.update(Article).values(search_title="", search_body=""))
        db.session.commit()

    result = runner.invoke(args=["kb", "reindex"])

    assert result.exit_code == 0 and "reindexed 1 articles" in result.output
    with app.app_context():
        hits = article_service.search_articles(
            db.session.get(Article, article.id).author, "printer", limit=5
        )
        assert [h.article.id for h in hits] == [article.id]


def test_the_migrations_match_the_knowledge_base_models(app):
    """Autogenerate finds nothing to do for kb tables: the hand-written search
    objects (FTS5 tables, tsvector column, GIN index) are filtered out."""
    include_name = app.extensions["migrate"].configure_args["include_name"]
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        diffs = compare_metadata(context, db.metadata)
    kb_diffs = [d for d in diffs if "kb_" in repr(d)]
    assert kb_diffs == []
