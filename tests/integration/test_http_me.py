"""MeController over HTTP: who a bearer token is, and every way a token is refused.

Every test drives the whole app (a litestar TestClient) against the real embedded
PostgreSQL. The database is shared by the session, so every account has a unique email.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from litestar.testing import TestClient

from tests.conftest import TEST_SECRET
from tests.integration.account_helpers import assert_unauthorized, auth, register

# The claims of adapters/outbound/jwt/token_issuer.py.
ISSUER, AUDIENCE = "customercaregpt", "customercaregpt-api"


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


# --- bearer tokens on /api/v1/me ---------------------------------------------


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
