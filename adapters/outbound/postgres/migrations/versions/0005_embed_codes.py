"""Embed codes.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE embed_codes (
            id uuid PRIMARY KEY,
            workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            name text NOT NULL,
            public_key text NOT NULL UNIQUE,
            allowed_domains text[] NOT NULL DEFAULT '{}',
            settings jsonb NOT NULL,
            active boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE INDEX ix_embed_codes_workspace_created ON embed_codes (workspace_id, created_at, id);
        """
    )
    op.execute(_accounts.tenant_policy("embed_codes", "workspace_id"))


def downgrade() -> None:
    op.execute("DROP TABLE embed_codes")
