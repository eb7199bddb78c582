"""A program lists and revokes its owner's API tokens, as the profile page
does: the token in use too, never another person's."""

from __future__ import annotations

from helpdesk.vocabulary import Role
from tests.builders import make_user
from tests.security.support import error_of


def test_tokens_are_listed_without_their_secret_and_revoked_for_good(
    client, given, bearer
):
    customer = given(make_user, role=Role.CUSTOMER)
    older = bearer.token(customer)
    current = bearer.token(customer)

    listed = client.get("/api/v1/me/tokens", headers=current.headers)
    revoked = client.delete(f"/api/v1/me/tokens/{current.id}", headers=current.headers)
    after = client.get("/api/v1/me", headers=current.headers)

    assert listed.status_code == 200
    items = listed.json["items"]
    assert [t["id"] for t in items] == [current.id, older.id]
    assert set(items[0]) == {"id", "name", "created_at", "expires_at"}
    assert current.raw not in listed.get_data(as_text=True)
    assert revoked.status_code == 204
    assert after.status_code == 401
    assert client.get("/api/v1/me", headers=older.headers).status_code == 200


def test_another_persons_token_is_not_found(client, given, bearer):
    alice = given(make_user, role=Role.CUSTOMER)
    mallory = given(make_user, role=Role.ADMIN)
    token = bearer.token(alice)

    response = client.delete(f"/api/v1/me/tokens/{token.id}", headers=bearer(mallory))

    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert client.get("/api/v1/me", headers=token.headers).status_code == 200
