"""Demo data: one or more users per role (password ``demo``), organisations
(one with a designated contact), categories, tickets.

Idempotent: users and categories are looked up by their unique keys, and
demo tickets are only created when the demo customer has none.

The demo's own names - rules, canned replies, task titles, SLA policies,
calendars and holidays - are written in one language: ``DEMO_LOCALE``
(``en`` or ``ru``; by default the app's default locale), or
``flask demo load --locale ru``. Packages write such a name as
``{"en": ..., "ru": ...}`` and pick it with ``localized``; a second load in
the other language finds the first one's rows by either name and adds
nothing. Tickets and articles stay as their authors wrote them, in both
languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, g

from helpdesk.extensions import db
from helpdesk.models import Category, Ticket
from helpdesk.organisations import lookup as organisations
from helpdesk.organisations import service as organisation_service
from helpdesk.service import accounts
from helpdesk.service import tickets as ticket_service
from helpdesk.vocabulary import Channel, Priority, Role, TicketStatus

DEMO_USERS = (
    (
        "customer@example.com",
        "Анна Смирнова",
        Role.CUSTOMER,
        "+74951234567",
        "ООО Ромашка",
        "ru",
    ),
    (
        "customer2@example.com",
        "John Carter",
        Role.CUSTOMER,
        "+442071234567",
        "Acme Ltd",
        "en",
    ),
    # ООО Ромашка's designated contact: sees Анна's requests too.
    (
        "contact@example.com",
        "Игорь Соколов",
        Role.CUSTOMER,
        "+74951234568",
        "ООО Ромашка",
        "ru",
    ),
    ("line1@example.com", "Ольга Первая", Role.LINE1, None, None, "ru"),
    ("line2@example.com", "Пётр Конфигуратов", Role.LINE2, None, None, "ru"),
    ("line3@example.com", "Dana Developer", Role.LINE3, None, None, "en"),
    ("manager@example.com", "Мария Руководитель", Role.MANAGER, None, None, "ru"),
    ("admin@example.com", "Admin", Role.ADMIN, None, None, "en"),
)

# name, e-mail domains, phone, plan, notes
DEMO_ORGANISATIONS = (
    (
        "ООО Ромашка",
        ("romashka.example",),
        "+74951230000",
        "premium",
        "Бухгалтерия на 3 этаже; договор до конца года.",
    ),
    ("Acme Ltd", ("acme.example",), "+442070000000", "basic", ""),
)
DEMO_CONTACTS = frozenset({"contact@example.com"})

DEMO_CATEGORIES = (
    ("access", "Access and passwords", "Доступ и пароли"),
    ("hardware", "Hardware and printers", "Оборудование и принтеры"),
    ("configuration", "System configuration", "Настройка системы"),
    ("defect", "Errors and defects", "Ошибки и сбои"),
    ("enhancement", "Enhancement request", "Запрос на доработку"),
    ("complaint", "Complaint", "Жалоба"),
    ("other", "Other", "Другое"),
)

DEMO_TICKETS = (
    (
        "customer@example.com",
        "Не печатает принтер в бухгалтерии",
        "Принтер HP на 3 этаже пишет «замятие бумаги», хотя бумаги внутри нет.",
        "hardware",
        Priority.P3,
        Channel.WEB,
    ),
    (
        "customer@example.com",
        "Ошибка при проведении документа",
        "При проведении накладной появляется ошибка «Нарушение ссылочной целостности».",
        "defect",
        Priority.P2,
        Channel.PHONE,
    ),
    (
        "customer2@example.com",
        "Cannot log in after password change",
        "Since this morning the portal says my password is wrong.",
        "access",
        Priority.P2,
        Channel.WEB,
    ),
    (
        "customer2@example.com",
        "Add a VAT column to the sales report",
        "We need the VAT amount as its own column in the monthly sales report.",
        "enhancement",
        Priority.P4,
        Channel.API,
    ),
)


DEMO_LANGUAGES = ("en", "ru")


def demo_locale() -> str:
    """The language of the demo's names: ``flask demo load --locale``, else
    ``DEMO_LOCALE`` if it is one the demo is written in, else the app's
    default locale, else English."""
    for wanted in (
        g.get("demo_locale"),
        current_app.config.get("DEMO_LOCALE"),
        current_app.config["BABEL_DEFAULT_LOCALE"],
    ):
        if wanted and wanted.split("_")[0] in DEMO_LANGUAGES:
            return wanted.split("_")[0]
    return "en"


def _is_text(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == set(DEMO_LANGUAGES)


def localized(value: Any, locale: str) -> Any:
    """``value`` with every ``{"en": ..., "ru": ...}`` in it replaced by its
    ``locale`` text (lists and dicts walked, anything else kept)."""
    if _is_text(value):
        return value[locale]
    if isinstance(value, Mapping):
        return {key: localized(item, locale) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(localized(item, locale) for item in value)
    return value


def every_name(value: Mapping[str, str] | str) -> set[str]:
    """All the languages' versions of a demo name (to find it loaded in any)."""
    return set(value.values()) if _is_text(value) else {value}


def load_demo_people(*, now: datetime) -> int:
    """Organisations, users and categories that are missing; returns how
    many users were created."""
    _load_demo_organisations(now=now)
    created = 0
    for email, name, role, phone, organisation, locale in DEMO_USERS:
        if accounts.find_user_by_email(email) is None:
            accounts.create_user(
                {
                    "email": email,
                    "name": name,
                    "role": role,
                    "phone": phone,
                    "organisation": organisation,
                    "org_contact": email in DEMO_CONTACTS,
                    "locale": locale,
                    "password": "demo",
                    "timezone": "Europe/Moscow",
                },
                now=now,
            )
            created += 1
    for code, name_en, name_ru in DEMO_CATEGORIES:
        if db.session.scalar(sa.select(Category).where(Category.code == code)) is None:
            db.session.add(Category(code=code, name_en=name_en, name_ru=name_ru))
    db.session.flush()
    return created


def _load_demo_organisations(*, now: datetime) -> None:
    for name, domains, phone, plan, notes in DEMO_ORGANISATIONS:
        if organisations.by_name(name) is None:
            organisation_service.create_organisation(
                {
                    "name": name,
                    "domains": list(domains),
                    "phone": phone,
                    "plan": plan,
                    "notes": notes,
                },
                now=now,
            )


def load_demo_tickets(*, now: datetime) -> None:
    """A few tickets, once; other packages' settings (SLA policies, routing
    rules) are loaded before, so the tickets get clocks and routes."""
    customer = accounts.find_user_by_email("customer@example.com")
    if db.session.scalar(
        sa.select(Ticket.id).where(Ticket.requester_id == customer.id).limit(1)
    ):
        return
    agent = accounts.find_user_by_email("line1@example.com")
    start = now - timedelta(hours=len(DEMO_TICKETS))
    for offset, (email, subject, description, category, priority, channel) in enumerate(
        DEMO_TICKETS
    ):
        requester = accounts.find_user_by_email(email)
        at = start + timedelta(hours=offset)
        actor = agent if channel == Channel.PHONE else requester
        ticket = ticket_service.open_ticket(
            {
                "subject": subject,
                "description": description,
                "category": category,
                "priority": priority,
            },
            actor=actor,
            requester=requester,
            channel=channel,
            now=at,
        )
        if offset == 0:
            ticket_service.add_comment(
                ticket,
                body="Здравствуйте! Проверьте, пожалуйста, "
                "заднюю крышку принтера — там мог остаться обрывок.",
                internal=False,
                actor=agent,
                now=at + timedelta(minutes=20),
            )
            ticket_service.change_status(
                ticket,
                TicketStatus.PENDING,
                actor=agent,
                now=at + timedelta(minutes=21),
            )
