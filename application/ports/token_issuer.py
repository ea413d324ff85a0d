"""TokenIssuer port and the claims it signs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.ids import TokenFamilyId, TokenId, UserId, WorkspaceId
from domain.roles import Role


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UserId
    workspace_id: WorkspaceId
    role: Role


@dataclass(frozen=True, slots=True)
class RefreshClaims:
    token_id: TokenId
    family_id: TokenFamilyId
    user_id: UserId
    workspace_id: WorkspaceId
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SignedToken:
    token: str
    expires_in: int


class TokenIssuer(Protocol):
    """Signs and verifies access and refresh tokens; bad tokens raise Unauthorized."""

    def issue_access(self, claims: AccessClaims) -> SignedToken: ...

    def issue_refresh(self, claims: RefreshClaims) -> SignedToken: ...

    def read_access(self, token: str) -> AccessClaims: ...

    def read_refresh(self, token: str) -> RefreshClaims: ...

    @property
    def refresh_ttl_seconds(self) -> int: ...
