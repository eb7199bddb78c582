"""``flask kb reindex``: rebuild the search columns and index."""

from __future__ import annotations

import logging

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from helpdesk.extensions import db
from knowledge_base import SEARCH_TABLE, search
from knowledge_base.models import Article

log = logging.getLogger(__name__)
kb_cli = AppGroup("kb", help="Knowledge base.")


@kb_cli.command("reindex")
def reindex() -> None:
    """Re-stem every article into its search columns (after a stemmer or
    stop-word change) and, on SQLite, rebuild the FTS5 index. Idempotent."""
    count = 0
    for article in db.session.scalars(
        sa.select(Article).execution_options(yield_per=500)
    ):
        article.search_title = search.index_text(
            article.title, " ".join(article.tag_names)
        )
        article.search_body = search.index_text(article.body_text)
        count += 1
    db.session.flush()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            sa.text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('rebuild')")
        )
    db.session.commit()
    log.info("kb.reindex articles=%s", count)
    click.echo(f"reindexed {count} articles")
