"""What a widget request carries once its embed key and origin are checked: the embed code,
the page's origin, the budgets it spends, and the signed session tokens it is given."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.rate_limiter import Budget, RateLimit
from application.ports.token_issuer import TokenIssuer, WidgetClaims
from domain.embed_codes import EmbedCode
from domain.errors import Forbidden, OriginNotAllowed, Unauthorized
from domain.ids import SessionId


@dataclass(frozen=True, slots=True)
class WidgetAccess:
    """An embed code opened by a page on an origin it allows ("" when the caller sent none)."""

    code: EmbedCode
    origin: str

    def ip_budget(self, client_ip: str, limit: RateLimit) -> Budget:
        # Keyed by workspace too: visitors behind one NAT on two customers' sites
        # must not spend each other's budget.
        return Budget(f"ip:{self.code.workspace_id}:{client_ip}", limit)

    def embed_budget(self, limit: RateLimit) -> Budget:
        return Budget(f"embed:{self.code.id}", limit)


@dataclass(frozen=True, slots=True)
class WidgetLimits:
    per_ip: RateLimit
    per_embed_code: RateLimit


class WidgetSessionTokens:
    """Reads a session token and checks it against the request it came with."""

    def __init__(self, tokens: TokenIssuer) -> None:
        self._tokens = tokens

    def issue(self, access: WidgetAccess, session_id: SessionId) -> tuple[str, int]:
        claims = WidgetClaims(
            session_id,
            access.code.workspace_id,
            access.code.id,
            access.code.key_fingerprint,
            access.origin,
        )
        signed = self._tokens.issue_widget(claims)
        return signed.token, signed.expires_in

    def check(self, access: WidgetAccess, token: str | None) -> WidgetClaims:
        if not token:
            raise Unauthorized("A session token is required: the X-Session-Token header.")
        claims = self._tokens.read_widget(token)
        code = access.code
        if claims.embed_code_id != code.id or claims.key_fingerprint != code.key_fingerprint:
            raise Unauthorized("This session was opened with another key; start a new one.")
        if claims.origin != access.origin:
            raise OriginNotAllowed("This session was opened on another site.")
        return claims

    def check_session(
        self, access: WidgetAccess, token: str | None, session_id: SessionId
    ) -> WidgetClaims:
        claims = self.check(access, token)
        if claims.session_id != session_id:
            raise Forbidden("This session token opens another session.")
        return claims
