"""The phone console finds the caller however the agent types them."""

from __future__ import annotations

import pytest

from helpdesk import phones
from helpdesk.service import accounts
from helpdesk.vocabulary import Role
from tests.builders import make_user


@pytest.mark.parametrize(
    "dialled",
    [
        "8 495 123-45-67",
        "+7 (495) 1234567",
        "84951234567",
        "4951234567",
        "+74951234567",
    ],
)
def test_every_way_of_dialling_a_moscow_number_is_one_e164_number(dialled):
    assert phones.to_e164(dialled, "RU") == "+74951234567"


def test_a_number_without_country_code_is_read_in_the_given_region():
    assert phones.to_e164("020 7946 0958", "GB") == "+442079460958"
    assert phones.to_e164("not a number", "RU") is None
    assert phones.to_e164("12", "RU") is None


@pytest.fixture
def callers(ctx):
    people = {
        "anna": make_user(
            name="Анна Смирнова",
            email="a.smirnova@romashka.example",
            phone="+7 (495) 123-45-67",
            organisation="ООО Ромашка",
        ),
        "boris": make_user(
            name="Boris Ivanov",
            email="boris@acme.example",
            phone="8 (812) 555-00-11",
            organisation="Acme",
        ),
        "agent": make_user(role=Role.LINE1, name="Анна Агент", phone="+74951234567"),
    }
    return people


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("8 495 123-45-67", "anna"),
        ("+7 (495) 1234567", "anna"),
        ("495", "anna"),
        ("8495", "anna"),
        ("123-45-67", "anna"),  # a local number: how it ends
        ("812 555", "boris"),
        ("смирнова", "anna"),  # surname, any case
        ("АННА", "anna"),
        ("ромашка", "anna"),  # organisation
        ("romashka.exa", "anna"),  # any part of the e-mail
        ("acme", "boris"),
        ("ivanov boris", "boris"),
    ],
)
def test_a_caller_is_found_by_number_name_organisation_or_email(callers, typed, who):
    found = accounts.find_callers(typed)
    assert [u.id for u in found] == [callers[who].id]


def test_nothing_matches_nonsense(callers):
    assert accounts.find_callers("zzz") == []
    assert accounts.find_callers("999 99") == []


def test_the_default_region_is_a_setting(app, ctx):
    app.config["PHONE_DEFAULT_REGION"] = "GB"
    try:
        caller = make_user(name="Jane", phone="020 7946 0958")
        assert caller.phone_e164 == "+442079460958"
        assert [u.id for u in accounts.find_callers("020 7946 0958")] == [caller.id]
    finally:
        app.config["PHONE_DEFAULT_REGION"] = "RU"


def test_the_only_match_is_selected_at_once(client, given, login):
    login(given(make_user, role=Role.LINE1))
    caller = given(make_user, name="Pavel", phone="+74951234567")
    given(make_user, name="Pavla", phone="+74957654321")
    one = client.get("/phone", query_string={"q": "8 495 123-45-67"})
    assert one.status_code == 302
    assert one.headers["Location"].endswith(f"/phone?requester_id={caller.id}")
    several = client.get("/phone", query_string={"q": "pav"})
    assert several.status_code == 200
    text = several.get_data(as_text=True)
    assert "Pavel" in text and "Pavla" in text
