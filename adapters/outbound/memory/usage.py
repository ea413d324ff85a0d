"""In-memory monthly usage counters (the unit of work's lock makes them atomic)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from adapters.outbound.memory.store import ScopedRepository
from application.ports.usage import MessageTaken
from domain.ids import WorkspaceId
from domain.plans import Plan


class InMemoryUsageCounters(ScopedRepository):
    async def take_message(
        self, workspace_id: WorkspaceId, period: date, allowances: Mapping[Plan, int]
    ) -> MessageTaken | None:
        workspace = self._store.workspaces.get(workspace_id)
        if workspace is None or not self._sees(workspace_id):
            return None
        plan, limit = workspace.plan, allowances.get(workspace.plan, 0)
        count = self._store.usage.get((workspace_id, period), 0)
        if 0 <= limit <= count:
            return MessageTaken(plan, counted=False)
        self._store.usage[(workspace_id, period)] = count + 1
        return MessageTaken(plan, counted=True)

    async def messages(self, workspace_id: WorkspaceId, period: date) -> int:
        return self._store.usage.get((workspace_id, period), 0) if self._sees(workspace_id) else 0
