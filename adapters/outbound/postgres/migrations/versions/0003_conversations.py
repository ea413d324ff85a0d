"""Conversations (chat sessions) and their messages.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE conversations (
            id uuid PRIMARY KEY,
            workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            embed_code_id uuid,
            visitor_id text,
            status text NOT NULL CHECK (status IN ('bot', 'handoff', 'closed')),
            message_count integer NOT NULL DEFAULT 0,
            agent_id uuid,
            started_at timestamptz NOT NULL,
            last_message_at timestamptz NOT NULL
        );
        CREATE INDEX ix_conversations_workspace_started
            ON conversations (workspace_id, started_at, id);

        CREATE TABLE messages (
            seq bigserial UNIQUE,
            id uuid PRIMARY KEY,
            workspace_id uuid NOT NULL,
            session_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role text NOT NULL CHECK (role IN ('visitor', 'assistant', 'agent')),
            text text NOT NULL,
            sources jsonb NOT NULL DEFAULT '[]',
            confidence real,
            action text CHECK (action IN ('answered', 'no_answer', 'handoff')),
            latency_ms integer,
            client_message_id text,
            reply_to uuid,
            author_id uuid,
            model text,
            query text,
            created_at timestamptz NOT NULL,
            CONSTRAINT messages_client_message_key UNIQUE (session_id, client_message_id)
        );
        CREATE INDEX ix_messages_session ON messages (session_id, seq);
        CREATE INDEX ix_messages_workspace_created ON messages (workspace_id, created_at);
        """
    )
    for table in ("conversations", "messages"):
        op.execute(_accounts.tenant_policy(table, "workspace_id"))
    op.execute("GRANT USAGE ON SEQUENCE messages_seq_seq TO ccgpt_app")


def downgrade() -> None:
    op.execute("DROP TABLE messages, conversations")
