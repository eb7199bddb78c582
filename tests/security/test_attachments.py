"""Attachments cannot run as pages of ours.

- The stored type is read from the bytes (libmagic), not the uploader's claim.
- Anything a browser could execute (HTML, SVG, XML, scripts, unknown) is
  served as ``application/octet-stream``; every download is
  ``Content-Disposition: attachment`` with ``nosniff`` and a
  ``Content-Security-Policy: sandbox``.
- Names lose path parts and control characters for display and download;
  Unicode letters stay.

Files go through the real reply form (multipart), as a browser sends them.
"""

from __future__ import annotations

import io
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from markupsafe import escape

from helpdesk.extensions import db
from helpdesk.files import clean_filename, served_type, sniff_type
from helpdesk.models import Attachment
from helpdesk.vocabulary import Role
from tests.builders import make_attachment, make_category, make_ticket, make_user

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
    b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff"
    b"\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

EXECUTABLE = [
    pytest.param(b"<html><body><script>alert(1)</script></body></html>", id="html"),
    pytest.param(b"\n\n  <!DOCTYPE html><p>hi</p>", id="html-late-doctype"),
    pytest.param(b"<script>fetch('/api/v1/me')</script>", id="bare-script-tag"),
    pytest.param(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        id="svg",
    ),
    pytest.param(b'<?xml version="1.0"?><x:script xmlns:x="x"/>', id="xml"),
    pytest.param(b"#!/bin/sh\nrm -rf /\n", id="shell-script"),
]


@pytest.fixture
def world(app, given, login):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer)
    login(customer)
    ticket.requester_id = customer.id
    return ticket


def _upload(client, ticket, content: bytes, name: str, claimed: str):
    response = client.post(
        f"/tickets/{ticket.id}/comments",
        data={
            "body": "See the file.",
            "attachment": (io.BytesIO(content), name, claimed),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def _stored(app) -> Attachment:
    with app.app_context():
        attachment = db.session.scalars(
            sa.select(Attachment).order_by(Attachment.id.desc())
        ).first()
        db.session.expunge(attachment)
        return attachment


def _download(client, ticket, attachment_id):
    response = client.get(f"/tickets/{ticket.id}/attachments/{attachment_id}")
    assert response.status_code == 200
    return response


def _assert_untrusted_download(response) -> None:
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"


@pytest.mark.parametrize("content", EXECUTABLE)
def test_a_file_a_browser_could_run_is_served_as_octet_stream(
    app, client, world, content
):
    _upload(client, world, content, "cat.png", "image/png")  # a lying claim

    stored = _stored(app)
    response = _download(client, world, stored.id)

    assert stored.content_type != "image/png"  # sniffed, not claimed
    assert response.mimetype == "application/octet-stream"
    assert response.data == content
    _assert_untrusted_download(response)


def test_the_stored_type_is_the_sniffed_one_whatever_the_claim(app, client, world):
    _upload(client, world, PNG, "report.html", "text/html")

    stored = _stored(app)
    response = _download(client, world, stored.id)

    assert stored.content_type == "image/png"
    assert response.mimetype == "image/png"  # inert: served as itself
    _assert_untrusted_download(response)


def test_a_pdf_keeps_its_type_and_a_russian_name(app, client, world):
    _upload(client, world, PDF, "Отчёт за май.pdf", "application/octet-stream")

    stored = _stored(app)
    response = _download(client, world, stored.id)
    page = client.get(f"/tickets/{world.id}").get_data(as_text=True)

    assert stored.filename == "Отчёт за май.pdf"
    assert stored.content_type == "application/pdf"
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('Отчёт за май.pdf')}" in disposition
    assert "Отчёт за май.pdf" in page


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        pytest.param("../../etc/passwd", "passwd", id="dot-dot"),
        pytest.param("C:report.txt", "report.txt", id="windows-drive"),
        pytest.param("/var/log/app.log", "app.log", id="absolute"),
        pytest.param("inv\u202egpj.exe", "invgpj.exe", id="right-to-left-override"),
        pytest.param("tab\tbell\x07.txt", "tabbell.txt", id="controls"),
        pytest.param("..", "attachment", id="nothing-left"),
        pytest.param(".htaccess", "htaccess", id="leading-dot"),
        pytest.param("Заявка №5 (копия).docx", "Заявка №5 (копия).docx", id="russian"),
    ],
)
def test_names_are_cleaned_for_display_and_download(app, client, world, sent, kept):
    _upload(client, world, b"plain text\n", sent, "text/plain")

    stored = _stored(app)
    response = _download(client, world, stored.id)
    page = client.get(f"/tickets/{world.id}").get_data(as_text=True)

    assert stored.filename == kept
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert "/" not in disposition.replace("filename*=UTF-8''", "")
    assert quote(kept) in disposition or kept in disposition
    assert f">{escape(kept)}</a>" in page  # the link shows the clean name


def test_a_row_stored_before_cleaning_is_shown_and_served_safely(app, client, world):
    with app.app_context():
        attachment = Attachment(
            ticket_id=world.id,
            uploaded_by_id=world.requester_id,
            filename="../../x\r\n.html",
            content_type="text/html",
            size_bytes=5,
            content=b"<b>x",
            created_at=app.extensions["clock"].now(),
        )
        db.session.add(attachment)
        db.session.commit()
        attachment_id = attachment.id

    response = _download(client, world, attachment_id)
    page = client.get(f"/tickets/{world.id}").get_data(as_text=True)

    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"] == "attachment; filename=x.html"
    _assert_untrusted_download(response)
    assert ">x.html</a>" in page


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\me\\report.txt", "report.txt"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("evil\r\nSet-Cookie: x=1.txt", "evilSet-Cookie: x=1.txt"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ("  report.txt  ", "report.txt"),
        ("", "attachment"),
        (None, "attachment"),
        ("Отчёт.pdf", "Отчёт.pdf"),
        ("e\u0301te\u0301.txt", "été.txt"),  # NFC
    ],
)
def test_clean_filename(sent, kept):
    assert clean_filename(sent) == kept


def test_a_name_from_mail_in_is_cleaned_and_its_type_sniffed_by_the_service(
    app, given, world
):
    """Mail in stores attachments through the same service, with the MIME
    part's claimed type and a decoded name that may hold anything."""
    with app.app_context():
        attachment = make_attachment(
            world,
            uploader=SimpleNamespace(id=world.requester_id),
            filename="../evil\r\n.html",
            content=b"<html><script>alert(1)</script></html>",
        )  # claimed text/plain
        assert attachment.filename == "evil.html"
        assert attachment.content_type == "text/html"
        db.session.rollback()


def test_a_long_name_keeps_its_extension():
    assert clean_filename("a" * 300 + ".pdf") == "a" * 251 + ".pdf"


def test_the_sniffer_and_the_served_type_without_flask():
    assert sniff_type(PNG) == "image/png"
    assert sniff_type(b"<html><script></script>") == "text/html"
    assert served_type("text/html") == "application/octet-stream"
    assert served_type("image/svg+xml") == "application/octet-stream"
    assert served_type("text/plain") == "text/plain"
