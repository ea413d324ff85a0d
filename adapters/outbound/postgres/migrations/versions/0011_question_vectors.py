"""Embeddings of analytics questions, for content gaps: embedded once, compared by pgvector.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE analytics_question_vectors (
            workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            model text NOT NULL,
            query text NOT NULL,
            embedding vector(384) NOT NULL,
            PRIMARY KEY (workspace_id, model, query)
        );
        """
    )
    op.execute(_accounts.tenant_policy("analytics_question_vectors", "workspace_id"))


def downgrade() -> None:
    op.execute("DROP TABLE analytics_question_vectors")
