"""After logging in, ``?next=`` leads only to a page of this site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from helpdesk.vocabulary import Role
from tests.builders import PASSWORD, make_user

OFF_SITE = [
    "https://evil.example",
    "https://evil.example/tickets",
    "http://localhost.evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/%09/evil.example",
    "https:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "//evil.example@localhost",
]


def _as_a_browser_reads_it(location: str) -> str:
    """Browsers drop tabs and newlines and treat ``\\`` as ``/`` in URLs."""
    for char in "\t\r\n":
        location = location.replace(char, "")
    return location.replace("\\", "/").strip()


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(target, client, given):
    user = given(make_user, role=Role.CUSTOMER)

    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD},
    )

    assert response.status_code == 302
    location = urlsplit(_as_a_browser_reads_it(response.headers["Location"]))
    assert location.scheme in ("", "http"), response.headers["Location"]
    assert location.netloc in ("", "localhost"), response.headers["Location"]


@pytest.mark.parametrize("target", ["/tickets/new", "/tickets?cursor=abc"])
def test_login_follows_next_on_site(target, client, given):
    user = given(make_user, role=Role.CUSTOMER)

    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == target


def test_the_login_redirect_of_a_protected_page_comes_back_to_it(client, given):
    user = given(make_user, role=Role.CUSTOMER)
    to_login = client.get("/tickets/new")
    assert to_login.status_code == 302
    login_url = to_login.headers["Location"]

    response = client.post(login_url, data={"email": user.email, "password": PASSWORD})

    assert urlsplit(response.headers["Location"]).path == "/tickets/new"
