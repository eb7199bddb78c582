"""Files on a ticket through the API, under the pages' rules."""

from __future__ import annotations

from io import BytesIO

from helpdesk.vocabulary import Role
from tests.builders import make_attachment, make_category, make_ticket, make_user
from tests.security.support import error_of


def _upload(client, ticket_id, headers, *, name="log.txt", content=b"a log\n", **form):
    return client.post(
        f"/api/v1/tickets/{ticket_id}/attachments",
        data={"attachment": (BytesIO(content), name), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_a_requester_uploads_a_file_and_downloads_it_back(client, given, bearer):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer)
    headers = bearer(customer)

    stored = _upload(client, ticket.id, headers, name="../../etc/error.txt")
    listed = client.get(f"/api/v1/tickets/{ticket.id}/attachments", headers=headers)
    content = client.get(stored.json["content_url"], headers=headers)

    assert stored.status_code == 201, stored.json
    assert stored.headers["Location"] == f"/api/v1/attachments/{stored.json['id']}"
    assert stored.json["filename"] == "error.txt"
    assert stored.json["content_type"] == "text/plain"
    assert stored.json["uploaded_by"]["id"] == customer.id
    assert [a["id"] for a in listed.json["items"]] == [stored.json["id"]]
    assert content.status_code == 200 and content.data == b"a log\n"
    assert content.headers["Content-Disposition"].startswith("attachment")
    assert content.headers["Content-Security-Policy"] == "sandbox"


def test_html_is_stored_by_its_content_and_served_as_a_plain_download(
    client, given, bearer
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer)
    page = b"<!DOCTYPE html><html><script>alert(1)</script></html>"

    stored = _upload(client, ticket.id, bearer(customer), name="a.png", content=page)
    content = client.get(stored.json["content_url"], headers=bearer(customer))

    assert stored.json["content_type"] == "text/html"
    assert content.mimetype == "application/octet-stream"
    assert content.headers["X-Content-Type-Options"] == "nosniff"


def test_internal_files_are_staff_only_and_others_tickets_are_not_found(
    client, given, bearer
):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    stranger = given(make_user, role=Role.CUSTOMER)
    agent = given(make_user, role=Role.LINE1)
    ticket = given(make_ticket, requester=customer)
    note = given(make_attachment, ticket, uploader=agent, internal=True)

    by_agent = _upload(client, ticket.id, bearer(agent), internal="true")
    by_customer = _upload(client, ticket.id, bearer(customer), internal="true")
    customer_list = client.get(
        f"/api/v1/tickets/{ticket.id}/attachments", headers=bearer(customer)
    )
    hidden = client.get(f"/api/v1/attachments/{note.id}", headers=bearer(customer))
    foreign = client.get(
        f"/api/v1/attachments/{note.id}/content", headers=bearer(stranger)
    )
    foreign_upload = _upload(client, ticket.id, bearer(stranger))

    assert by_agent.status_code == 201 and by_agent.json["internal"] is True
    assert by_customer.status_code == 403
    assert customer_list.json["items"] == []
    assert hidden.status_code == 404 and foreign.status_code == 404
    assert foreign_upload.status_code == 404


def test_a_missing_empty_or_too_large_file_names_the_field(app, client, given, bearer):
    given(make_category, "access")
    customer = given(make_user, role=Role.CUSTOMER)
    ticket = given(make_ticket, requester=customer)
    headers = bearer(customer)
    too_large = b"x" * (app.config["MAX_ATTACHMENT_BYTES"] + 1)

    missing = client.post(
        f"/api/v1/tickets/{ticket.id}/attachments", data={}, headers=headers
    )
    empty = _upload(client, ticket.id, headers, content=b"")
    large = _upload(client, ticket.id, headers, content=too_large)
    bad_flag = _upload(client, ticket.id, headers, internal="maybe")

    assert missing.status_code == 422 and "attachment" in error_of(missing)["fields"]
    assert empty.status_code == 422 and "attachment" in error_of(empty)["fields"]
    assert large.status_code == 422 and "attachment" in error_of(large)["fields"]
    assert bad_flag.status_code == 422 and "internal" in error_of(bad_flag)["fields"]
    listed = client.get(f"/api/v1/tickets/{ticket.id}/attachments", headers=headers)
    assert listed.json["items"] == []
