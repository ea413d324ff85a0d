"""Helpers for the account tests: registering, logging in, members, keys, problems."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import TestClient

PASSWORD = "correct-horse-battery"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def unique_email() -> str:
    return f"{uuid.uuid4().hex[:10]}@example.com"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(client: TestClient[Any], email: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {
        "email": email or unique_email(),
        "password": PASSWORD,
        "full_name": "Ada Owner",
        "workspace_name": "Acme Support",
        **fields,
    }
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    data["password"] = body["password"]
    return data


def login(client: TestClient[Any], email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def refresh(client: TestClient[Any], refresh_token: str) -> Any:
    return client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def upgrade(client: TestClient[Any], owner: dict[str, Any], plan: str = "pro") -> None:
    response = client.put(
        "/api/v1/workspace/plan", json={"plan": plan}, headers=auth(owner["access_token"])
    )
    assert response.status_code == 200, response.text


def add_member(
    client: TestClient[Any], token: str, role: str = "agent", email: str | None = None
) -> Any:
    body = {
        "email": email or unique_email(),
        "full_name": f"Member {role}",
        "role": role,
        "password": PASSWORD,
    }
    return client.post("/api/v1/workspace/members", json=body, headers=auth(token))


def member_token(client: TestClient[Any], owner: dict[str, Any], role: str) -> str:
    """Upgrade the owner's workspace, add a member of `role`, and log the member in."""
    upgrade(client, owner)
    email = unique_email()
    assert add_member(client, owner["access_token"], role, email).status_code == 201
    response = login(client, email)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def create_key(client: TestClient[Any], token: str, name: str = "ci") -> dict[str, Any]:
    response = client.post("/api/v1/api-keys", json={"name": name}, headers=auth(token))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    if code == "validation_error":  # API.md: validation errors name their fields
        assert isinstance(body.get("errors"), list) and body["errors"], body
        assert all({"field", "message"} <= e.keys() for e in body["errors"]), body
    return body


def assert_validation_error(response: Any, field: str) -> dict[str, Any]:
    body = assert_problem(response, 422, "validation_error")
    assert isinstance(body["errors"], list) and body["errors"]
    for error in body["errors"]:
        assert {"field", "message"} <= error.keys()
    assert field in [error["field"] for error in body["errors"]], body["errors"]
    return body


def assert_unauthorized(client: TestClient[Any], headers: dict[str, str]) -> None:
    response = client.get("/api/v1/me", headers=headers)
    assert_problem(response, 401, "unauthorized")
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
