"""Pages, flash messages and API errors speak Russian or English: the user's
profile language first, then the browser's; the Russian catalogue covers
every string the sources mark for translation."""

from __future__ import annotations

import os
import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from config import BASE_DIR
from helpdesk.vocabulary import Role
from tests.builders import make_category, make_user

TRANSLATIONS = BASE_DIR / "helpdesk" / "translations"
RU_PO = TRANSLATIONS / "ru" / "LC_MESSAGES" / "messages.po"
RU_MO = RU_PO.with_suffix(".mo")
TEMPLATE_POT = TRANSLATIONS / "messages.pot"
# The same keywords as `make i18n-update`: babel's defaults, `_l` and `N_`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}
IGNORED_DIRS = {"instance", "node_modules"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[a-z]")


def read_catalogue(path):
    with open(path, "rb") as f:
        return read_po(f, locale="ru" if path.suffix == ".po" else None)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogue():
    """`make` compiles the catalogue; a bare `pytest` run compiles it here,
    so the pages under test really are translated."""
    if not RU_MO.exists() or RU_MO.stat().st_mtime < RU_PO.stat().st_mtime:
        catalogue = read_catalogue(RU_PO)
        partial = RU_MO.with_suffix(f".mo.{os.getpid()}.tmp")
        with open(partial, "wb") as f:
            write_mo(f, catalogue)
        os.replace(partial, RU_MO)


def msgids(catalogue) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}


def placeholders(text) -> set[str]:
    texts = [text] if isinstance(text, str) else list(text)
    return {name for t in texts for name in PLACEHOLDER.findall(t or "")}


# --- the catalogue -----------------------------------------------------------


def test_russian_catalogue_header_names_the_language_and_its_plural_forms():
    catalogue = read_catalogue(RU_PO)

    assert str(catalogue.locale) == "ru"
    assert not catalogue.fuzzy  # a fuzzy header makes pybabel skip compiling
    assert catalogue.num_plurals == 3
    assert "n%10==1 && n%100!=11" in catalogue.plural_forms


def test_russian_catalogue_translates_every_message():
    catalogue = read_catalogue(RU_PO)
    messages = [m for m in catalogue if m.id]
    assert messages, "the Russian catalogue is empty"

    problems = {
        "untranslated": [m.id for m in messages if not _translated(m)],
        "fuzzy": [m.id for m in messages if m.fuzzy],
        "placeholders differ from the msgid": [
            f"{m.id!r} -> {m.string!r}"
            for m in messages
            if m.python_format and placeholders(m.id) != placeholders(m.string)
        ],
    }

    problems = {kind: ids for kind, ids in problems.items() if ids}
    assert not problems, f"ru/messages.po: {problems}"


def _translated(message) -> bool:
    if isinstance(message.string, str):
        return bool(message.string)
    return all(message.string)  # every plural form


def test_catalogue_template_is_up_to_date_with_the_sources():
    """Adding a marked string without `make i18n-update` fails here, naming it."""
    with open(BASE_DIR / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)

    def wanted(dirpath: str) -> bool:
        name = os.path.basename(dirpath)
        return not (name.startswith((".", "_")) or name in IGNORED_DIRS)

    in_sources: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        BASE_DIR,
        method_map,
        options_map,
        keywords=KEYWORDS,
        directory_filter=wanted,
    ):
        msgid = message if isinstance(message, str) else message[0]
        in_sources.setdefault(msgid, f"{filename}:{lineno}")

    assert in_sources, "the extraction found no strings at all"
    for path in (TEMPLATE_POT, RU_PO):
        known = msgids(read_catalogue(path))
        missing = [
            f"{msgid!r} ({where})"
            for msgid, where in in_sources.items()
            if msgid not in known
        ]
        assert not missing, (
            f"{path.relative_to(BASE_DIR)} lacks strings found in the sources "
            f"(run `make i18n-update`, then translate them): {', '.join(missing)}"
        )


# --- pages -------------------------------------------------------------------


def test_a_user_whose_profile_says_russian_sees_russian_pages(client, given, login):
    user = given(make_user, role=Role.CUSTOMER, locale="ru")
    login(user)

    page = client.get("/tickets").get_data(as_text=True)

    assert '<html lang="ru">' in page
    assert "Мои обращения" in page
    assert "У вас пока нет обращений." in page
    assert "My requests" not in page


def test_the_welcome_message_after_login_is_in_the_users_language(client, given, login):
    user = given(make_user, role=Role.CUSTOMER, locale="ru", name="Анна")
    login(user)

    page = client.get("/tickets").get_data(as_text=True)

    assert "Добро пожаловать, Анна!" in page


def test_an_anonymous_russian_browser_gets_the_russian_login_page(client):
    page = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})

    html = page.get_data(as_text=True)
    assert '<html lang="ru">' in html
    assert "Войти" in html
    assert "Ещё нет учётной записи?" in html
    assert "Регистрация" in html


def test_an_anonymous_english_browser_gets_the_english_login_page(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})

    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html
    assert "No account yet?" in html
    assert "Войти" not in html


def test_the_profile_language_wins_over_the_browsers(client, given, login):
    russian = given(make_user, role=Role.CUSTOMER, locale="ru")
    login(russian)

    page = client.get("/tickets", headers={"Accept-Language": "en"})

    assert "Мои обращения" in page.get_data(as_text=True)


def test_an_english_profile_wins_over_a_russian_browser(client, given, login):
    english = given(make_user, role=Role.CUSTOMER, locale="en")
    login(english)

    page = client.get("/tickets", headers={"Accept-Language": "ru"})

    html = page.get_data(as_text=True)
    assert "My requests" in html
    assert "Мои обращения" not in html


def test_a_user_without_a_profile_language_follows_the_browser(client, given, login):
    user = given(make_user, role=Role.CUSTOMER, locale=None)
    login(user)

    page = client.get("/tickets", headers={"Accept-Language": "ru"})

    assert "Мои обращения" in page.get_data(as_text=True)


# --- API ---------------------------------------------------------------------


def test_api_validation_errors_are_in_russian_for_a_russian_user(client, given, bearer):
    given(make_category, "access")
    user = given(make_user, role=Role.CUSTOMER, locale="ru")
    headers = bearer(user)

    response = client.post(
        "/api/v1/tickets",
        headers=headers,
        json={"description": "Не работает VPN.", "category": "access"},
    )

    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "Некоторые поля заполнены неверно."
    assert error["fields"] == {"subject": ["Это поле обязательно для заполнения."]}


def test_api_domain_errors_are_in_russian_for_a_russian_user(client, given, bearer):
    user = given(make_user, role=Role.CUSTOMER, locale="ru")
    headers = bearer(user)

    response = client.get("/api/v1/tickets/999999", headers=headers)

    assert response.status_code == 404
    assert response.json["error"]["message"] == "Заявка не найдена."


def test_api_errors_stay_in_english_for_an_english_user(client, given, bearer):
    given(make_category, "access")
    user = given(make_user, role=Role.CUSTOMER, locale="en")
    headers = bearer(user)

    response = client.post(
        "/api/v1/tickets",
        headers={**headers, "Accept-Language": "ru"},
        json={"description": "VPN is down.", "category": "access"},
    )

    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"subject": ["This field is required."]}
