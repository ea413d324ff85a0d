"""Use case: feedback, confidence, what went unanswered, how often a person took over."""

from __future__ import annotations

from dataclasses import dataclass

from application.analytics import ReportInput, open_report
from application.ports.analytics import AnalyticsReadModel, QueryCount
from application.ports.clock import Clock
from application.principal import Principal
from domain.analytics import rate

UNANSWERED_ITEMS = 10


@dataclass(frozen=True, slots=True)
class Quality:
    feedback_up: int
    feedback_down: int
    positive_rate: float
    avg_confidence: float
    low_confidence_count: int
    unanswered: list[QueryCount]
    handoff_rate: float


class GetAnswerQuality:
    """The quality report: visitors' verdicts and the bot's own confidence."""

    def __init__(self, analytics: AnalyticsReadModel, clock: Clock) -> None:
        self._analytics, self._clock = analytics, clock

    async def execute(self, principal: Principal, inp: ReportInput) -> Quality:
        _, where = open_report(principal, inp, self._clock)
        t = await self._analytics.totals(principal.workspace_id, where)
        unanswered = await self._analytics.top_queries(
            principal.workspace_id, where, UNANSWERED_ITEMS, unanswered=True
        )
        confidence = t.confidence_milli_sum / t.confidence_count / 1000 if t.confidence_count else 0
        return Quality(
            feedback_up=t.feedback_up,
            feedback_down=t.feedback_down,
            positive_rate=rate(t.feedback_up, t.feedback_up + t.feedback_down),
            avg_confidence=round(confidence, 3),
            low_confidence_count=t.low_confidence,
            unanswered=unanswered,
            handoff_rate=rate(t.handoff_sessions, t.sessions),
        )
