"""WorkspaceController over HTTP: the workspace, its plan and its members, end to end.

Every test drives the whole app (a litestar TestClient) against the real embedded
PostgreSQL. The database is shared by the session, so every account has a unique email.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.integration.account_helpers import (
    add_member,
    assert_problem,
    assert_validation_error,
    auth,
    create_key,
    member_token,
    register,
    unique_email,
    upgrade,
)

LIMIT_KEYS = {
    "documents",
    "storage_mb",
    "max_file_mb",
    "messages_per_month",
    "embed_codes",
    "seats",
    "parse_seconds",
    "parse_memory_mb",
}
USAGE_KEYS = {"documents", "storage_bytes", "messages_this_month", "embed_codes", "seats"}


# --- workspace ---------------------------------------------------------------


def test_workspace_shows_free_limits_and_usage(client: TestClient[Any]) -> None:
    account = register(client)
    response = client.get("/api/v1/workspace", headers=auth(account["access_token"]))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == account["workspace"]["id"]
    assert body["name"] == "Acme Support"
    assert body["plan"] == "free"
    assert body["limits"].keys() == LIMIT_KEYS
    assert body["usage"].keys() == USAGE_KEYS
    assert body["limits"]["seats"] == 1
    assert body["usage"] == {
        "documents": 0,
        "storage_bytes": 0,
        "messages_this_month": 0,
        "embed_codes": 0,
        "seats": 1,
    }


def test_rename_workspace_is_visible_afterwards(client: TestClient[Any]) -> None:
    account = register(client)
    headers = auth(account["access_token"])
    response = client.patch("/api/v1/workspace", json={"name": "Renamed Co"}, headers=headers)
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed Co"
    assert client.get("/api/v1/workspace", headers=headers).json()["name"] == "Renamed Co"
    assert client.get("/api/v1/me", headers=headers).json()["workspace"]["name"] == "Renamed Co"


def test_rename_workspace_to_blank_is_422(client: TestClient[Any]) -> None:
    account = register(client)
    response = client.patch(
        "/api/v1/workspace", json={"name": "   "}, headers=auth(account["access_token"])
    )
    assert_validation_error(response, "name")


def test_rename_workspace_by_agent_is_403(client: TestClient[Any]) -> None:
    owner = register(client)
    agent = member_token(client, owner, "agent")
    response = client.patch("/api/v1/workspace", json={"name": "Hijacked"}, headers=auth(agent))
    assert_problem(response, 403, "forbidden")
    current = client.get("/api/v1/workspace", headers=auth(owner["access_token"])).json()
    assert current["name"] == "Acme Support"


def test_rename_workspace_by_admin_is_allowed(client: TestClient[Any]) -> None:
    owner = register(client)
    admin = member_token(client, owner, "admin")
    response = client.patch("/api/v1/workspace", json={"name": "By Admin"}, headers=auth(admin))
    assert response.status_code == 200
    current = client.get("/api/v1/workspace", headers=auth(owner["access_token"])).json()
    assert current["name"] == "By Admin"


def test_change_plan_by_owner_changes_limits_at_once(client: TestClient[Any]) -> None:
    account = register(client)
    headers = auth(account["access_token"])
    free_limits = client.get("/api/v1/workspace", headers=headers).json()["limits"]
    response = client.put("/api/v1/workspace/plan", json={"plan": "pro"}, headers=headers)
    assert response.status_code == 200
    assert response.json()["plan"] == "pro"
    pro_limits = response.json()["limits"]
    assert pro_limits != free_limits
    assert pro_limits["seats"] > free_limits["seats"]
    after = client.get("/api/v1/workspace", headers=headers).json()
    assert after["plan"] == "pro"
    assert after["limits"] == pro_limits
    assert client.get("/api/v1/me", headers=headers).json()["workspace"]["plan"] == "pro"


def test_change_plan_to_enterprise_is_unlimited(client: TestClient[Any]) -> None:
    account = register(client)
    response = client.put(
        "/api/v1/workspace/plan",
        json={"plan": "enterprise"},
        headers=auth(account["access_token"]),
    )
    assert response.status_code == 200
    assert set(response.json()["limits"].values()) == {-1}


def test_change_plan_by_admin_is_403(client: TestClient[Any]) -> None:
    owner = register(client)
    admin = member_token(client, owner, "admin")
    response = client.put("/api/v1/workspace/plan", json={"plan": "free"}, headers=auth(admin))
    assert_problem(response, 403, "forbidden")
    current = client.get("/api/v1/workspace", headers=auth(owner["access_token"])).json()
    assert current["plan"] == "pro"


def test_change_plan_by_api_key_is_403(client: TestClient[Any]) -> None:
    owner = register(client)
    key = create_key(client, owner["access_token"])["key"]
    response = client.put("/api/v1/workspace/plan", json={"plan": "pro"}, headers=auth(key))
    assert_problem(response, 403, "forbidden")


def test_change_plan_to_unknown_plan_is_422(client: TestClient[Any]) -> None:
    account = register(client)
    response = client.put(
        "/api/v1/workspace/plan", json={"plan": "platinum"}, headers=auth(account["access_token"])
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"]


# --- members -----------------------------------------------------------------


def test_adding_a_member_on_the_free_plan_is_402_naming_seats(client: TestClient[Any]) -> None:
    owner = register(client)
    response = add_member(client, owner["access_token"])
    body = assert_problem(response, 402, "quota_exceeded")
    assert "seats" in body["detail"]
    members = client.get("/api/v1/workspace/members", headers=auth(owner["access_token"]))
    assert len(members.json()["items"]) == 1


def test_adding_an_agent_on_pro_is_201_and_listed(client: TestClient[Any]) -> None:
    owner = register(client)
    upgrade(client, owner)
    email = unique_email()
    response = add_member(client, owner["access_token"], "agent", email)
    assert response.status_code == 201, response.text
    member = response.json()
    assert member.keys() >= {"user_id", "email", "full_name", "role"}
    assert "password" not in response.text and "password_hash" not in member
    assert member["email"] == email
    assert member["full_name"] == "Member agent"
    assert member["role"] == "agent"
    uuid.UUID(member["user_id"])

    listed = client.get("/api/v1/workspace/members", headers=auth(owner["access_token"]))
    assert listed.status_code == 200
    body = listed.json()
    assert body["next_cursor"] is None
    roles = {item["user_id"]: item["role"] for item in body["items"]}
    assert roles == {owner["user"]["id"]: "owner", member["user_id"]: "agent"}
    workspace = client.get("/api/v1/workspace", headers=auth(owner["access_token"])).json()
    assert workspace["usage"]["seats"] == 2


def test_adding_a_member_with_a_taken_email_is_409(client: TestClient[Any]) -> None:
    owner = register(client)
    upgrade(client, owner)
    email = unique_email()
    assert add_member(client, owner["access_token"], email=email).status_code == 201
    assert_problem(add_member(client, owner["access_token"], email=email), 409, "email_taken")
    taken_elsewhere = register(client)["user"]["email"]
    response = add_member(client, owner["access_token"], email=taken_elsewhere.upper())
    assert_problem(response, 409, "email_taken")


def test_agent_can_read_but_not_manage(client: TestClient[Any]) -> None:
    owner = register(client)
    agent = member_token(client, owner, "agent")
    headers = auth(agent)
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["role"] == "agent"
    assert me.json()["workspace"]["id"] == owner["workspace"]["id"]
    assert client.get("/api/v1/workspace", headers=headers).status_code == 200
    assert client.get("/api/v1/workspace/members", headers=headers).status_code == 200
    assert_problem(
        client.patch("/api/v1/workspace", json={"name": "x"}, headers=headers), 403, "forbidden"
    )
    assert_problem(add_member(client, agent), 403, "forbidden")
    assert_problem(
        client.post("/api/v1/api-keys", json={"name": "k"}, headers=headers), 403, "forbidden"
    )
    assert_problem(client.get("/api/v1/api-keys", headers=headers), 403, "forbidden")


def test_admin_can_add_an_agent_but_not_an_admin(client: TestClient[Any]) -> None:
    owner = register(client)
    admin = member_token(client, owner, "admin")
    assert add_member(client, admin, "agent").status_code == 201
    assert_problem(add_member(client, admin, "admin"), 403, "forbidden")


def test_owner_can_add_an_admin(client: TestClient[Any]) -> None:
    owner = register(client)
    upgrade(client, owner)
    response = add_member(client, owner["access_token"], "admin")
    assert response.status_code == 201
    assert response.json()["role"] == "admin"


@pytest.mark.parametrize("role", ["owner", "superuser"])
def test_adding_a_member_with_an_invalid_role_is_422(client: TestClient[Any], role: str) -> None:
    owner = register(client)
    upgrade(client, owner)
    response = add_member(client, owner["access_token"], role)
    assert_validation_error(response, "role")


def test_adding_a_member_with_a_short_password_is_422(client: TestClient[Any]) -> None:
    owner = register(client)
    upgrade(client, owner)
    response = client.post(
        "/api/v1/workspace/members",
        json={
            "email": unique_email(),
            "full_name": "Short",
            "role": "agent",
            "password": "p" * 9,
        },
        headers=auth(owner["access_token"]),
    )
    assert_validation_error(response, "password")


# --- tenancy -----------------------------------------------------------------


def test_each_workspace_sees_its_own_workspace(client: TestClient[Any]) -> None:
    first = register(client, workspace_name="First Co")
    second = register(client, workspace_name="Second Co")
    one = client.get("/api/v1/workspace", headers=auth(first["access_token"])).json()
    two = client.get("/api/v1/workspace", headers=auth(second["access_token"])).json()
    assert (one["id"], one["name"]) == (first["workspace"]["id"], "First Co")
    assert (two["id"], two["name"]) == (second["workspace"]["id"], "Second Co")


def test_renaming_one_workspace_leaves_the_other_alone(client: TestClient[Any]) -> None:
    first = register(client, workspace_name="First Co")
    second = register(client, workspace_name="Second Co")
    client.patch("/api/v1/workspace", json={"name": "Changed"}, headers=auth(first["access_token"]))
    two = client.get("/api/v1/workspace", headers=auth(second["access_token"])).json()
    assert two["name"] == "Second Co"


def test_member_lists_are_per_workspace(client: TestClient[Any]) -> None:
    first, second = register(client), register(client)
    upgrade(client, first)
    add_member(client, first["access_token"])
    items = client.get("/api/v1/workspace/members", headers=auth(second["access_token"])).json()
    assert [item["user_id"] for item in items["items"]] == [second["user"]["id"]]


# --- pagination --------------------------------------------------------------


def test_members_paginate_with_a_cursor(client: TestClient[Any]) -> None:
    owner = register(client)
    upgrade(client, owner)
    headers = auth(owner["access_token"])
    for _ in range(2):
        assert add_member(client, owner["access_token"]).status_code == 201
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 1}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/api/v1/workspace/members", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) == 1
        seen.extend(item["user_id"] for item in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str)
    assert pages == 3
    assert len(set(seen)) == 3
    assert seen[0] == owner["user"]["id"]  # oldest first
    everyone = client.get("/api/v1/workspace/members", headers=headers).json()["items"]
    assert [item["user_id"] for item in everyone] == seen


@pytest.mark.parametrize("limit", ["0", "101", "-1"])
def test_members_limit_out_of_range_is_422(client: TestClient[Any], limit: str) -> None:
    owner = register(client)
    response = client.get(
        "/api/v1/workspace/members", params={"limit": limit}, headers=auth(owner["access_token"])
    )
    assert_validation_error(response, "limit")


def test_members_limit_of_100_is_accepted(client: TestClient[Any]) -> None:
    owner = register(client)
    response = client.get(
        "/api/v1/workspace/members", params={"limit": 100}, headers=auth(owner["access_token"])
    )
    assert response.status_code == 200


def test_members_non_numeric_limit_is_422(client: TestClient[Any]) -> None:
    owner = register(client)
    response = client.get(
        "/api/v1/workspace/members", params={"limit": "ten"}, headers=auth(owner["access_token"])
    )
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize("cursor", ["garbage!", "bm90LWpzb24", "WyJ4IiwgInkiXQ"])
def test_members_garbage_cursor_is_422(client: TestClient[Any], cursor: str) -> None:
    owner = register(client)
    response = client.get(
        "/api/v1/workspace/members", params={"cursor": cursor}, headers=auth(owner["access_token"])
    )
    assert_validation_error(response, "cursor")
