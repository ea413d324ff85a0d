"""AuthController over HTTP (register, log in, refresh, log out), end to end.

Every test drives the whole app (a litestar TestClient) against the real embedded
PostgreSQL. The database is shared by the session, so every account has a unique email.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from litestar.testing import TestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from bootstrap.app import create_app
from tests.conftest import TEST_SECRET, make_settings
from tests.integration.account_helpers import (
    PASSWORD,
    assert_problem,
    assert_validation_error,
    auth,
    login,
    refresh,
    register,
    unique_email,
)
from tests.integration.conftest import make_client


class PeerAddress:
    """Presents every HTTP request as coming from `host` (the TestClient says "testclient")."""

    def __init__(self, app: ASGIApp, host: str) -> None:
        self.app, self.host = app, host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (self.host, 50000)}  # type: ignore[typeddict-item]
        await self.app(scope, receive, send)


@pytest.fixture
def rate_limited_client(postgres_settings: Any, tmp_path: Path) -> Iterator[TestClient[Any]]:
    """Log-in limit 3/minute; the proxy 127.0.0.1 is trusted, so X-Forwarded-For is the IP."""
    settings = make_settings(
        database_url=postgres_settings.database_url,
        data_dir=str(tmp_path / "limited"),
        rate_limit_login="3/minute",
        trusted_proxies="127.0.0.1/32",
    )
    app = PeerAddress(create_app(settings), "127.0.0.1")
    with TestClient(app) as test_client:  # type: ignore[arg-type]
        yield test_client


# --- register ----------------------------------------------------------------


def test_register_returns_user_workspace_and_token_pair(client: TestClient[Any]) -> None:
    email = unique_email()
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": email,
            "password": PASSWORD,
            "full_name": "Ada Owner",
            "workspace_name": "Acme Support",
        },
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body.keys() >= {
        "user",
        "workspace",
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
    }
    assert body["user"] == {"id": body["user"]["id"], "email": email, "full_name": "Ada Owner"}
    uuid.UUID(body["user"]["id"])
    assert body["workspace"] == {
        "id": body["workspace"]["id"],
        "name": "Acme Support",
        "plan": "free",
    }
    uuid.UUID(body["workspace"]["id"])
    assert body["token_type"] == "bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert body["access_token"] and body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]
    assert "password" not in response.text and PASSWORD not in response.text


def test_register_stores_email_lower_case(client: TestClient[Any]) -> None:
    local = uuid.uuid4().hex[:10]
    account = register(client, email=f"  {local.upper()}@Example.COM ")
    assert account["user"]["email"] == f"{local}@example.com"
    assert login(client, f"{local}@example.com").status_code == 200


def test_register_access_token_opens_me(client: TestClient[Any]) -> None:
    account = register(client)
    response = client.get("/api/v1/me", headers=auth(account["access_token"]))
    assert response.status_code == 200
    assert response.json()["user"]["id"] == account["user"]["id"]


def test_register_duplicate_email_is_409_email_taken(client: TestClient[Any]) -> None:
    email = unique_email()
    register(client, email=email)
    response = client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": "B", "workspace_name": "B"},
    )
    assert_problem(response, 409, "email_taken")


def test_register_duplicate_email_differing_in_case_is_409(client: TestClient[Any]) -> None:
    email = unique_email()
    register(client, email=email)
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": email.upper(),
            "password": PASSWORD,
            "full_name": "B",
            "workspace_name": "B",
        },
    )
    assert_problem(response, 409, "email_taken")


@pytest.mark.parametrize("bad_email", ["not-an-email", "a@b", "two@@example.com", "", "a b@x.com"])
def test_register_bad_email_is_422_naming_email(client: TestClient[Any], bad_email: str) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": bad_email,
            "password": PASSWORD,
            "full_name": "A",
            "workspace_name": "W",
        },
    )
    assert_validation_error(response, "email")


@pytest.mark.parametrize("length", [9, 129])
def test_register_password_out_of_range_is_422_naming_password(
    client: TestClient[Any], length: int
) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": unique_email(),
            "password": "p" * length,
            "full_name": "A",
            "workspace_name": "W",
        },
    )
    body = assert_validation_error(response, "password")
    assert "p" * length not in json.dumps(body)


@pytest.mark.parametrize("length", [10, 128])
def test_register_password_at_the_bounds_is_accepted(client: TestClient[Any], length: int) -> None:
    email = unique_email()
    account = register(client, email=email, password="p" * length)
    assert account["user"]["email"] == email
    assert login(client, email, "p" * length).status_code == 200


def test_register_refused_password_creates_no_account(client: TestClient[Any]) -> None:
    email = unique_email()
    refused = client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": "short", "full_name": "A", "workspace_name": "W"},
    )
    assert refused.status_code == 422
    register(client, email=email)  # the email is still free


def test_register_unknown_field_is_422(client: TestClient[Any]) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": unique_email(),
            "password": PASSWORD,
            "full_name": "A",
            "workspace_name": "W",
            "role": "owner",
        },
    )
    body = assert_problem(response, 422, "validation_error")
    assert isinstance(body["errors"], list)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD, "full_name": "A", "workspace_name": "W"}, "email"),
        (
            {
                "email": "x@example.com",
                "password": PASSWORD,
                "full_name": "A",
                "workspace_name": "W",
                "extra": 1,
            },
            "extra",
        ),
    ],
)
def test_register_body_errors_name_the_offending_field(
    client: TestClient[Any], body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/auth/register", json=body)
    assert_validation_error(response, field)


@pytest.mark.parametrize(
    ("field", "value"),
    [("full_name", "   "), ("workspace_name", ""), ("workspace_name", "w" * 201)],
)
def test_register_bad_names_are_422_naming_the_field(
    client: TestClient[Any], field: str, value: str
) -> None:
    body = {"email": unique_email(), "password": PASSWORD, "full_name": "A", "workspace_name": "W"}
    body[field] = value
    response = client.post("/api/v1/auth/register", json=body)
    assert_validation_error(response, field)


def test_register_missing_field_is_422(client: TestClient[Any]) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={"email": unique_email(), "password": PASSWORD, "full_name": "A"},
    )
    body = assert_problem(response, 422, "validation_error")
    assert isinstance(body["errors"], list)


def test_register_body_that_is_not_json_is_a_validation_problem(client: TestClient[Any]) -> None:
    response = client.post(
        "/api/v1/auth/register",
        content=b"email=a@example.com&password=nope",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert_problem(response, response.status_code, "validation_error")


def test_register_body_over_the_cap_is_413(client: TestClient[Any]) -> None:
    body = {
        "email": unique_email(),
        "password": PASSWORD,
        "full_name": "x" * (1024 * 1024),
        "workspace_name": "W",
    }
    response = client.post("/api/v1/auth/register", json=body)
    assert_problem(response, 413, "payload_too_large")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


def test_a_client_with_other_settings_still_serves(postgres_settings: Any, tmp_path: Path) -> None:
    settings = make_settings(
        database_url=postgres_settings.database_url,
        data_dir=str(tmp_path / "other"),
        access_token_ttl_seconds=60,
    )
    with make_client(settings) as other:
        account = register(other)
        assert account["expires_in"] == 60


# --- login -------------------------------------------------------------------


def test_login_returns_a_token_pair(client: TestClient[Any]) -> None:
    account = register(client)
    response = login(client, account["user"]["email"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.keys() >= {"access_token", "refresh_token", "token_type", "expires_in"}
    assert "user" not in body and "workspace" not in body
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert body["refresh_token"] != account["refresh_token"]
    me = client.get("/api/v1/me", headers=auth(body["access_token"]))
    assert me.status_code == 200


def test_login_email_is_case_insensitive(client: TestClient[Any]) -> None:
    account = register(client)
    assert login(client, account["user"]["email"].upper()).status_code == 200


@pytest.mark.critical
def test_login_unknown_email_and_wrong_password_answer_alike(client: TestClient[Any]) -> None:
    account = register(client)
    wrong_password = login(client, account["user"]["email"], "wrong-password-1")
    unknown_email = login(client, unique_email(), "wrong-password-1")
    assert_problem(wrong_password, 401, "invalid_credentials")
    assert_problem(unknown_email, 401, "invalid_credentials")
    assert wrong_password.content == unknown_email.content
    assert wrong_password.headers["content-type"] == unknown_email.headers["content-type"]


@pytest.mark.critical
def test_login_after_repeated_failures_is_429_with_retry_after(
    rate_limited_client: TestClient[Any],
) -> None:
    client = rate_limited_client
    account = register(client)
    for _ in range(3):
        assert login(client, account["user"]["email"], "wrong-password-1").status_code == 401
    # Even the right password is refused now.
    response = login(client, account["user"]["email"])
    assert_problem(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1


def test_login_429_carries_ratelimit_headers(rate_limited_client: TestClient[Any]) -> None:
    client = rate_limited_client
    account = register(client)
    for _ in range(3):
        login(client, account["user"]["email"], "wrong-password-1")
    response = login(client, account["user"]["email"], "wrong-password-1")
    assert response.status_code == 429
    assert response.headers["RateLimit-Limit"] == "3"
    assert response.headers["RateLimit-Remaining"] == "0"
    assert int(response.headers["RateLimit-Reset"]) >= 1


def test_login_limit_per_account_holds_from_another_ip(
    rate_limited_client: TestClient[Any],
) -> None:
    client = rate_limited_client
    victim, bystander = register(client), register(client)
    attacker = {"X-Forwarded-For": "203.0.113.10"}
    other_ip = {"X-Forwarded-For": "198.51.100.20"}
    for _ in range(3):
        response = client.post(
            "/api/v1/auth/login",
            json={"email": victim["user"]["email"], "password": "wrong-password-1"},
            headers=attacker,
        )
        assert response.status_code == 401
    # The victim's account is locked whatever the IP ...
    locked = client.post(
        "/api/v1/auth/login",
        json={"email": victim["user"]["email"], "password": PASSWORD},
        headers=other_ip,
    )
    assert_problem(locked, 429, "rate_limited")
    assert "Retry-After" in locked.headers
    # ... while another account from another IP is unaffected.
    fine = client.post(
        "/api/v1/auth/login",
        json={"email": bystander["user"]["email"], "password": PASSWORD},
        headers=other_ip,
    )
    assert fine.status_code == 200, fine.text


def test_login_limit_per_ip_holds_for_other_accounts(
    rate_limited_client: TestClient[Any],
) -> None:
    client = rate_limited_client
    account = register(client)
    attacker = {"X-Forwarded-For": "203.0.113.11"}
    for _ in range(3):
        response = client.post(
            "/api/v1/auth/login",
            json={"email": unique_email(), "password": "wrong-password-1"},
            headers=attacker,
        )
        assert response.status_code == 401
    from_attacker = client.post(
        "/api/v1/auth/login",
        json={"email": account["user"]["email"], "password": PASSWORD},
        headers=attacker,
    )
    assert_problem(from_attacker, 429, "rate_limited")
    from_elsewhere = client.post(
        "/api/v1/auth/login",
        json={"email": account["user"]["email"], "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.21"},
    )
    assert from_elsewhere.status_code == 200


def test_every_login_attempt_counts_so_bursts_cannot_outrun_the_limit(
    rate_limited_client: TestClient[Any],
) -> None:
    account = register(rate_limited_client)
    for _ in range(3):
        assert login(rate_limited_client, account["user"]["email"]).status_code == 200
    assert login(rate_limited_client, account["user"]["email"]).status_code == 429


# --- refresh and logout ------------------------------------------------------


def test_refresh_returns_a_new_pair(client: TestClient[Any]) -> None:
    account = register(client)
    response = refresh(client, account["refresh_token"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["refresh_token"] != account["refresh_token"]
    assert client.get("/api/v1/me", headers=auth(body["access_token"])).status_code == 200
    assert refresh(client, body["refresh_token"]).status_code == 200


def test_refresh_token_is_spent_after_use(client: TestClient[Any]) -> None:
    account = register(client)
    assert refresh(client, account["refresh_token"]).status_code == 200
    assert_problem(refresh(client, account["refresh_token"]), 401, "unauthorized")


@pytest.mark.critical
def test_reuse_of_a_spent_refresh_token_revokes_the_family(client: TestClient[Any]) -> None:
    account = register(client)
    rotated = refresh(client, account["refresh_token"]).json()
    assert refresh(client, account["refresh_token"]).status_code == 401  # reuse
    assert_problem(refresh(client, rotated["refresh_token"]), 401, "unauthorized")


def test_family_revocation_spares_other_log_in_sessions(client: TestClient[Any]) -> None:
    account = register(client)
    other_session = login(client, account["user"]["email"]).json()
    refresh(client, account["refresh_token"])
    assert refresh(client, account["refresh_token"]).status_code == 401  # reuse
    assert refresh(client, other_session["refresh_token"]).status_code == 200


def test_access_token_is_refused_as_refresh_token(client: TestClient[Any]) -> None:
    account = register(client)
    assert_problem(refresh(client, account["access_token"]), 401, "unauthorized")


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "ccgpt_sk_nope", ""])
def test_garbage_refresh_token_is_401(client: TestClient[Any], garbage: str) -> None:
    assert_problem(refresh(client, garbage), 401, "unauthorized")


@pytest.mark.critical
def test_refresh_token_signed_with_another_key_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    claims = jwt.decode(account["refresh_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, "another-signing-key-that-is-long-enough-xyz", algorithm="HS256")
    assert_problem(refresh(client, forged), 401, "unauthorized")


@pytest.mark.critical
def test_expired_refresh_token_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    claims = jwt.decode(account["refresh_token"], options={"verify_signature": False})
    expired = {**claims, "exp": int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())}
    assert_problem(
        refresh(client, jwt.encode(expired, TEST_SECRET, algorithm="HS256")), 401, "unauthorized"
    )
    # Control: the same claims with their real expiry are accepted, so expiry was the reason.
    assert refresh(client, jwt.encode(claims, TEST_SECRET, algorithm="HS256")).status_code == 200


@pytest.mark.critical
def test_logout_is_204_and_the_refresh_token_stops_working(client: TestClient[Any]) -> None:
    account = register(client)
    response = client.post("/api/v1/auth/logout", json={"refresh_token": account["refresh_token"]})
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(refresh(client, account["refresh_token"]), 401, "unauthorized")


def test_logout_revokes_tokens_already_rotated_from_it(client: TestClient[Any]) -> None:
    account = register(client)
    rotated = refresh(client, account["refresh_token"]).json()
    client.post("/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    assert refresh(client, rotated["refresh_token"]).status_code == 401


def test_logout_with_an_unknown_token_is_still_204(client: TestClient[Any]) -> None:
    response = client.post("/api/v1/auth/logout", json={"refresh_token": "garbage"})
    assert response.status_code == 204
