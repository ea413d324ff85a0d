"""Use case: sessions, queries and visitors per embed code (and the API)."""

from __future__ import annotations

from application.analytics import ReportInput, open_report
from application.ports.analytics import AnalyticsReadModel, EmbedCodeUsage
from application.ports.clock import Clock
from application.principal import Principal


class GetEmbedCodeUsage:
    """Every embed code, used or not, by name; traffic without one (the API) last."""

    def __init__(self, analytics: AnalyticsReadModel, clock: Clock) -> None:
        self._analytics, self._clock = analytics, clock

    async def execute(self, principal: Principal, inp: ReportInput) -> list[EmbedCodeUsage]:
        _, where = open_report(principal, inp, self._clock)
        usage = await self._analytics.embed_codes(principal.workspace_id, where)
        return sorted(
            usage,
            key=lambda u: (u.embed_code_id is None, u.name.encode(), str(u.embed_code_id)),
        )
