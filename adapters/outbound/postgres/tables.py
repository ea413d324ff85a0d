"""Table definitions (SQLAlchemy Core) and the row <-> entity mappings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    Table,
    Text,
    Uuid,
)

from domain.accounts import ApiKey, RefreshToken, User, Workspace
from domain.ids import ApiKeyId, TokenFamilyId, TokenId, UserId, WorkspaceId
from domain.plans import Plan
from domain.roles import Role

metadata = MetaData()
TZ = DateTime(timezone=True)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("plan", Text, nullable=False),
    Column("created_at", TZ, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("email", Text, nullable=False, unique=True),
    Column("full_name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("created_at", TZ, nullable=False),
    Index("ix_users_workspace_created", "workspace_id", "created_at", "id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False),
    Column("prefix", Text, nullable=False),
    Column("key_hash", Text, nullable=False, unique=True),
    Column("created_at", TZ, nullable=False),
    Column("revoked_at", TZ),
    Column("last_used_at", TZ),
    Index("ix_api_keys_workspace_created", "workspace_id", "created_at", "id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", TZ, nullable=False),
    Column("created_at", TZ, nullable=False),
    Column("spent_at", TZ),
    Column("revoked_at", TZ),
    Column("replaced_by", Uuid),
)

TENANT_TABLES = ("workspaces", "users", "api_keys", "refresh_tokens")


def workspace_from_row(row: Any) -> Workspace:
    return Workspace(WorkspaceId(row.id), row.name, Plan(row.plan), row.created_at)


def workspace_to_row(ws: Workspace) -> dict[str, Any]:
    return {"id": ws.id, "name": ws.name, "plan": ws.plan.value, "created_at": ws.created_at}


def user_from_row(row: Any) -> User:
    return User(
        id=UserId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        email=row.email,
        full_name=row.full_name,
        password_hash=row.password_hash,
        role=Role(row.role),
        created_at=row.created_at,
    )


def user_to_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "workspace_id": user.workspace_id,
        "email": user.email,
        "full_name": user.full_name,
        "password_hash": user.password_hash,
        "role": user.role.value,
        "created_at": user.created_at,
    }


def api_key_from_row(row: Any) -> ApiKey:
    return ApiKey(
        id=ApiKeyId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        name=row.name,
        prefix=row.prefix,
        key_hash=row.key_hash,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def api_key_to_row(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "workspace_id": key.workspace_id,
        "name": key.name,
        "prefix": key.prefix,
        "key_hash": key.key_hash,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
        "last_used_at": key.last_used_at,
    }


def refresh_token_from_row(row: Any) -> RefreshToken:
    return RefreshToken(
        id=TokenId(row.id),
        family_id=TokenFamilyId(row.family_id),
        user_id=UserId(row.user_id),
        workspace_id=WorkspaceId(row.workspace_id),
        expires_at=row.expires_at,
        created_at=row.created_at,
        spent_at=row.spent_at,
        revoked_at=row.revoked_at,
        replaced_by=TokenId(row.replaced_by) if row.replaced_by else None,
    )


def refresh_token_to_row(token: RefreshToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "family_id": token.family_id,
        "user_id": token.user_id,
        "workspace_id": token.workspace_id,
        "expires_at": token.expires_at,
        "created_at": token.created_at,
        "spent_at": token.spent_at,
        "revoked_at": token.revoked_at,
        "replaced_by": token.replaced_by,
    }
