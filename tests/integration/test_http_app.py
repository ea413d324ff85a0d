"""What the whole app adds to every route: metrics, the schema, headers, problem bodies.

Every test drives the whole app (a litestar TestClient) against the real embedded
PostgreSQL. The database is shared by the session, so every account has a unique email.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bootstrap.app import create_app
from bootstrap.settings import Settings
from tests.conftest import TEST_SECRET
from tests.integration.account_helpers import assert_problem, auth, login, register

# --- operations --------------------------------------------------------------


def test_metrics_are_prometheus_text(client: TestClient[Any]) -> None:
    client.get("/health/live")
    register(client)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "ccgpt" in response.text


def _series(client: TestClient[Any]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _labels(path: str, status: int, method: str = "GET") -> tuple[tuple[str, str], ...]:
    labels = {"app_name": "ccgpt", "method": method, "path": path, "status_code": str(status)}
    return tuple(sorted(labels.items()))


def test_metrics_count_each_request_by_route_method_and_status(client: TestClient[Any]) -> None:
    token = register(client)["access_token"]
    before = _series(client)
    for _ in range(3):
        assert client.get("/api/v1/me", headers=auth(token)).status_code == 200
    assert client.get("/api/v1/me", headers=auth("garbage")).status_code == 401
    client.get("/health/live")
    after = _series(client)

    def grew(name: str, labels: tuple[tuple[str, str], ...]) -> float:
        return after.get((name, labels), 0.0) - before.get((name, labels), 0.0)

    me, refused = _labels("/api/v1/me", 200), _labels("/api/v1/me", 401)
    assert grew("ccgpt_requests_total", me) == 3
    assert grew("ccgpt_requests_total", refused) == 1
    assert grew("ccgpt_request_duration_seconds_count", me) == 3
    assert grew("ccgpt_request_duration_seconds_sum", me) > 0
    assert grew("ccgpt_request_duration_seconds_bucket", tuple(sorted((*me, ("le", "+Inf"))))) == 3
    assert after[("ccgpt_requests_in_progress", me)] == 0
    assert not any(
        "/health" in dict(labels).get("path", "") or "/metrics" in dict(labels).get("path", "")
        for _, labels in after
    )


def test_openapi_schema_lists_the_account_paths(client: TestClient[Any]) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/workspace",
        "/api/v1/workspace/plan",
        "/api/v1/workspace/members",
        "/api/v1/api-keys",
    ):
        assert path in paths, path


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/health/live"),
        ("GET", "/api/v1/me"),
        ("GET", "/no/such/path"),
        ("POST", "/api/v1/auth/login"),
    ],
)
def test_every_response_carries_security_headers_and_request_id(
    client: TestClient[Any], method: str, path: str
) -> None:
    response = client.request(method, path, json={} if method == "POST" else None)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


def test_unknown_path_is_a_404_problem(client: TestClient[Any]) -> None:
    response = client.get("/no/such/path")
    assert_problem(response, 404, "not_found")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


def test_a_safe_offered_request_id_is_echoed(client: TestClient[Any]) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": "trace-123"})
    assert response.headers["X-Request-ID"] == "trace-123"


def test_an_unsafe_offered_request_id_is_replaced(client: TestClient[Any]) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": "evil\tvalue;<script>"})
    assert response.headers["X-Request-ID"] != "evil\tvalue;<script>"
    assert response.headers["X-Request-ID"]


def test_problem_bodies_do_not_leak_internals(client: TestClient[Any]) -> None:
    account = register(client)
    responses = [
        client.get("/api/v1/me", headers=auth("garbage")),
        login(client, account["user"]["email"], "wrong-password-1"),
        client.get("/no/such/path"),
    ]
    for response in responses:
        text = response.text.lower()
        for leak in ("traceback", "sqlalchemy", "psycopg", "select ", TEST_SECRET.lower()):
            assert leak not in text, (leak, response.text)


# --- edges every route shares (issue 18) ---------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/v1/workspace/plan", {"plan": "pro"}),
        ("PATCH", "/api/v1/workspace", {"name": "X"}),
    ],
)
def test_an_unauthenticated_change_is_a_clean_401_with_nothing_logged(
    postgres_settings: Settings,
    capsys: pytest.CaptureFixture[str],
    method: str,
    path: str,
    body: Any,
) -> None:
    settings = msgspec.structs.replace(postgres_settings, log_json=True, log_level="info")
    with TestClient(create_app(settings)) as client:
        capsys.readouterr()
        for _ in range(3):
            assert_problem(client.request(method, path, json=body), 401, "unauthorized")
    err = capsys.readouterr().err
    assert "InvalidStateError" not in err, err
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [line for line in logged if line.get("level") in ("error", "critical")] == []
    assert [line["status"] for line in logged if line["event"] == "http.request"] == [401] * 3


def test_the_access_line_carries_the_request_id_workspace_status_and_path(
    postgres_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = msgspec.structs.replace(postgres_settings, log_json=True, log_level="info")
    with TestClient(create_app(settings)) as client:
        account = register(client)
        token, workspace_id = account["access_token"], account["workspace"]["id"]
        capsys.readouterr()
        headers = {**auth(token), "X-Request-ID": "trace-42"}
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        assert client.get("/no/such/path", headers={"X-Request-ID": "trace-43"}).status_code == 404
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "{" in line]
    access = [line for line in logged if line.get("event") == "http.request"]
    assert [(a["request_id"], a["method"], a["path"], a["status"]) for a in access] == [
        ("trace-42", "GET", "/api/v1/me", 200)
    ]  # unmatched routes get headers and a problem body, but no route, so no access line
    assert access[0]["duration_ms"] >= 0
    assert access[0]["workspace_id"] == workspace_id  # bound by the principal dependency


def test_a_missing_body_is_named_as_such(client: TestClient[Any]) -> None:
    for response in (
        client.post("/api/v1/auth/register"),
        client.post("/api/v1/auth/login", headers={"Content-Type": "application/json"}),
    ):
        body = assert_problem(response, 422, "validation_error")
        assert body["detail"].startswith("A JSON body is required")
        assert body["errors"] == [{"field": "body", "message": "is required"}]
        assert "'data'" not in response.text


@pytest.mark.parametrize(
    ("path", "content", "content_type"),
    [
        ("/api/v1/auth/register", b"{bad json", "application/json"),
        ("/api/v1/auth/login", b'{"email": "a@b.example", "pass', "application/json"),
        ("/api/v1/auth/login", b"not json", "application/json"),
        ("/api/v1/documents", b"title=nofile", "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_that_cannot_be_read_is_a_422_naming_the_body(
    client: TestClient[Any], path: str, content: bytes, content_type: str
) -> None:
    headers = {"Content-Type": content_type}
    if path == "/api/v1/documents":
        headers |= auth(register(client)["access_token"])
    body = assert_problem(
        client.post(path, content=content, headers=headers), 422, "validation_error"
    )
    assert [e["field"] for e in body["errors"]] == ["body"], body
    assert body["errors"][0]["message"] == body["detail"]


def test_a_form_part_past_the_parsers_limits_is_a_413(client: TestClient[Any]) -> None:
    headers = auth(register(client)["access_token"])
    files = {"file": ("a" * 5000 + ".txt", b"hello there")}
    response = client.post("/api/v1/documents", files=files, headers=headers)
    body = assert_problem(response, 413, "payload_too_large")
    assert "file name" in body["detail"]


def test_a_wrong_method_is_a_405_with_allow(client: TestClient[Any]) -> None:
    response = client.delete("/api/v1/me")
    body = assert_problem(response, 405, "method_not_allowed")
    assert body["type"] == "/problems/method_not_allowed"
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET"}


def test_json_sent_as_text_plain_is_refused_with_415(client: TestClient[Any]) -> None:
    account = register(client)
    response = client.post(
        "/api/v1/auth/login",
        content=json.dumps({"email": account["user"]["email"], "password": account["password"]}),
        headers={"Content-Type": "text/plain"},
    )
    assert_problem(response, 415, "unsupported_media_type")
