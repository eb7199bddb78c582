"""Every response carries the security headers; no page needs inline code.

- Content-Security-Policy without inline scripts or styles, with
  ``frame-ancestors 'none'`` (no clickjacking of the login page);
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``,
  ``Permissions-Policy`` - on pages, API answers, errors and static files.
- The templates hold no inline ``<script>`` code, no ``on*=`` handler and no
  ``style=`` attribute (the policy would block them); data for scripts is in
  ``<script type="application/json">`` blocks.
- Over HTTPS (``PREFERRED_URL_SCHEME``, or a trusted proxy's
  X-Forwarded-Proto through ``PROXY_FIX_X_PROTO``): Secure cookies and HSTS;
  over plain HTTP neither, and a forged X-Forwarded-Proto changes nothing
  while no proxy is configured.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app
from config import TestingConfig
from helpdesk.extensions import db
from helpdesk.vocabulary import Role
from tests.builders import PASSWORD, make_category, make_ticket, make_user
from tests.conftest import empty_all_tables
from tests.security.support import auth, issue_bearer

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in header.split(";")
        if part.strip()
    }


def assert_hardened(response) -> None:
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.fixture
def world(app, given, login):
    given(make_category, "access")
    manager = given(make_user, role=Role.MANAGER)
    ticket = given(make_ticket, line=1)
    return manager, ticket


def test_the_login_page_cannot_be_framed(client):
    response = client.get("/login")

    assert response.status_code == 200
    assert_hardened(response)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/queue",
        "/tickets/{ticket}",
        "/sla",
        "/kb/articles",
        "/routing/rules",
        "/profile",
        "/tickets/999999",  # an error page
        "/static/app.css",
        "/static/sla-dashboard.js",
    ],
)
def test_every_page_of_a_logged_in_user_is_hardened(client, login, world, path):
    manager, ticket = world
    login(manager)

    response = client.get(path.format(ticket=ticket.id))
    response.close()  # static files are streamed

    assert response.status_code in (200, 302, 404), path
    assert_hardened(response)


def test_api_answers_and_api_errors_are_hardened(app, client, world):
    manager, _ticket = world
    headers = auth(issue_bearer(app, manager).raw)

    for response in (
        client.get("/api/v1/tickets", headers=headers),
        client.get("/api/v1/tickets/999999", headers=headers),
        client.get("/api/v1/tickets"),
    ):
        assert_hardened(response)


def test_the_dashboard_chart_data_is_a_json_block_read_by_a_static_script(
    client, login, world
):
    manager, _ticket = world
    login(manager)

    page = client.get("/sla").get_data(as_text=True)

    assert re.search(r'<script type="application/json" id="sla-chart-data">', page)
    assert '<script src="/static/sla-dashboard.js"></script>' in page
    assert_no_inline_code(page, "/sla")


def test_rendered_pages_have_no_inline_scripts_handlers_or_styles(client, login, world):
    manager, ticket = world
    login(manager)
    for path in ("/queue", f"/tickets/{ticket.id}", "/phone", "/profile"):
        assert_no_inline_code(client.get(path).get_data(as_text=True), path)


def assert_no_inline_code(html: str, where: str) -> None:
    for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
        attributes, body = match.groups()
        if 'type="application/json"' in attributes:
            continue
        assert "src=" in attributes and not body.strip(), (where, match.group(0))
    assert not re.search(r"\son[a-z]+\s*=", html), where
    assert not re.search(r"\sstyle\s*=", html), where


def _page_templates() -> list[Path]:
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if "mail" not in path.relative_to(TEMPLATES).parts  # e-mails are not pages
    ]


@pytest.mark.parametrize(
    "template", _page_templates(), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_holds_inline_code(template):
    assert_no_inline_code(template.read_text(encoding="utf-8"), template.name)


# --- HTTPS: Secure cookies and HSTS ------------------------------------------


@pytest.fixture
def make_app(migrated_url, clock):
    made = []

    def build(**overrides):
        app = create_app(
            TestingConfig,
            clock=clock,
            overrides={"SQLALCHEMY_DATABASE_URI": migrated_url} | overrides,
        )
        made.append(app)
        with app.app_context():
            user = make_user(role=Role.CUSTOMER)
            db.session.commit()
            email = user.email
            db.session.remove()
        return app, email

    yield build
    for app in made:
        with app.app_context():
            empty_all_tables()
            db.engine.dispose()


def _log_in(app, email, **request):
    client = app.test_client()
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD}, **request
    )
    assert response.status_code == 302
    return response


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if "session=" in c]
    assert cookies, response.headers
    return cookies[0]


def test_plain_http_has_no_hsts_and_no_secure_cookie(make_app):
    app, email = make_app()

    response = _log_in(app, email)

    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in _session_cookie(response)


def test_https_as_the_preferred_scheme_means_secure_cookies_and_hsts(make_app):
    app, email = make_app(PREFERRED_URL_SCHEME="https")

    response = _log_in(app, email)

    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in _session_cookie(response)


def test_a_trusted_proxy_saying_https_means_secure_cookies_and_hsts(make_app):
    app, email = make_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)

    response = _log_in(
        app, email, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"}
    )

    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert "Secure" in _session_cookie(response)


def test_a_forged_forwarded_proto_is_ignored_without_a_configured_proxy(make_app):
    app, email = make_app()

    response = _log_in(app, email, headers={"X-Forwarded-Proto": "https"})

    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in _session_cookie(response)


def test_a_request_over_https_itself_gets_hsts(make_app):
    app, email = make_app()

    response = _log_in(app, email, base_url="https://localhost")

    assert "Strict-Transport-Security" in response.headers
    assert "Secure" in _session_cookie(response)
