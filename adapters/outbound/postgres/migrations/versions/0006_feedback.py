"""Visitor feedback on answers: one verdict per message, replaced when changed.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE feedback (
            message_id uuid PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
            workspace_id uuid NOT NULL,
            session_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            rating text NOT NULL CHECK (rating IN ('up', 'down')),
            comment text,
            created_at timestamptz NOT NULL
        );
        CREATE INDEX ix_feedback_workspace_created ON feedback (workspace_id, created_at);
        """
    )
    op.execute(_accounts.tenant_policy("feedback", "workspace_id"))


def downgrade() -> None:
    op.execute("DROP TABLE feedback")
