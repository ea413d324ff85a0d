"""Fair ingestion: when each workspace last got a worker, for round-robin claims.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE ingestion_jobs ADD COLUMN claimed_at timestamptz;
        CREATE INDEX ix_jobs_workspace_claimed ON ingestion_jobs (workspace_id, claimed_at);
        CREATE INDEX ix_jobs_workspace_running ON ingestion_jobs (workspace_id)
            WHERE status = 'running';
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE ingestion_jobs DROP COLUMN claimed_at")
