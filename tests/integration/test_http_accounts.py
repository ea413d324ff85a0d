"""Accounts, workspaces, members, API keys and operations over HTTP (API.md), end to end.

Every test drives the whole app (a litestar TestClient) against the real embedded
PostgreSQL. The database is shared by the session, so every account has a unique email.
"""

from __future__ import annotations

import base64
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
from tests.integration.conftest import make_client

PASSWORD = "correct-horse-battery"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}
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
# The claims of adapters/outbound/jwt/token_issuer.py.
ISSUER, AUDIENCE = "customercaregpt", "customercaregpt-api"


# --- helpers -----------------------------------------------------------------


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
    return body


def assert_validation_error(response: Any, field: str) -> dict[str, Any]:
    body = assert_problem(response, 422, "validation_error")
    assert isinstance(body["errors"], list) and body["errors"]
    for error in body["errors"]:
        assert {"field", "message"} <= error.keys()
    assert field in [error["field"] for error in body["errors"]], body["errors"]
    return body


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def access_claims(account: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": account["user"]["id"],
        "typ": "access",
        "jti": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "ws": account["workspace"]["id"],
        "role": "owner",
    }
    claims.update(overrides)
    return claims


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


def test_login_unknown_email_and_wrong_password_answer_alike(client: TestClient[Any]) -> None:
    account = register(client)
    wrong_password = login(client, account["user"]["email"], "wrong-password-1")
    unknown_email = login(client, unique_email(), "wrong-password-1")
    assert_problem(wrong_password, 401, "invalid_credentials")
    assert_problem(unknown_email, 401, "invalid_credentials")
    assert wrong_password.content == unknown_email.content
    assert wrong_password.headers["content-type"] == unknown_email.headers["content-type"]


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


def test_refresh_token_signed_with_another_key_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    claims = jwt.decode(account["refresh_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, "another-signing-key-that-is-long-enough-xyz", algorithm="HS256")
    assert_problem(refresh(client, forged), 401, "unauthorized")


def test_expired_refresh_token_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    claims = jwt.decode(account["refresh_token"], options={"verify_signature": False})
    expired = {**claims, "exp": int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())}
    assert_problem(
        refresh(client, jwt.encode(expired, TEST_SECRET, algorithm="HS256")), 401, "unauthorized"
    )
    # Control: the same claims with their real expiry are accepted, so expiry was the reason.
    assert refresh(client, jwt.encode(claims, TEST_SECRET, algorithm="HS256")).status_code == 200


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


# --- bearer tokens on /api/v1/me ---------------------------------------------


def assert_unauthorized(client: TestClient[Any], headers: dict[str, str]) -> None:
    response = client.get("/api/v1/me", headers=headers)
    assert_problem(response, 401, "unauthorized")
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


def test_me_without_authorization_header_is_401(client: TestClient[Any]) -> None:
    assert_unauthorized(client, {})


@pytest.mark.parametrize(
    "header", ["Bearer garbage", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "garbage"]
)
def test_me_with_garbage_credentials_is_401(client: TestClient[Any], header: str) -> None:
    assert_unauthorized(client, {"Authorization": header})


def test_me_with_token_signed_by_another_key_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    forged = jwt.encode(
        access_claims(account), "another-signing-key-that-is-long-enough-xyz", algorithm="HS256"
    )
    assert_unauthorized(client, auth(forged))


def test_me_with_a_self_signed_token_using_the_real_key_works(client: TestClient[Any]) -> None:
    """Control for the hand-made tokens below: with the right key and claims, it works."""
    account = register(client)
    token = jwt.encode(access_claims(account), TEST_SECRET, algorithm="HS256")
    response = client.get("/api/v1/me", headers=auth(token))
    assert response.status_code == 200, response.text


def test_me_with_tampered_payload_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    header, payload, signature = account["access_token"].split(".")
    middle = len(payload) // 2
    swapped = "A" if payload[middle] != "A" else "B"
    tampered = f"{header}.{payload[:middle]}{swapped}{payload[middle + 1 :]}.{signature}"
    assert_unauthorized(client, auth(tampered))


def test_me_with_workspace_swapped_in_payload_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    header, payload, signature = account["access_token"].split(".")
    claims = json.loads(b64url_decode(payload))
    claims["ws"] = str(uuid.uuid4())
    forged = f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"
    assert_unauthorized(client, auth(forged))


def test_me_with_alg_none_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    payload = account["access_token"].split(".")[1]
    header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    assert_unauthorized(client, auth(f"{header}.{payload}."))


def test_me_with_another_algorithm_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    token = jwt.encode(access_claims(account), TEST_SECRET, algorithm="HS512")
    assert_unauthorized(client, auth(token))


def test_me_with_expired_token_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    past = datetime.now(UTC) - timedelta(minutes=5)
    claims = access_claims(
        account,
        iat=int((past - timedelta(minutes=15)).timestamp()),
        exp=int(past.timestamp()),
    )
    assert_unauthorized(client, auth(jwt.encode(claims, TEST_SECRET, algorithm="HS256")))


@pytest.mark.parametrize(
    ("claim", "value"), [("iss", "someone-else"), ("aud", "another-api"), ("typ", "refresh")]
)
def test_me_with_wrong_issuer_audience_or_type_is_401(
    client: TestClient[Any], claim: str, value: str
) -> None:
    account = register(client)
    token = jwt.encode(access_claims(account, **{claim: value}), TEST_SECRET, algorithm="HS256")
    assert_unauthorized(client, auth(token))


def test_me_with_refresh_token_as_access_token_is_401(client: TestClient[Any]) -> None:
    account = register(client)
    assert_unauthorized(client, auth(account["refresh_token"]))


def test_me_returns_user_workspace_and_role(client: TestClient[Any]) -> None:
    account = register(client, full_name="Grace Owner", workspace_name="Grace Co")
    response = client.get("/api/v1/me", headers=auth(account["access_token"]))
    assert response.status_code == 200
    assert response.json() == {
        "user": {
            "id": account["user"]["id"],
            "email": account["user"]["email"],
            "full_name": "Grace Owner",
        },
        "workspace": {"id": account["workspace"]["id"], "name": "Grace Co", "plan": "free"},
        "role": "owner",
    }


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


# --- operations --------------------------------------------------------------


def test_health_live(client: TestClient[Any]) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200


def test_health_ready_reports_the_database(client: TestClient[Any]) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["database"] == "ok"
    assert {"database", "redis", "queue"} <= body.keys()


def test_metrics_are_prometheus_text(client: TestClient[Any]) -> None:
    client.get("/health/live")
    register(client)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "ccgpt" in response.text


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


def test_a_client_with_other_settings_still_serves(postgres_settings: Any, tmp_path: Path) -> None:
    settings = make_settings(
        database_url=postgres_settings.database_url,
        data_dir=str(tmp_path / "other"),
        access_token_ttl_seconds=60,
    )
    with make_client(settings) as other:
        account = register(other)
        assert account["expires_in"] == 60
