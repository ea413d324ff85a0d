"""JWT access, refresh and widget session tokens.

HS256 pinned; issuer, audience, type and expiry checked. A token's signature is checked once
per process: the payload of a verified token is remembered (its expiry still judged on every
use), since the same few tokens come with every request of a page or a widget."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from application.ports.clock import Clock
from application.ports.token_issuer import AccessClaims, RefreshClaims, SignedToken, WidgetClaims
from domain.errors import Unauthorized
from domain.ids import EmbedCodeId, SessionId, TokenFamilyId, TokenId, UserId, WorkspaceId
from domain.roles import Role

ALGORITHM = "HS256"
ISSUER = "customercaregpt"
AUDIENCE = "customercaregpt-api"
_REQUIRED = ["exp", "iat", "iss", "aud", "sub", "typ", "jti"]
_VERIFIED_ENTRIES = 4096


class PyJWTTokenIssuer:
    def __init__(
        self,
        secret: str,
        clock: Clock,
        access_ttl_seconds: int,
        refresh_ttl_seconds: int,
        widget_ttl_seconds: int = 24 * 3600,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the token signing secret must be at least 32 characters")
        self._secret, self._clock = secret, clock
        self._access_ttl, self._refresh_ttl = access_ttl_seconds, refresh_ttl_seconds
        self._widget_ttl = widget_ttl_seconds
        self._verified: dict[str, dict[str, Any]] = {}
        # Frozen claims of verified access tokens, so each use is a lookup (issue 14).
        self._access_claims: dict[str, AccessClaims] = {}

    @property
    def refresh_ttl_seconds(self) -> int:
        return self._refresh_ttl

    def issue_access(self, claims: AccessClaims) -> SignedToken:
        body = {"ws": str(claims.workspace_id), "role": claims.role.value}
        if claims.family_id is not None:
            body["fam"] = str(claims.family_id)
        return self._sign("access", str(claims.user_id), str(uuid.uuid4()), self._access_ttl, body)

    def issue_refresh(self, claims: RefreshClaims) -> SignedToken:
        ttl = int((claims.expires_at - self._clock.now()).total_seconds())
        body = {"ws": str(claims.workspace_id), "fam": str(claims.family_id)}
        return self._sign("refresh", str(claims.user_id), str(claims.token_id), ttl, body)

    def read_access(self, token: str) -> AccessClaims:
        payload = self._verify(token, "access")
        claims = self._access_claims.get(token)
        if claims is None:
            claims = self._access_claims_of(payload)
            if len(self._access_claims) >= _VERIFIED_ENTRIES:
                self._access_claims.clear()
            self._access_claims[token] = claims
        return claims

    @staticmethod
    def _access_claims_of(payload: dict[str, Any]) -> AccessClaims:
        try:
            family = payload.get("fam")
            return AccessClaims(
                UserId(uuid.UUID(payload["sub"])),
                WorkspaceId(uuid.UUID(payload["ws"])),
                Role(payload["role"]),
                TokenFamilyId(uuid.UUID(family)) if family is not None else None,
                datetime.fromtimestamp(payload["exp"], UTC),
            )
        except (KeyError, ValueError, TypeError):
            raise Unauthorized("Malformed access token.") from None

    def read_refresh(self, token: str) -> RefreshClaims:
        payload = self._verify(token, "refresh")
        try:
            return RefreshClaims(
                TokenId(uuid.UUID(payload["jti"])),
                TokenFamilyId(uuid.UUID(payload["fam"])),
                UserId(uuid.UUID(payload["sub"])),
                WorkspaceId(uuid.UUID(payload["ws"])),
                datetime.fromtimestamp(payload["exp"], UTC),
            )
        except (KeyError, ValueError, TypeError):
            raise Unauthorized("Malformed refresh token.") from None

    def issue_widget(self, claims: WidgetClaims) -> SignedToken:
        body = {
            "ws": str(claims.workspace_id),
            "emb": str(claims.embed_code_id),
            "kfp": claims.key_fingerprint,
            "org": claims.origin,
        }
        return self._sign(
            "widget", str(claims.session_id), str(uuid.uuid4()), self._widget_ttl, body
        )

    def read_widget(self, token: str) -> WidgetClaims:
        payload = self._verify(token, "widget")
        try:
            return WidgetClaims(
                SessionId(uuid.UUID(payload["sub"])),
                WorkspaceId(uuid.UUID(payload["ws"])),
                EmbedCodeId(uuid.UUID(payload["emb"])),
                str(payload["kfp"]),
                str(payload["org"]),
            )
        except (KeyError, ValueError, TypeError):
            raise Unauthorized("Malformed session token.") from None

    def _sign(self, typ: str, sub: str, jti: str, ttl: int, body: dict[str, Any]) -> SignedToken:
        now = self._clock.now()
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": sub,
            "typ": typ,
            "jti": jti,
            "iat": now,
            "exp": now + timedelta(seconds=ttl),
            **body,
        }
        return SignedToken(jwt.encode(payload, self._secret, algorithm=ALGORITHM), ttl)

    def _verify(self, token: str, typ: str) -> dict[str, Any]:
        payload = self._verified.get(token)
        if payload is None:
            payload = self._signed_payload(token)
            if len(self._verified) >= _VERIFIED_ENTRIES:
                self._verified.clear()
            self._verified[token] = payload
        if not isinstance(payload["exp"], int) or payload["exp"] <= self._clock.now().timestamp():
            raise Unauthorized("Invalid or expired token.")
        if payload.get("typ") != typ:
            raise Unauthorized(f"This is not a {typ} token.")
        return payload

    def _signed_payload(self, token: str) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                # Expiry is judged by our Clock port, not the library's wall clock.
                options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            raise Unauthorized("Invalid or expired token.") from None
        return payload
