"""Monthly usage counters in PostgreSQL: one statement reads the workspace's plan and counts
the message only below that plan's allowance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from application.ports.usage import MessageTaken
from domain.ids import WorkspaceId
from domain.plans import Plan

UNLIMITED = 2**31 - 1
# The plan and the UPSERT in one round trip (the plan was a read of its own before). The row
# lock the UPSERT takes serialises concurrent messages of one workspace until their
# transaction ends, so the count never passes the allowance; an allowance of 0 inserts
# nothing, and a plan missing from the allowances counts nothing.
_TAKE = text(
    """
    WITH workspace AS (
        SELECT plan,
            (CAST(:allowances AS int[]))[array_position(CAST(:plans AS text[]), plan)]
                AS allowance
        FROM workspaces WHERE id = :ws
    ), counted AS (
        INSERT INTO usage_counters AS u (workspace_id, period, messages)
        SELECT :ws, :period, 1 FROM workspace WHERE allowance <> 0
        ON CONFLICT (workspace_id, period) DO UPDATE SET messages = u.messages + 1
        WHERE u.messages < (SELECT allowance FROM workspace)
        RETURNING messages
    )
    SELECT plan, EXISTS (SELECT FROM counted) AS counted FROM workspace
    """
)
_READ = text("SELECT messages FROM usage_counters WHERE workspace_id = :ws AND period = :period")


class PostgresUsageCounters:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def take_message(
        self, workspace_id: WorkspaceId, period: date, allowances: Mapping[Plan, int]
    ) -> MessageTaken | None:
        params = {
            "ws": workspace_id,
            "period": period,
            "plans": [plan.value for plan in allowances],
            "allowances": [UNLIMITED if n < 0 else n for n in allowances.values()],
        }
        row = (await self._conn.execute(_TAKE, params)).first()
        return MessageTaken(Plan(row.plan), bool(row.counted)) if row else None

    async def messages(self, workspace_id: WorkspaceId, period: date) -> int:
        found = (await self._conn.execute(_READ, {"ws": workspace_id, "period": period})).scalar()
        return int(found or 0)
