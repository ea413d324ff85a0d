"""Use case: the headline figures of a report window."""

from __future__ import annotations

from dataclasses import dataclass

from application.analytics import ReportInput, open_report
from application.ports.analytics import AnalyticsReadModel, Totals
from application.ports.clock import Clock
from application.principal import Principal
from domain.analytics import rate


@dataclass(frozen=True, slots=True)
class Summary:
    total_queries: int
    total_sessions: int
    unique_visitors: int
    answered_rate: float
    avg_response_ms: int
    p95_response_ms: int
    positive_feedback_rate: float
    handoff_rate: float
    documents: int
    chunks: int
    resolved_sessions: int
    pending_sessions: int
    resolution_rate: float

    @classmethod
    def of(cls, t: Totals, documents: int, chunks: int) -> Summary:
        return cls(
            total_queries=t.queries,
            total_sessions=t.sessions,
            unique_visitors=t.unique_visitors,
            answered_rate=rate(t.answered, t.queries),
            avg_response_ms=round(t.latency_ms_sum / t.replies) if t.replies else 0,
            p95_response_ms=t.p95_latency_ms or 0,
            positive_feedback_rate=rate(t.feedback_up, t.feedback_up + t.feedback_down),
            handoff_rate=rate(t.handoff_sessions, t.sessions),
            documents=documents,
            chunks=chunks,
            resolved_sessions=t.resolved_sessions,
            pending_sessions=t.pending_sessions,
            resolution_rate=rate(t.resolved_sessions, t.sessions - t.pending_sessions),
        )


class GetAnalyticsSummary:
    """Queries, sessions, visitors, answer and resolution rates, response times."""

    def __init__(self, analytics: AnalyticsReadModel, clock: Clock) -> None:
        self._analytics, self._clock = analytics, clock

    async def execute(self, principal: Principal, inp: ReportInput) -> Summary:
        _, where = open_report(principal, inp, self._clock)
        totals = await self._analytics.totals(principal.workspace_id, where)
        documents, chunks = await self._analytics.knowledge_size(principal.workspace_id)
        return Summary.of(totals, documents, chunks)
