"""ApiKeyController over HTTP: keys shown once, authenticating, revoked at once.

Every test drives the whole app (a litestar TestClient) against the real embedded
PostgreSQL. The database is shared by the session, so every account has a unique email.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.integration.account_helpers import (
    PASSWORD,
    assert_problem,
    assert_unauthorized,
    auth,
    create_key,
    register,
    unique_email,
)

# --- api keys ----------------------------------------------------------------


def test_create_api_key_shows_the_key_once(client: TestClient[Any]) -> None:
    owner = register(client)
    created = create_key(client, owner["access_token"], "Zapier")
    assert created.keys() >= {"id", "name", "prefix", "key"}
    uuid.UUID(created["id"])
    assert created["name"] == "Zapier"
    assert created["key"].startswith("ccgpt_sk_")
    assert created["key"].startswith(created["prefix"])
    assert len(created["prefix"]) < len(created["key"])

    listed = client.get("/api/v1/api-keys", headers=auth(owner["access_token"]))
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [item["id"] for item in items] == [created["id"]]
    assert "key" not in items[0]
    assert items[0]["prefix"] == created["prefix"]
    assert created["key"] not in listed.text


def test_api_key_authenticates_as_admin_of_its_workspace(client: TestClient[Any]) -> None:
    owner = register(client)
    key = create_key(client, owner["access_token"])["key"]
    me = client.get("/api/v1/me", headers=auth(key))
    assert me.status_code == 200, me.text
    assert me.json() == {
        "user": None,
        "workspace": owner["workspace"],
        "role": "admin",
    }
    workspace = client.get("/api/v1/workspace", headers=auth(key))
    assert workspace.status_code == 200
    assert workspace.json()["id"] == owner["workspace"]["id"]


@pytest.mark.critical
def test_revoked_api_key_stops_working_at_once(client: TestClient[Any]) -> None:
    owner = register(client)
    created = create_key(client, owner["access_token"])
    assert client.get("/api/v1/me", headers=auth(created["key"])).status_code == 200
    response = client.delete(
        f"/api/v1/api-keys/{created['id']}", headers=auth(owner["access_token"])
    )
    assert response.status_code == 204
    assert_unauthorized(client, auth(created["key"]))
    listed = client.get("/api/v1/api-keys", headers=auth(owner["access_token"])).json()
    assert listed["items"] == []


def test_deleting_an_api_key_twice_is_404(client: TestClient[Any]) -> None:
    owner = register(client)
    created = create_key(client, owner["access_token"])
    path = f"/api/v1/api-keys/{created['id']}"
    assert client.delete(path, headers=auth(owner["access_token"])).status_code == 204
    assert_problem(client.delete(path, headers=auth(owner["access_token"])), 404, "not_found")


def test_deleting_an_unknown_api_key_is_404(client: TestClient[Any]) -> None:
    owner = register(client)
    response = client.delete(
        f"/api/v1/api-keys/{uuid.uuid4()}", headers=auth(owner["access_token"])
    )
    assert_problem(response, 404, "not_found")


def test_api_key_with_unknown_secret_is_401(client: TestClient[Any]) -> None:
    assert_unauthorized(client, auth("ccgpt_sk_" + "x" * 43))


@pytest.mark.critical
def test_a_leaked_api_key_cannot_outlive_its_revocation(client: TestClient[Any]) -> None:
    owner = register(client)
    key = create_key(client, owner["access_token"])["key"]
    made = client.post("/api/v1/api-keys", json={"name": "made by a key"}, headers=auth(key))
    assert_problem(made, 403, "forbidden")
    member = {"email": unique_email(), "full_name": "M", "role": "agent", "password": PASSWORD}
    added = client.post("/api/v1/workspace/members", json=member, headers=auth(key))
    assert_problem(added, 403, "forbidden")
    assert client.get("/api/v1/workspace", headers=auth(key)).status_code == 200


# --- tenancy -----------------------------------------------------------------


@pytest.mark.critical
def test_another_workspace_cannot_delete_an_api_key_and_gets_404(client: TestClient[Any]) -> None:
    first, second = register(client), register(client)
    created = create_key(client, first["access_token"])
    response = client.delete(
        f"/api/v1/api-keys/{created['id']}", headers=auth(second["access_token"])
    )
    body = assert_problem(response, 404, "not_found")
    unknown = client.delete(
        f"/api/v1/api-keys/{uuid.uuid4()}", headers=auth(second["access_token"])
    ).json()
    assert body["detail"] == unknown["detail"]  # indistinguishable from a missing key
    assert client.get("/api/v1/me", headers=auth(created["key"])).status_code == 200


def test_api_key_lists_are_per_workspace(client: TestClient[Any]) -> None:
    first, second = register(client), register(client)
    create_key(client, first["access_token"])
    listed = client.get("/api/v1/api-keys", headers=auth(second["access_token"]))
    assert listed.json()["items"] == []
