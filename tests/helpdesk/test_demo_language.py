"""The demo's own names (rules, canned replies, task titles, SLA policies,
calendars, holidays) in the demo's language, and the SLA calendar form's
weekdays in the page's."""

from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.vocabulary import Role
from knowledge_base.models import CannedResponse
from routing.models import RoutingRule
from sla.models import BusinessCalendar, Holiday, SlaPolicy
from tests.builders import make_user

NAMES = (RoutingRule.name, CannedResponse.title, SlaPolicy.name, BusinessCalendar.name)


def _names(app) -> dict[str, set[str]]:
    with app.app_context():
        found = {
            column.class_.__name__: set(db.session.scalars(sa.select(column)))
            for column in NAMES
        }
        found["Holiday"] = set(db.session.scalars(sa.select(Holiday.name)))
        found["actions"] = {
            str(actions)
            for actions in db.session.scalars(sa.select(RoutingRule.actions))
        }
        db.session.remove()
    return found


def test_demo_in_russian_names_everything_in_russian_and_english_adds_nothing(
    app, runner
):
    result = runner.invoke(args=["demo", "load", "--locale", "ru"])
    assert result.exit_code == 0, result.output
    names = _names(app)

    assert "Жалоба" in names["RoutingRule"]
    assert "Ошибки и сбои — на 2-ю линию" in names["RoutingRule"]
    assert "Complaint" not in names["RoutingRule"]
    assert any("Перезвонить клиенту" in a for a in names["actions"])
    assert any("Похоже на сообщение об ошибке" in a for a in names["actions"])
    assert {"Приветствие", "Передано разработчикам"} <= names["CannedResponse"]
    assert "Escalated to development" not in names["CannedResponse"]
    assert names["SlaPolicy"] == {
        "P1 — критичные, круглосуточно",
        "Звонки",
        "Стандартная",
    }
    assert names["BusinessCalendar"] == {"Москва, пн–пт 9:00–18:00", "Круглосуточно"}
    assert "Новогодние каникулы" in names["Holiday"]

    # The other language later finds every row by its other name.
    assert runner.invoke(args=["demo", "load", "--locale", "en"]).exit_code == 0
    assert _names(app) == names


def test_demo_follows_the_demo_locale_setting(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_LOCALE", "en")
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    names = _names(app)
    assert {"Complaint", "P1: tell the managers"} <= names["RoutingRule"]
    assert {"Greeting", "Escalated to development"} <= names["CannedResponse"]
    assert names["SlaPolicy"] == {"P1 — critical, 24x7", "Phone calls", "Standard"}
    assert "Moscow, Mon–Fri 9:00–18:00" in names["BusinessCalendar"]
    assert "New Year Holidays" in names["Holiday"]


@pytest.mark.parametrize(
    ("locale", "monday", "days"),
    [
        ("ru", "Пн, 09:00, 18:00", "Пн, Вт, Ср, Чт, Пт, Сб, Вс"),
        ("en", "Mon, 09:00, 18:00", "Mon, Tue, Wed, Thu, Fri, Sat, Sun"),
    ],
)
def test_calendar_form_writes_weekdays_in_the_page_language_and_reads_them_back(
    locale, monday, days, client, given, login, app
):
    login(given(make_user, role=Role.MANAGER, locale=locale))
    page = html.unescape(client.get("/sla/calendars/new").get_data(as_text=True))
    assert monday in page and days in page
    rows = page.split('name="intervals"', 1)[1].split(">", 1)[1].split("</textarea>")[0]

    response = client.post(
        "/sla/calendars/new",
        data={"name": "Office", "timezone": "Europe/Moscow", "intervals": rows},
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        calendar = db.session.scalar(sa.select(BusinessCalendar))
        assert sorted(i.weekday for i in calendar.intervals) == [0, 1, 2, 3, 4]
        db.session.remove()


def test_demo_load_prints_every_demo_login_with_its_role(app, runner):
    result = runner.invoke(args=["demo", "load"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        people = db.session.execute(sa.select(User.email, User.role)).all()
        db.session.remove()
    for email, role in people:
        assert f"{role.value:<9} {email}" in result.output
    assert "contact@example.com  (ООО Ромашка's designated contact)" in result.output
