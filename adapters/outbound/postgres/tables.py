"""Table definitions (SQLAlchemy Core) and the row <-> entity mappings."""

from __future__ import annotations

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()
TZ = DateTime(timezone=True)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("plan", Text, nullable=False),
    Column("created_at", TZ, nullable=False),
    Column("retention_days", Integer),
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
    # domain.search_terms.chunk_terms, written with the chunk; counted into workspace_terms.
    Column("terms", ARRAY(Text), nullable=False),
    # How often each of `terms` occurs (domain.search_terms.chunk_term_counts), aligned.
    Column("term_counts", ARRAY(Integer), nullable=False),
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


# --- conversations --------------------------------------------------------

conversations = Table(
    "conversations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, nullable=False),
    Column("embed_code_id", Uuid),
    Column("visitor_id", Text),
    Column("status", Text, nullable=False),
    Column("message_count", Integer, nullable=False),
    Column("agent_id", Uuid),
    Column("started_at", TZ, nullable=False),
    Column("last_message_at", TZ, nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("position", BigInteger),  # insertion order across all sessions (bigserial)
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, nullable=False),
    Column("session_id", Uuid, nullable=False),
    Column("role", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("sources", JSONB, nullable=False),
    Column("confidence", Float),
    Column("action", Text),
    Column("latency_ms", Integer),
    Column("client_message_id", Text),
    Column("reply_to", Uuid),
    Column("author_id", Uuid),
    Column("model", Text),
    Column("query", Text),
    Column("created_at", TZ, nullable=False),
    Column("seq", Integer, nullable=False),  # the message's number in its session
)

feedback = Table(
    "feedback",
    metadata,
    Column("message_id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, nullable=False),
    Column("session_id", Uuid, nullable=False),
    Column("rating", Text, nullable=False),
    Column("comment", Text),
    Column("created_at", TZ, nullable=False),
)

embed_codes = Table(
    "embed_codes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("public_key", Text, nullable=False),
    Column("allowed_domains", ARRAY(Text), nullable=False),
    Column("settings", JSONB, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", TZ, nullable=False),
    Column("updated_at", TZ, nullable=False),
)
