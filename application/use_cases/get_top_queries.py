"""Use case: the questions asked most, normalised (case, spacing, punctuation)."""

from __future__ import annotations

from application.analytics import ReportInput, open_report
from application.ports.analytics import AnalyticsReadModel, QueryCount
from application.ports.clock import Clock
from application.principal import Principal
from domain.errors import ValidationFailed

MAX_ITEMS = 100


def item_limit(limit: int | None, default: int = 10) -> int:
    size = default if limit is None else limit
    if not 1 <= size <= MAX_ITEMS:
        raise ValidationFailed.on("limit", f"must be between 1 and {MAX_ITEMS}")
    return size


class GetTopQueries:
    """Most asked first, each with how often the bot answered it."""

    def __init__(self, analytics: AnalyticsReadModel, clock: Clock) -> None:
        self._analytics, self._clock = analytics, clock

    async def execute(
        self, principal: Principal, inp: ReportInput, limit: int | None
    ) -> list[QueryCount]:
        size = item_limit(limit)
        _, where = open_report(principal, inp, self._clock)
        return await self._analytics.top_queries(principal.workspace_id, where, size)
