"""Embed codes over HTTP: the API.md shapes, validation, plan limit, rotation, tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.conftest import make_settings
from tests.integration.conftest import make_client
from tests.integration.knowledge_helpers import owner

BODY = {
    "name": "Main site",
    "allowed_domains": ["example.com", "*.example.org"],
    "settings": {
        "title": "Help",
        "greeting": "Hello!",
        "primary_color": "#0A7E8C",
        "position": "bottom-left",
        "placeholder": "Ask us",
        "suggested_questions": ["Where is my order?"],
    },
}


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient[Any]]:
    settings = make_settings(
        database_url=database_url, data_dir=str(tmp_path / "d"), public_url="https://cc.example.net"
    )
    with make_client(settings) as test_client:
        yield test_client


def test_create_returns_the_contract_shape_with_a_snippet(client: TestClient[Any]) -> None:
    headers = owner(client, plan=None)
    response = client.post("/api/v1/embed-codes", json=BODY, headers=headers)
    assert response.status_code == 201, response.text
    code = response.json()
    assert {
        "id",
        "name",
        "public_key",
        "allowed_domains",
        "settings",
        "active",
        "snippet",
        "created_at",
    } <= code.keys()
    assert code["public_key"].startswith("ccgpt_pk_") and code["active"] is True
    assert code["allowed_domains"] == ["example.com", "*.example.org"]
    assert (
        code["settings"]["primary_color"] == "#0A7E8C"
        and code["settings"]["position"] == "bottom-left"
    )
    assert code["snippet"] == (
        '<script src="https://cc.example.net/widget/v1/widget.js" '
        f'data-ccgpt-key="{code["public_key"]}" async></script>'
    )
    assert client.get(f"/api/v1/embed-codes/{code['id']}", headers=headers).json() == code
    assert [
        c["id"] for c in client.get("/api/v1/embed-codes", headers=headers).json()["items"]
    ] == [code["id"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"allowed_domains": ["example.com/path"]}, "allowed_domains"),
        ({"allowed_domains": ["*."]}, "allowed_domains"),
        ({"allowed_domains": ["*.com"]}, "allowed_domains"),
        ({"allowed_domains": ["*.co.uk"]}, "allowed_domains"),
        ({"settings": {"primary_color": "blue"}}, "settings.primary_color"),
        ({"settings": {"position": "top"}}, "settings.position"),
        (
            {"settings": {"suggested_questions": [f"q{n}" for n in range(7)]}},
            "settings.suggested_questions",
        ),
        ({"settings": {"colour": "#000000"}}, "colour"),
    ],
)
def test_bad_domains_and_settings_are_422(
    client: TestClient[Any], change: dict[str, Any], field: str
) -> None:
    headers = owner(client, plan=None)
    response = client.post("/api/v1/embed-codes", json={**BODY, **change}, headers=headers)
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert any(field in e["field"] for e in response.json()["errors"]), response.json()


def test_patch_rotate_and_delete(client: TestClient[Any]) -> None:
    headers = owner(client, plan=None)
    code = client.post("/api/v1/embed-codes", json=BODY, headers=headers).json()
    patched = client.patch(
        f"/api/v1/embed-codes/{code['id']}",
        json={"active": False, "settings": {"title": "Questions?"}, "allowed_domains": []},
        headers=headers,
    ).json()
    assert patched["active"] is False and patched["allowed_domains"] == []
    assert (
        patched["settings"]["title"] == "Questions?" and patched["settings"]["greeting"] == "Hello!"
    )
    rotated = client.post(f"/api/v1/embed-codes/{code['id']}/rotate-key", headers=headers).json()
    assert (
        rotated["public_key"] != code["public_key"] and rotated["public_key"] in rotated["snippet"]
    )
    assert client.delete(f"/api/v1/embed-codes/{code['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/embed-codes/{code['id']}", headers=headers).status_code == 404


def test_the_plan_limits_embed_codes_and_usage_counts_them(client: TestClient[Any]) -> None:
    headers = owner(client, plan=None)  # free: 2 embed codes
    for _ in range(2):
        assert client.post("/api/v1/embed-codes", json=BODY, headers=headers).status_code == 201
    third = client.post("/api/v1/embed-codes", json=BODY, headers=headers)
    assert third.status_code == 402 and third.json()["code"] == "quota_exceeded"
    assert "embed codes" in third.json()["detail"]
    assert client.get("/api/v1/workspace", headers=headers).json()["usage"]["embed_codes"] == 2


def test_another_workspace_gets_404_and_agents_403(client: TestClient[Any]) -> None:
    headers, stranger = owner(client), owner(client)
    code = client.post("/api/v1/embed-codes", json=BODY, headers=headers).json()
    for method, path in (
        ("GET", f"/api/v1/embed-codes/{code['id']}"),
        ("PATCH", f"/api/v1/embed-codes/{code['id']}"),
        ("POST", f"/api/v1/embed-codes/{code['id']}/rotate-key"),
        ("DELETE", f"/api/v1/embed-codes/{code['id']}"),
    ):
        response = client.request(
            method, path, json={} if method == "PATCH" else None, headers=stranger
        )
        assert response.status_code == 404, (method, path, response.text)
    assert client.get("/api/v1/embed-codes", headers=stranger).json()["items"] == []
    member = {
        "email": f"ag{code['id'][:8]}@example.org",
        "full_name": "A",
        "role": "agent",
        "password": "a-good-password",
    }
    assert client.post("/api/v1/workspace/members", json=member, headers=headers).status_code == 201
    token = client.post(
        "/api/v1/auth/login", json={"email": member["email"], "password": member["password"]}
    ).json()
    agent = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.post("/api/v1/embed-codes", json=BODY, headers=agent).status_code == 403
