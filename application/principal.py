"""Who is calling: a member of a workspace, or one of its secret API keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import Forbidden
from domain.ids import ApiKeyId, UserId, WorkspaceId
from domain.roles import Permission, Role

NOT_FOR_API_KEYS = frozenset(
    {
        Permission.MANAGE_API_KEYS,
        Permission.ADD_MEMBER,
        Permission.ASSIGN_ADMIN,
        Permission.CHANGE_PLAN,
    }
)


@dataclass(frozen=True, slots=True)
class Principal:
    workspace_id: WorkspaceId
    role: Role
    user_id: UserId | None = None
    api_key_id: ApiKeyId | None = None
    # When the credential stops working by itself (an access token's expiry); None: never.
    expires_at: datetime | None = field(default=None, compare=False)

    def require(self, permission: Permission) -> None:
        if self.api_key_id is not None and permission in NOT_FOR_API_KEYS:
            # A leaked key must not be able to outlive its own revocation.
            raise Forbidden("A secret API key cannot manage keys, members or the plan.")
        self.role.require(permission)
