"""Monthly usage counters in PostgreSQL: one UPSERT that only counts below the limit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ids import WorkspaceId

UNLIMITED = 2**31 - 1
# The row lock the UPSERT takes serialises concurrent messages of one workspace until
# their transaction ends, so the count never passes the limit.
_TAKE = text(
    """
    INSERT INTO usage_counters AS u (workspace_id, period, messages) VALUES (:ws, :period, 1)
    ON CONFLICT (workspace_id, period) DO UPDATE SET messages = u.messages + 1
    WHERE u.messages < :limit
    RETURNING messages
    """
)
_READ = text("SELECT messages FROM usage_counters WHERE workspace_id = :ws AND period = :period")


class PostgresUsageCounters:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def take_message(self, workspace_id: WorkspaceId, period: date, limit: int) -> bool:
        if limit == 0:
            return False
        params = {"ws": workspace_id, "period": period, "limit": UNLIMITED if limit < 0 else limit}
        return (await self._conn.execute(_TAKE, params)).first() is not None

    async def messages(self, workspace_id: WorkspaceId, period: date) -> int:
        found = (await self._conn.execute(_READ, {"ws": workspace_id, "period": period})).scalar()
        return int(found or 0)
