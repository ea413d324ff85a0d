"""RefreshTokenRepository port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.accounts import RefreshToken
from domain.ids import TokenFamilyId, TokenId


class RefreshTokenRepository(Protocol):
    """Issued refresh tokens, for rotation and reuse detection (system scope)."""

    async def add(self, token: RefreshToken) -> None: ...

    async def get(self, token_id: TokenId, *, for_update: bool = False) -> RefreshToken | None: ...

    async def save(self, token: RefreshToken) -> None: ...

    async def revoke_family(self, family_id: TokenFamilyId, now: datetime) -> None: ...

    async def family_revoked(self, family_id: TokenFamilyId) -> bool:
        """Whether the log-in this family stands for has ended (logged out, or a spent token
        was reused)."""
        ...
