"""TokenIssuer port and the claims it signs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.ids import EmbedCodeId, SessionId, TokenFamilyId, TokenId, UserId, WorkspaceId
from domain.roles import Role


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """Who the token was issued to. `role` is informative only: the role in force is read
    from stored data. `family_id` ties the token to its log-in (refresh-token family), so a
    log-out ends it too."""

    user_id: UserId
    workspace_id: WorkspaceId
    role: Role
    family_id: TokenFamilyId | None = None
    expires_at: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RefreshClaims:
    token_id: TokenId
    family_id: TokenFamilyId
    user_id: UserId
    workspace_id: WorkspaceId
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class WidgetClaims:
    """A widget session: bound to its embed code, the key it was opened with, and the
    origin of the page it was opened on."""

    session_id: SessionId
    workspace_id: WorkspaceId
    embed_code_id: EmbedCodeId
    key_fingerprint: str
    origin: str


@dataclass(frozen=True, slots=True)
class SignedToken:
    token: str
    expires_in: int


class TokenIssuer(Protocol):
    """Signs and verifies access, refresh and widget session tokens; bad ones raise Unauthorized."""

    def issue_access(self, claims: AccessClaims) -> SignedToken: ...

    def issue_refresh(self, claims: RefreshClaims) -> SignedToken: ...

    def read_access(self, token: str) -> AccessClaims: ...

    def read_refresh(self, token: str) -> RefreshClaims: ...

    def issue_widget(self, claims: WidgetClaims) -> SignedToken: ...

    def read_widget(self, token: str) -> WidgetClaims: ...

    @property
    def refresh_ttl_seconds(self) -> int: ...
