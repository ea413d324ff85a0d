"""Who is calling: a member of a workspace, or one of its secret API keys."""

from __future__ import annotations

from dataclasses import dataclass

from domain.ids import ApiKeyId, UserId, WorkspaceId
from domain.roles import Permission, Role


@dataclass(frozen=True, slots=True)
class Principal:
    workspace_id: WorkspaceId
    role: Role
    user_id: UserId | None = None
    api_key_id: ApiKeyId | None = None

    def require(self, permission: Permission) -> None:
        self.role.require(permission)
