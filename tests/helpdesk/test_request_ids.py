"""The request id: answered in X-Request-ID, shown on error pages, in API
errors and in every log line of the request - JSON lines with LOG_FORMAT=json."""

from __future__ import annotations

import io
import json
import logging

import pytest

from app import create_app
from config import TestingConfig
from helpdesk import logs
from helpdesk.extensions import db


def test_an_api_error_names_its_request_in_the_header_and_keeps_the_error_shape(
    client,
):
    response = client.get("/api/v1/tickets/1")

    assert response.status_code == 401
    assert len(response.headers["X-Request-ID"]) == 32
    assert set(response.json["error"]) == {"code", "message", "fields"}


def test_an_error_page_shows_the_request_id(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.get_data(as_text=True)


def test_the_proxys_id_is_kept_when_sane_and_replaced_when_not(client):
    sane = client.get("/healthz", headers={"X-Request-ID": "7f3a9c0e-nginx-42"})
    strange = client.get("/healthz", headers={"X-Request-ID": "<script>x</script>"})

    assert sane.headers["X-Request-ID"] == "7f3a9c0e-nginx-42"
    assert strange.headers["X-Request-ID"] != "<script>x</script>"
    assert len(strange.headers["X-Request-ID"]) == 32


@pytest.fixture
def failing_app(migrated_url):
    """An app with a page and an API route that fail unexpectedly."""
    app = create_app(TestingConfig, overrides={"SQLALCHEMY_DATABASE_URI": migrated_url})

    @app.get("/broken")
    def broken():
        raise RuntimeError("the page broke")

    @app.get("/api/v1/broken")
    def broken_api():
        raise RuntimeError("the endpoint broke")

    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def json_log():
    """Log lines as JSON into a buffer, as LOG_FORMAT=json writes them."""
    handler = logs.configure("json")
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield buffer
    logs.configure(TestingConfig.LOG_FORMAT)


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_an_unexpected_error_quotes_the_request_id_on_the_page_and_in_the_log(
    failing_app, json_log
):
    client = failing_app.test_client()

    page = client.get("/broken")
    api = client.get("/api/v1/broken")

    assert page.status_code == api.status_code == 500
    page_id, api_id = page.headers["X-Request-ID"], api.headers["X-Request-ID"]
    assert page_id != api_id
    assert f"reference {page_id}" in page.get_data(as_text=True)
    assert api_id in api.json["error"]["message"]
    errors = [line for line in lines(json_log) if line["level"] == "ERROR"]
    assert [line["request_id"] for line in errors] == [page_id, api_id]
    assert all(line["logger"] == "helpdesk.http" for line in errors)
    assert "RuntimeError: the page broke" in errors[0]["exc_info"]
    assert errors[0]["time"].endswith("+00:00")


def test_log_lines_outside_requests_have_no_request_id(json_log):
    logging.getLogger("helpdesk.test").warning("job.done count=%s", 3)

    (line,) = lines(json_log)
    assert line["message"] == "job.done count=3"
    assert line["request_id"] == "-"
    assert line["level"] == "WARNING"


def test_text_lines_carry_the_request_id_too(client):
    handler = logs.configure("text")
    buffer = io.StringIO()
    handler.setStream(buffer)
    try:
        with client.application.test_request_context(
            headers={"X-Request-ID": "abcdef12-text"}
        ):
            logging.getLogger("helpdesk.test").warning("hello")
    finally:
        logs.configure(TestingConfig.LOG_FORMAT)
    assert "[abcdef12-text] hello" in buffer.getvalue()


def test_the_error_page_says_so_in_russian(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "ru"})

    page = response.get_data(as_text=True)
    assert "Номер запроса" in page
    assert response.headers["X-Request-ID"] in page
