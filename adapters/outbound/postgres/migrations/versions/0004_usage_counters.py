"""Monthly usage counters, incremented atomically against the plan's limit; exact confidences.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_accounts = importlib.import_module("adapters.outbound.postgres.migrations.versions.0001_accounts")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE usage_counters (
            workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            period date NOT NULL,
            messages integer NOT NULL DEFAULT 0 CHECK (messages >= 0),
            PRIMARY KEY (workspace_id, period)
        );
        """
    )
    op.execute(_accounts.tenant_policy("usage_counters", "workspace_id"))
    # float4 read back 0.667 as 0.6669999957: a retried answer must equal the first.
    op.execute("ALTER TABLE messages ALTER COLUMN confidence TYPE double precision")


def downgrade() -> None:
    op.execute("DROP TABLE usage_counters")
