"""Browser fixtures: the app served on a real socket, headless Chromium.

The app here runs with CSRF protection ON, as in production, so every form
the browser submits carries the token the page rendered. It overrides the
suite's ``app`` fixture, so ``given(make_user, ...)`` arranges data in the
very database the served app reads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server
from werkzeug.wsgi import FileWrapper

from tests.builders import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots are written only when asked: E2E_SCREENSHOTS=/tmp pytest -m browser
SCREENSHOT_DIR = os.environ.get("E2E_SCREENSHOTS")

# On a loaded machine (two cores shared with other test runs) a page can take
# seconds to answer. Every wait is Playwright's own - an action waits for its
# element, ``expect`` retries until it holds - and ends as soon as the page is
# ready, so a generous bound costs nothing when things go well; it only turns
# a slow page from a failure into a pass. Never a fixed sleep.
TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def app(csrf_app):
    """The suite's app, but with CSRF on, as the browser meets it in production."""
    return csrf_app


def _files_read_whole(app):
    """``app``, its static files read whole and closed before the server
    writes them. Werkzeug's server closes a response only after draining the
    socket, and that drain raises when the browser has dropped the request
    (the favicon it stops fetching as a walk moves on): the file was left
    for the collector, which warns about it in whatever test runs next."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        if not isinstance(body, FileWrapper):
            return body
        try:
            return [b"".join(body)]
        finally:
            body.close()

    return wsgi


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """``app`` served on a free loopback port; yields its base URL.

    Shut down before ``app`` tears down, so no request is in flight while
    the tables are emptied.
    """
    server = make_server("127.0.0.1", 0, _files_read_whole(app), threaded=True)
    # A short poll: shutdown() waits for the loop to look, 0.5 s by default.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. Run scripts/install-system-deps "
            "(installs Debian's chromium package through apt-get) and try again.",
            pytrace=False,
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., Page]]:
    """``new_page(locale="ru-RU")``: a page in a fresh context (own cookies),
    with relative URLs resolved against the live server; ``script=False``
    as in a browser with JavaScript off."""
    contexts = []

    def open_page(locale: str = "en-US", script: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server, locale=locale, java_script_enabled=script
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def log_in() -> Callable[..., None]:
    """``log_in(page, user)`` through the real login form."""

    def submit(page: Page, user, password: str = PASSWORD) -> None:
        page.goto("/login")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        # (the welcome is in the user's language: their name is in every one)
        expect(page.get_by_role("status")).to_contain_text(f"{user.name}!")

    return submit


@pytest.fixture
def screenshot() -> Callable[[Page, str], None]:
    """``screenshot(page, "ticket")`` → $E2E_SCREENSHOTS/e2e-ticket.png, if set."""

    def take(page: Page, name: str) -> None:
        if SCREENSHOT_DIR:
            page.screenshot(
                path=Path(SCREENSHOT_DIR) / f"e2e-{name}.png", full_page=True
            )

    return take
