"""Roles inside a workspace and what each may do."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import Forbidden, ValidationFailed


class Permission(StrEnum):
    READ_WORKSPACE = "read_workspace"
    MANAGE_WORKSPACE = "manage_workspace"
    CHANGE_PLAN = "change_plan"
    ADD_MEMBER = "add_member"
    ASSIGN_ADMIN = "assign_admin"
    MANAGE_API_KEYS = "manage_api_keys"
    MANAGE_KNOWLEDGE = "manage_knowledge"
    MANAGE_EMBED_CODES = "manage_embed_codes"
    HANDLE_CONVERSATIONS = "handle_conversations"
    READ_ANALYTICS = "read_analytics"
    EXPORT_DATA = "export_data"  # conversation exports and visitors' data rights


_AGENT = frozenset(
    {Permission.READ_WORKSPACE, Permission.HANDLE_CONVERSATIONS, Permission.READ_ANALYTICS}
)
# Admins do everything but change the plan or hand out the admin role.
_ADMIN = frozenset(Permission) - {Permission.CHANGE_PLAN, Permission.ASSIGN_ADMIN}


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    AGENT = "agent"

    @classmethod
    def parse_member_role(cls, value: str) -> Role:
        """Roles that can be given to a new member (there is one owner)."""
        if value not in (cls.ADMIN.value, cls.AGENT.value):
            raise ValidationFailed.on("role", "must be 'admin' or 'agent'")
        return cls(value)

    def permissions(self) -> frozenset[Permission]:
        if self is Role.OWNER:
            return frozenset(Permission)
        return _ADMIN if self is Role.ADMIN else _AGENT

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions()

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise Forbidden(f"The {self.value} role may not {permission.value.replace('_', ' ')}.")
