"""JWTs: only our own, unexpired tokens of the expected type get through."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import jwt
import pytest

from adapters.outbound.jwt.token_issuer import AUDIENCE, ISSUER, PyJWTTokenIssuer
from adapters.outbound.memory.clock import FixedClock
from application.ports.token_issuer import AccessClaims, RefreshClaims, WidgetClaims
from domain.errors import Unauthorized
from domain.ids import EmbedCodeId, SessionId, TokenFamilyId, TokenId, UserId, WorkspaceId
from domain.roles import Role

SECRET = "s" * 48


@pytest.fixture
def clock() -> FixedClock:
    from datetime import UTC, datetime

    return FixedClock(datetime.now(UTC))


@pytest.fixture
def issuer(clock: FixedClock) -> PyJWTTokenIssuer:
    return PyJWTTokenIssuer(SECRET, clock, access_ttl_seconds=60, refresh_ttl_seconds=3600)


def access_claims() -> AccessClaims:
    return AccessClaims(UserId(uuid.uuid4()), WorkspaceId(uuid.uuid4()), Role.ADMIN)


def refresh_token(issuer: PyJWTTokenIssuer, clock: FixedClock) -> str:
    claims = RefreshClaims(
        TokenId(uuid.uuid4()),
        TokenFamilyId(uuid.uuid4()),
        UserId(uuid.uuid4()),
        WorkspaceId(uuid.uuid4()),
        clock.now() + timedelta(hours=1),
    )
    return issuer.issue_refresh(claims).token


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_access_tokens_round_trip(issuer: PyJWTTokenIssuer) -> None:
    claims = access_claims()
    assert issuer.read_access(issuer.issue_access(claims).token) == claims


def test_refresh_tokens_round_trip(issuer: PyJWTTokenIssuer, clock: FixedClock) -> None:
    token = refresh_token(issuer, clock)
    assert issuer.read_refresh(token).expires_at > clock.now()


def test_expired_access_token(issuer: PyJWTTokenIssuer, clock: FixedClock) -> None:
    token = issuer.issue_access(access_claims()).token
    clock.advance(61)
    with pytest.raises(Unauthorized):
        issuer.read_access(token)


def test_a_token_verified_before_still_expires_and_keeps_its_type(
    issuer: PyJWTTokenIssuer, clock: FixedClock
) -> None:
    token = issuer.issue_access(access_claims()).token
    assert issuer.read_access(token) == issuer.read_access(token)  # the second from memory
    with pytest.raises(Unauthorized):
        issuer.read_refresh(token)
    clock.advance(61)
    with pytest.raises(Unauthorized):
        issuer.read_access(token)


def test_token_signed_with_another_key(clock: FixedClock) -> None:
    other = PyJWTTokenIssuer("o" * 48, clock, 60, 3600)
    token = other.issue_access(access_claims()).token
    with pytest.raises(Unauthorized):
        PyJWTTokenIssuer(SECRET, clock, 60, 3600).read_access(token)


def test_tampered_payload(issuer: PyJWTTokenIssuer) -> None:
    header, payload, signature = issuer.issue_access(access_claims()).token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "owner"
    with pytest.raises(Unauthorized):
        issuer.read_access(f"{header}.{b64(claims)}.{signature}")


def test_alg_none_is_refused(issuer: PyJWTTokenIssuer) -> None:
    _, payload, _ = issuer.issue_access(access_claims()).token.split(".")
    for alg in ("none", "None", "NONE"):
        with pytest.raises(Unauthorized):
            issuer.read_access(f"{b64({'alg': alg, 'typ': 'JWT'})}.{payload}.")


def test_other_algorithms_with_our_secret_are_refused(issuer: PyJWTTokenIssuer) -> None:
    _, payload, _ = issuer.issue_access(access_claims()).token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    with pytest.raises(Unauthorized):
        issuer.read_access(jwt.encode(claims, SECRET, algorithm="HS512"))


def test_refresh_token_is_not_an_access_token(issuer: PyJWTTokenIssuer, clock: FixedClock) -> None:
    with pytest.raises(Unauthorized):
        issuer.read_access(refresh_token(issuer, clock))
    with pytest.raises(Unauthorized):
        issuer.read_refresh(issuer.issue_access(access_claims()).token)


@pytest.mark.parametrize(
    "change", [{"iss": "someone-else"}, {"aud": "another-api"}, {"sub": None}, {"typ": None}]
)
def test_wrong_or_missing_standard_claims(
    issuer: PyJWTTokenIssuer, clock: FixedClock, change: dict[str, object]
) -> None:
    now = int(clock.now().timestamp())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "typ": "access",
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 60,
        "ws": str(uuid.uuid4()),
        "role": "owner",
    }
    assert issuer.read_access(jwt.encode(claims, SECRET, algorithm="HS256")).role is Role.OWNER
    claims.update(change)
    claims = {k: v for k, v in claims.items() if v is not None}
    with pytest.raises(Unauthorized):
        issuer.read_access(jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "ccgpt_sk_nope", "x" * 5000])
def test_garbage(issuer: PyJWTTokenIssuer, garbage: str) -> None:
    with pytest.raises(Unauthorized):
        issuer.read_access(garbage)


def test_short_secrets_are_refused(clock: FixedClock) -> None:
    with pytest.raises(ValueError):
        PyJWTTokenIssuer("short", clock, 60, 3600)


def widget_claims() -> WidgetClaims:
    return WidgetClaims(
        SessionId(uuid.uuid4()),
        WorkspaceId(uuid.uuid4()),
        EmbedCodeId(uuid.uuid4()),
        "0123456789abcdef",
        "https://shop.example.com",
    )


def test_widget_session_tokens_round_trip_and_expire_after_a_day(clock: FixedClock) -> None:
    issuer = PyJWTTokenIssuer(SECRET, clock, 60, 3600)  # the default: 24 hours
    claims = widget_claims()
    signed = issuer.issue_widget(claims)
    assert signed.expires_in == 24 * 3600
    assert issuer.read_widget(signed.token) == claims
    clock.advance(24 * 3600)
    with pytest.raises(Unauthorized):
        issuer.read_widget(signed.token)


def test_widget_tokens_and_api_tokens_never_stand_in_for_each_other(
    issuer: PyJWTTokenIssuer,
) -> None:
    widget = issuer.issue_widget(widget_claims()).token
    with pytest.raises(Unauthorized):
        issuer.read_access(widget)
    with pytest.raises(Unauthorized):
        issuer.read_widget(issuer.issue_access(access_claims()).token)
