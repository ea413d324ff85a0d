"""Rows <-> domain entities, for the tables in `tables.py`."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from domain.accounts import ApiKey, RefreshToken, User, Workspace
from domain.conversations import Action, Conversation, ConversationStatus, Message, Source
from domain.conversations import Role as MessageRole
from domain.documents import Document, DocumentStatus, MimeType
from domain.embed_codes import DomainPattern, EmbedCode, WidgetSettings
from domain.feedback import Feedback, Rating
from domain.ids import (
    ApiKeyId,
    ChunkId,
    DocumentId,
    EmbedCodeId,
    MessageId,
    SessionId,
    TokenFamilyId,
    TokenId,
    UserId,
    WorkspaceId,
)
from domain.knowledge import Chunk
from domain.plans import Plan
from domain.roles import Role


def workspace_from_row(row: Any) -> Workspace:
    return Workspace(
        WorkspaceId(row.id), row.name, Plan(row.plan), row.created_at, row.retention_days
    )


def workspace_to_row(ws: Workspace) -> dict[str, Any]:
    return {
        "id": ws.id,
        "name": ws.name,
        "plan": ws.plan.value,
        "created_at": ws.created_at,
        "retention_days": ws.retention_days,
    }


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


def conversation_from_row(row: Any) -> Conversation:
    return Conversation(
        id=SessionId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        started_at=row.started_at,
        last_message_at=row.last_message_at,
        embed_code_id=row.embed_code_id,
        visitor_id=row.visitor_id,
        status=ConversationStatus(row.status),
        message_count=row.message_count,
        agent_id=UserId(row.agent_id) if row.agent_id else None,
    )


def conversation_to_row(c: Conversation) -> dict[str, Any]:
    return {
        "id": c.id,
        "workspace_id": c.workspace_id,
        "embed_code_id": c.embed_code_id,
        "visitor_id": c.visitor_id,
        "status": c.status.value,
        "message_count": c.message_count,
        "agent_id": c.agent_id,
        "started_at": c.started_at,
        "last_message_at": c.last_message_at,
    }


def message_from_row(row: Any) -> Message:
    return Message(
        id=MessageId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        session_id=SessionId(row.session_id),
        role=MessageRole(row.role),
        text=row.text,
        created_at=row.created_at,
        sources=[
            Source(DocumentId(uuid.UUID(s["document_id"])), s["title"], s["snippet"], s.get("page"))
            for s in row.sources
        ],
        confidence=row.confidence,
        action=Action(row.action) if row.action else None,
        latency_ms=row.latency_ms,
        client_message_id=row.client_message_id,
        reply_to=MessageId(row.reply_to) if row.reply_to else None,
        author_id=UserId(row.author_id) if row.author_id else None,
        model=row.model,
        query=row.query,
    )


def message_to_row(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "workspace_id": m.workspace_id,
        "session_id": m.session_id,
        "role": m.role.value,
        "text": m.text,
        "sources": [
            {
                "document_id": str(s.document_id),
                "title": s.title,
                "snippet": s.snippet,
                "page": s.page,
            }
            for s in m.sources
        ],
        "confidence": m.confidence,
        "action": m.action.value if m.action else None,
        "latency_ms": m.latency_ms,
        "client_message_id": m.client_message_id,
        "reply_to": m.reply_to,
        "author_id": m.author_id,
        "model": m.model,
        "query": m.query,
        "created_at": m.created_at,
    }


def _source_json(source: Source) -> dict[str, Any]:
    return {
        "document_id": str(source.document_id),
        "title": source.title,
        "snippet": source.snippet,
        "page": source.page,
    }


def embed_code_from_row(row: Any) -> EmbedCode:
    stored = dict(row.settings)
    stored["suggested_questions"] = tuple(stored.get("suggested_questions", ()))
    return EmbedCode(
        id=EmbedCodeId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        name=row.name,
        public_key=row.public_key,
        created_at=row.created_at,
        updated_at=row.updated_at,
        allowed_domains=[DomainPattern.parse(d) for d in row.allowed_domains],
        settings=WidgetSettings(**stored),
        active=row.active,
    )


def embed_code_to_row(code: EmbedCode) -> dict[str, Any]:
    settings = dataclasses.asdict(code.settings)
    settings["suggested_questions"] = list(code.settings.suggested_questions)
    return {
        "id": code.id,
        "workspace_id": code.workspace_id,
        "name": code.name,
        "public_key": code.public_key,
        "allowed_domains": [str(d) for d in code.allowed_domains],
        "settings": settings,
        "active": code.active,
        "created_at": code.created_at,
        "updated_at": code.updated_at,
    }


def feedback_from_row(row: Any) -> Feedback:
    return Feedback(
        message_id=MessageId(row.message_id),
        workspace_id=WorkspaceId(row.workspace_id),
        session_id=SessionId(row.session_id),
        rating=Rating(row.rating),
        comment=row.comment,
        created_at=row.created_at,
    )


def feedback_to_row(f: Feedback) -> dict[str, Any]:
    return {
        "message_id": f.message_id,
        "workspace_id": f.workspace_id,
        "session_id": f.session_id,
        "rating": f.rating.value,
        "comment": f.comment,
        "created_at": f.created_at,
    }
