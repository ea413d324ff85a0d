"""UsageCounters port."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import NamedTuple, Protocol

from domain.ids import WorkspaceId
from domain.plans import Plan


class MessageTaken(NamedTuple):
    """The workspace's plan, and whether one more message fitted its monthly allowance."""

    plan: Plan
    counted: bool


class UsageCounters(Protocol):
    """Monthly counters that never pass their limit, however many writers race."""

    async def take_message(
        self, workspace_id: WorkspaceId, period: date, allowances: Mapping[Plan, int]
    ) -> MessageTaken | None:
        """Counts one message if the month's count is below the allowance of the plan the
        workspace is on (-1: unlimited), reading that plan in the same step; None when there
        is no such workspace (in this scope)."""
        ...

    async def messages(self, workspace_id: WorkspaceId, period: date) -> int: ...
