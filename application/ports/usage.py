"""UsageCounters port."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from domain.ids import WorkspaceId


class UsageCounters(Protocol):
    """Monthly counters that never pass their limit, however many writers race."""

    async def take_message(self, workspace_id: WorkspaceId, period: date, limit: int) -> bool:
        """Counts one message if the month's count is below `limit` (-1: unlimited)."""
        ...

    async def messages(self, workspace_id: WorkspaceId, period: date) -> int: ...
