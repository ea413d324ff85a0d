"""Messages get their number in the session (`seq`), the same on every process; the global
insertion order keeps its own column (`position`).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE messages RENAME COLUMN seq TO position")
    op.execute("ALTER TABLE messages ADD COLUMN seq integer")
    op.execute(
        """
        UPDATE messages AS m SET seq = numbered.n
        FROM (
            SELECT id, row_number() OVER (PARTITION BY session_id ORDER BY position) AS n
            FROM messages
        ) AS numbered
        WHERE m.id = numbered.id
        """
    )
    op.execute("ALTER TABLE messages ALTER COLUMN seq SET NOT NULL")
    op.execute("CREATE UNIQUE INDEX ux_messages_session_seq ON messages (session_id, seq)")


def downgrade() -> None:
    op.execute("DROP INDEX ux_messages_session_seq")
    op.execute("ALTER TABLE messages DROP COLUMN seq")
    op.execute("ALTER TABLE messages RENAME COLUMN position TO seq")
