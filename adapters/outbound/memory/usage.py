"""In-memory monthly usage counters (the unit of work's lock makes them atomic)."""

from __future__ import annotations

from datetime import date

from adapters.outbound.memory.store import ScopedRepository
from domain.ids import WorkspaceId


class InMemoryUsageCounters(ScopedRepository):
    async def take_message(self, workspace_id: WorkspaceId, period: date, limit: int) -> bool:
        self._check(workspace_id)
        count = self._store.usage.get((workspace_id, period), 0)
        if 0 <= limit <= count:
            return False
        self._store.usage[(workspace_id, period)] = count + 1
        return True

    async def messages(self, workspace_id: WorkspaceId, period: date) -> int:
        return self._store.usage.get((workspace_id, period), 0) if self._sees(workspace_id) else 0
