"""Scoping a transaction for row-level security (see migration 0001's policies)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ids import WorkspaceId

_SCOPE_SQL = text(
    "SELECT set_config('ccgpt.workspace_id', :workspace_id, true), "
    "set_config('ccgpt.scope', :scope, true)"
)


async def scope_transaction(conn: AsyncConnection, workspace_id: WorkspaceId | None) -> None:
    """Until the transaction ends, rows are visible for this workspace only, or, with
    None, for the system (cross-tenant lookups: authentication, the job queue)."""
    await conn.execute(
        _SCOPE_SQL,
        {
            "workspace_id": str(workspace_id) if workspace_id else "",
            "scope": "tenant" if workspace_id else "system",
        },
    )
