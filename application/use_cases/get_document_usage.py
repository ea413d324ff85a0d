"""Use case: how often each document was cited, never-cited ones included."""

from __future__ import annotations

from application.analytics import ReportInput, open_report
from application.ports.analytics import AnalyticsReadModel, DocumentUsage
from application.ports.clock import Clock
from application.principal import Principal


class GetDocumentUsage:
    """Every document of the workspace, most cited first (then by title)."""

    def __init__(self, analytics: AnalyticsReadModel, clock: Clock) -> None:
        self._analytics, self._clock = analytics, clock

    async def execute(self, principal: Principal, inp: ReportInput) -> list[DocumentUsage]:
        _, where = open_report(principal, inp, self._clock)
        usage = await self._analytics.documents(principal.workspace_id, where)
        return sorted(usage, key=lambda d: (-d.citations, d.title.encode(), d.document_id))
