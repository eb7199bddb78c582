"""Demo articles (Russian and English) and canned responses.

The articles are Markdown files in ``demo_articles/``, read in the order of
their names; a header between two ``---`` lines gives each its title,
category (code), tags (comma-separated) and visibility (``public`` or
``internal``).

Idempotent: an article is created only when none has its title, a canned
response only when its author has none with its title. Runs after the
core's demo data (users, categories), through ``flask demo load``.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources

import sqlalchemy as sa

from helpdesk.demo import demo_locale, every_name
from helpdesk.extensions import db
from helpdesk.service import accounts
from knowledge_base.models import Article, ArticleStatus, CannedResponse, Visibility
from knowledge_base.service import articles as article_service
from knowledge_base.service import canned as canned_service

# (author e-mail, title, body, line or None for personal), in both languages
# (helpdesk.demo.localized); the placeholders are filled when one is used.
DEMO_CANNED = (
    (
        "line1@example.com",
        {"en": "Greeting", "ru": "Приветствие"},
        {
            "en": "Hello {requester_name},\n\nthank you for your request "
            "{ticket_number}. ",
            "ru": "Здравствуйте, {requester_name}!\n\nСпасибо за обращение "
            "{ticket_number}. ",
        },
        None,
    ),
    (
        "line1@example.com",
        {"en": "Ask for a screenshot", "ru": "Запросить снимок экрана"},
        {
            "en": "{requester_name}, please send us a screenshot with the whole "
            "error message: it helps us find the cause sooner.\n\n"
            "{agent_name}, support",
            "ru": "{requester_name}, пришлите, пожалуйста, снимок экрана с текстом "
            "ошибки целиком — так мы быстрее найдём причину.\n\n"
            "{agent_name}, служба поддержки",
        },
        1,
    ),
    (
        "line1@example.com",
        {"en": "Solved — closing", "ru": "Решено — закрываем"},
        {
            "en": "{requester_name}, glad the problem is solved! If it comes back, "
            "just reply to this e-mail and request {ticket_number} opens again."
            "\n\n{agent_name}",
            "ru": "{requester_name}, рады, что проблема решена! Если она "
            "повторится, просто ответьте на это письмо, заявка {ticket_number} "
            "откроется снова.\n\n{agent_name}",
        },
        1,
    ),
    (
        "line2@example.com",
        {"en": "Escalated to development", "ru": "Передано разработчикам"},
        {
            "en": "Hello {requester_name},\n\nwe have reproduced the problem in "
            "{ticket_number} and passed it to our developers. We will write as "
            "soon as a fix is scheduled.\n\n{agent_name}, line 2",
            "ru": "Здравствуйте, {requester_name}!\n\nМы воспроизвели проблему "
            "из заявки {ticket_number} и передали её разработчикам. Напишем, как "
            "только исправление будет запланировано.\n\n{agent_name}, 2-я линия",
        },
        2,
    ),
)


def load_demo_articles(now: datetime) -> None:
    """Create the demo articles and canned responses that are missing."""
    author = accounts.find_user_by_email("line2@example.com")
    if author is None:
        return  # the core's demo users come first
    existing = set(db.session.scalars(sa.select(Article.title)))
    for data in read_demo_articles():
        if data["title"] in existing:
            continue
        article_service.create_article(
            data | {"status": ArticleStatus.PUBLISHED}, actor=author, now=now
        )
    _load_demo_canned(now)


def read_demo_articles() -> list[dict]:
    """The demo articles as ``create_article`` takes them (without a status),
    in the order of their file names."""
    folder = resources.files("knowledge_base") / "demo_articles"
    files = sorted(
        (f for f in folder.iterdir() if f.name.endswith(".md")), key=lambda f: f.name
    )
    return [_parse_article(f.read_text(encoding="utf-8")) for f in files]


def _parse_article(text: str) -> dict:
    _before, header, body = text.split("---\n", 2)
    fields = dict(line.split(": ", 1) for line in header.splitlines())
    return {
        "title": fields["title"],
        "body": body.strip(),
        "category": fields["category"],
        "tags": [t.strip() for t in fields["tags"].split(",")],
        "visibility": Visibility(fields["visibility"]),
    }


def _load_demo_canned(now: datetime) -> None:
    """In the demo's language; one loaded before in the other counts as there."""
    locale = demo_locale()
    for email, title, body, line in DEMO_CANNED:
        user = accounts.find_user_by_email(email)
        if user is None:
            continue
        exists = db.session.scalar(
            sa.select(CannedResponse.id).where(
                CannedResponse.created_by_id == user.id,
                CannedResponse.title.in_(every_name(title)),
            )
        )
        if exists is None:
            canned_service.create_canned(
                {"title": title[locale], "body": body[locale], "line": line},
                actor=user,
                now=now,
            )
