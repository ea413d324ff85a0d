"""No bytes a client sends can make a server error: a sweep generated from the app's own
OpenAPI document puts NUL (which PostgreSQL cannot store), a lone surrogate and deep
nesting into every string field of every JSON body, and NUL into every query string.

Every JSON operation needs a valid example body below: a new route without one fails the
sweep, so it cannot escape it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from tests.integration.knowledge_helpers import PASSWORD
from tests.integration.widget_helpers import SITE, Site, new_site, widget_client

EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/auth/login"): {"email": "a@example.com", "password": "x" * 12},
    ("POST", "/api/v1/auth/logout"): {"refresh_token": "t"},
    ("POST", "/api/v1/auth/refresh"): {"refresh_token": "t"},
    ("POST", "/api/v1/auth/register"): {
        "email": "new@example.com",
        "password": "x" * 12,
        "full_name": "New",
        "workspace_name": "W",
    },
    ("POST", "/console/session"): {"email": "a@example.com", "password": "x" * 12},
    ("POST", "/console/session/signup"): {
        "email": "console@example.com",
        "password": "x" * 12,
        "full_name": "New",
        "workspace_name": "W",
    },
    ("POST", "/api/v1/workspace/members"): {
        "email": "m@example.com",
        "full_name": "M",
        "role": "agent",
        "password": "x" * 12,
    },
    ("PATCH", "/api/v1/workspace/members/{user_id}"): {"role": "agent"},
    ("PUT", "/api/v1/workspace/plan"): {"plan": "pro"},
    ("PATCH", "/api/v1/workspace"): {"name": "Renamed"},
    ("POST", "/api/v1/api-keys"): {"name": "ops"},
    ("POST", "/api/v1/documents/text"): {"title": "T", "content": "Some text."},
    ("POST", "/api/v1/search"): {"query": "shipping", "top_k": 3},
    ("POST", "/api/v1/chat"): {"message": "Shipping?", "client_message_id": "c1"},
    ("POST", "/api/v1/conversations/{session_id}/messages"): {"text": "Hello"},
    ("PATCH", "/api/v1/embed-codes/{code_id}"): {
        "name": "N",
        "allowed_domains": ["shop.example.com"],
        "settings": {"greeting": "Hi", "suggested_questions": ["Shipping?"]},
    },
    ("POST", "/api/v1/embed-codes"): {
        "name": "N",
        "allowed_domains": ["shop.example.com"],
        "settings": {"title": "T", "greeting": "Hi", "suggested_questions": ["Q?"]},
    },
    ("POST", "/widget/v1/sessions/{session_id}/messages"): {
        "text": "Shipping?",
        "client_message_id": "w1",
    },
    ("POST", "/widget/v1/messages/{message_id}/feedback"): {"rating": "up", "comment": "ok"},
    ("POST", "/widget/v1/sessions"): {"visitor_id": "v-1"},
}


@dataclass
class World:
    site: Site
    ids: dict[str, str]
    session: dict[str, Any]

    def path(self, template: str) -> str:
        return template.format(**self.ids)

    def headers(self, path: str) -> dict[str, str]:
        if path.startswith("/widget/"):
            return {"Origin": SITE, "X-Session-Token": self.session["session_token"]}
        return dict(self.site.headers)

    def send(self, method: str, template: str, content: bytes, query: str = "") -> int:
        path = self.path(template)
        parts = [query.lstrip("?")] if query else []
        if path.startswith("/widget/"):
            parts.append(f"key={self.site.key}")
        url = path + ("?" + "&".join(parts) if parts else "")
        headers = {**self.headers(path), "Content-Type": "application/json"}
        response = self.site.client.request(method, url, content=content, headers=headers)
        return response.status_code


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("sweep")
    with widget_client(database_url, Path(tmp)) as client:
        site = new_site(client)
        session = site.start()
        answer = site.ask(session, "Shipping to Canada?").json()
        member = client.post(
            "/api/v1/workspace/members",
            json={
                "email": f"{uuid.uuid4().hex[:8]}@example.com",
                "full_name": "Agent",
                "role": "agent",
                "password": PASSWORD,
            },
            headers=site.headers,
        ).json()
        key = client.post("/api/v1/api-keys", json={"name": "k"}, headers=site.headers).json()
        document = client.get("/api/v1/documents", headers=site.headers).json()["items"][0]
        ids = {
            "user_id": member["user_id"],
            "key_id": key["id"],
            "document_id": document["id"],
            "session_id": session["session_id"],
            "message_id": answer["message_id"],
            "code_id": site.code["id"],
            "visitor_id": "v-1",
        }
        yield World(site, ids, session)


def operations(client: TestClient[Any]) -> list[tuple[str, str, dict[str, Any]]]:
    schema = client.get("/schema/openapi.json").json()
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                found.append((method.upper(), path, operation))
    return found


def string_leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from string_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_leaves(item, (*path, index))


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


DEEP = "[" * 2000 + "]" * 2000


def hostile_bodies(example: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    for leaf in string_leaves(example):
        marker = "\u2603"  # stands in for what JSON text must carry escaped or raw
        body = json.dumps(replaced(example, leaf, f"a{marker}b"), ensure_ascii=False)
        yield f"NUL at {leaf}", body.replace(marker, "\\u0000").encode()
        yield f"lone surrogate at {leaf}", body.replace(marker, "\\ud800").encode()
        yield f"deep nesting at {leaf}", body.replace(f'"a{marker}b"', DEEP).encode()
    yield "deep nesting as the body", DEEP.encode()


def test_every_json_operation_has_an_example(world: World) -> None:
    json_operations = {
        (method, path)
        for method, path, operation in operations(world.site.client)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert json_operations == set(EXAMPLES), "add an example body for each new JSON route"


def test_no_hostile_body_causes_a_server_error(world: World) -> None:
    failures = []
    for (method, template), example in EXAMPLES.items():
        for what, body in hostile_bodies(example):
            status = world.send(method, template, body)
            if status >= 500 or status < 400:
                failures.append(f"{method} {template}: {what} -> {status}")
    assert not failures, "\n".join(failures)


def test_no_hostile_query_string_causes_a_server_error(world: World) -> None:
    failures = []
    for method, template, operation in operations(world.site.client):
        names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
        for name in [*names, "key", "anything"]:
            for value in ("%00", "a%00b", "%ED%A0%80", "%FF"):
                status = world.send(method, template, b"", f"?{name}={value}")
                if status >= 500 or status != 422:
                    failures.append(f"{method} {template}: ?{name}={value} -> {status}")
    assert not failures, "\n".join(failures)


def test_hostile_multipart_fields_cause_no_server_error(world: World) -> None:
    site = world.site
    hostile: list[tuple[Any, str]] = [
        ("a\x00b", "notes.txt"),
        ("Notes", "a\x00b.txt"),
        (b"\xed\xa0\x80", "x.txt"),  # a surrogate, encoded as no valid UTF-8 may be
        (b"\xff\xfe", "y.txt"),
    ]
    for title, filename in hostile:
        response = site.client.post(
            "/api/v1/documents",
            files={"file": (filename, f"Some notes {uuid.uuid4()}.".encode())},
            data={"title": title},
            headers=site.headers,
        )
        assert response.status_code < 500, (title, filename, response.text)


def test_a_json_body_as_plain_text_is_refused(world: World) -> None:
    response = world.site.client.post(
        "/api/v1/auth/login",
        content=json.dumps(EXAMPLES[("POST", "/api/v1/auth/login")]),
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_hostile_widget_socket_parameters_are_refused(world: World) -> None:
    site, session = world.site, world.session
    url = (
        f"/widget/v1/ws?key={site.key}%00&session_id={session['session_id']}"
        f"&session_token={session['session_token']}"
    )
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        site.client.websocket_connect(url, headers={"Origin": SITE}) as socket,
    ):
        socket.receive()
    assert closed.value.code == 4401
