"""Issues access/refresh pairs and records refresh tokens for rotation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.clock import Clock
from application.ports.token_issuer import AccessClaims, RefreshClaims, TokenIssuer
from application.ports.unit_of_work import UnitOfWork
from domain.accounts import RefreshToken, User
from domain.ids import TokenFamilyId, TokenId, new_uuid


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_token_id: TokenId


class TokenPairs:
    """Starts and continues refresh-token families."""

    def __init__(self, issuer: TokenIssuer, clock: Clock) -> None:
        self._issuer = issuer
        self._clock = clock

    async def issue(
        self, tx: UnitOfWork, user: User, family_id: TokenFamilyId | None = None
    ) -> TokenPair:
        now = self._clock.now()
        record = RefreshToken(
            id=TokenId(new_uuid()),
            family_id=family_id or TokenFamilyId(new_uuid()),
            user_id=user.id,
            workspace_id=user.workspace_id,
            expires_at=now + timedelta(seconds=self._issuer.refresh_ttl_seconds),
            created_at=now,
        )
        await tx.refresh_tokens.add(record)
        access = self._issuer.issue_access(
            AccessClaims(user.id, user.workspace_id, user.role, record.family_id)
        )
        refresh = self._issuer.issue_refresh(
            RefreshClaims(
                record.id, record.family_id, user.id, user.workspace_id, record.expires_at
            )
        )
        return TokenPair(access.token, refresh.token, access.expires_in, record.id)
