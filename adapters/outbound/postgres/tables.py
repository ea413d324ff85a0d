"""Table definitions (SQLAlchemy Core) and the row <-> entity mappings."""

from __future__ import annotations

from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
)

from domain.accounts import ApiKey, RefreshToken, User, Workspace
from domain.documents import Document, DocumentStatus, MimeType
from domain.ids import ApiKeyId, ChunkId, DocumentId, TokenFamilyId, TokenId, UserId, WorkspaceId
from domain.knowledge import Chunk
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


# --- knowledge base -------------------------------------------------------

documents = Table(
    "documents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, nullable=False),
    Column("title", Text, nullable=False),
    Column("filename", Text, nullable=False),
    Column("mime_type", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("checksum", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("chunk_count", Integer, nullable=False),
    Column("error", Text),
    Column("created_at", TZ, nullable=False),
    Column("updated_at", TZ, nullable=False),
)

document_contents = Table(
    "document_contents",
    metadata,
    Column("document_id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

chunks = Table(
    "chunks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, nullable=False),
    Column("document_id", Uuid, nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("heading", Text),
    Column("page", Integer),
    Column("token_count", Integer, nullable=False),
    Column("embedding", Vector(384), nullable=False),
)

ingestion_jobs = Table(
    "ingestion_jobs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, nullable=False),
    Column("document_id", Uuid, nullable=False),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("run_after", TZ, nullable=False),
    Column("locked_by", Text),
    Column("locked_until", TZ),
    Column("last_error", Text),
    Column("created_at", TZ, nullable=False),
    Column("updated_at", TZ, nullable=False),
)


def document_from_row(row: Any) -> Document:
    return Document(
        id=DocumentId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        title=row.title,
        filename=row.filename,
        mime_type=MimeType(row.mime_type),
        size_bytes=row.size_bytes,
        checksum=row.checksum,
        status=DocumentStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        chunk_count=row.chunk_count,
        error=row.error,
    )


def document_to_row(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "workspace_id": doc.workspace_id,
        "title": doc.title,
        "filename": doc.filename,
        "mime_type": doc.mime_type.value,
        "size_bytes": doc.size_bytes,
        "checksum": doc.checksum,
        "status": doc.status.value,
        "chunk_count": doc.chunk_count,
        "error": doc.error,
        "created_at": doc.created_at,
        "updated_at": doc.updated_at,
    }


def chunk_from_row(row: Any) -> Chunk:
    return Chunk(
        id=ChunkId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        document_id=DocumentId(row.document_id),
        ordinal=row.ordinal,
        text=row.text,
        heading=row.heading,
        page=row.page,
        token_count=row.token_count,
        embedding=tuple(float(x) for x in row.embedding),
    )


def chunk_to_row(chunk: Chunk) -> dict[str, Any]:
    return {
        "id": chunk.id,
        "workspace_id": chunk.workspace_id,
        "document_id": chunk.document_id,
        "ordinal": chunk.ordinal,
        "text": chunk.text,
        "heading": chunk.heading,
        "page": chunk.page,
        "token_count": chunk.token_count,
        "embedding": list(chunk.embedding),
    }
