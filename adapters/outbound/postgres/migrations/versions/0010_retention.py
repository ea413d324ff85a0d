"""Workspace setting `retention_days`: message texts older than that are erased.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE workspaces ADD COLUMN retention_days integer
            CHECK (retention_days BETWEEN 1 AND 36500);
        CREATE INDEX ix_workspaces_retention ON workspaces (id)
            WHERE retention_days IS NOT NULL;
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE workspaces DROP COLUMN retention_days")
