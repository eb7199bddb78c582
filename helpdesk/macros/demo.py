"""Demo macros, in the demo's language (``helpdesk.demo.localized``); a
second load in the other language finds them by either title."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from helpdesk.demo import demo_locale, every_name, localized
from helpdesk.extensions import db
from helpdesk.macros.models import Macro
from helpdesk.macros.service import create_macro
from helpdesk.service import accounts
from helpdesk.vocabulary import Priority, TicketStatus

DEMO_MACROS = (
    {
        "title": {"en": "Ask for the logs", "ru": "Запросить журналы"},
        "body": {
            "en": "Hello {requester_name},\n\nto find the cause we need the "
            "application's logs: please attach them to your reply.\n\n{agent_name}",
            "ru": "Здравствуйте, {requester_name}!\n\nЧтобы найти причину, нам "
            "нужны журналы программы: приложите их, пожалуйста, к ответу.\n\n"
            "{agent_name}",
        },
        "status": TicketStatus.PENDING,
        "assign": "me",
        "add_tags": ["logs"],
    },
    {
        "title": {
            "en": "Outage: known, being fixed",
            "ru": "Сбой: известен, устраняем",
        },
        "body": {
            "en": "{requester_name}, this is a known outage and our engineers "
            "are fixing it. We will write as soon as it works again.",
            "ru": "{requester_name}, это известный сбой, инженеры уже его "
            "устраняют. Напишем, как только всё заработает.",
        },
        "priority": Priority.P2,
        "add_tags": ["outage"],
    },
    {
        "title": {"en": "To line 2: configuration", "ru": "На 2-ю линию: настройка"},
        "body": {
            "en": "The configuration has to be checked on line 2.",
            "ru": "Нужна проверка настроек на 2-й линии.",
        },
        "internal": True,
        "line": 2,
        "assign": "nobody",
    },
)


def load_demo_macros(now: datetime) -> None:
    """The demo macros that are missing, written by the demo admin."""
    admin = accounts.find_user_by_email("admin@example.com")
    if admin is None:
        return
    locale = demo_locale()
    for macro in DEMO_MACROS:
        exists = db.session.scalar(
            sa.select(Macro.id).where(Macro.title.in_(every_name(macro["title"])))
        )
        if exists is None:
            create_macro(localized(macro, locale), actor=admin, now=now)
