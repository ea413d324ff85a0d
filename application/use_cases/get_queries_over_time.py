"""Use case: queries and sessions per hour, day or week, in the caller's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.analytics import ReportInput, open_report
from application.ports.analytics import AnalyticsReadModel, BucketCounts
from application.ports.clock import Clock
from application.principal import Principal
from domain.analytics import Interval, rate


@dataclass(frozen=True, slots=True)
class Point:
    bucket_start: datetime  # local time in the report's zone, with its offset
    counts: BucketCounts

    @property
    def resolution_rate(self) -> float:
        """Of the bucket's sessions that are decided (not pending), those the bot resolved."""
        c = self.counts
        return rate(c.resolved_sessions, c.sessions - c.pending_sessions)

    @property
    def handoff_rate(self) -> float:
        return rate(self.counts.handoff_sessions, self.counts.sessions)


@dataclass(frozen=True, slots=True)
class Series:
    interval: Interval
    points: list[Point]


class GetQueriesOverTime:
    """Every bucket of the window, empty ones as zeros; buckets start at local midnight
    (or the hour, or Monday) and sum to the summary's totals."""

    def __init__(self, analytics: AnalyticsReadModel, clock: Clock) -> None:
        self._analytics, self._clock = analytics, clock

    async def execute(self, principal: Principal, inp: ReportInput, interval: str | None) -> Series:
        window, where = open_report(principal, inp, self._clock)
        every = Interval.parse(interval)
        starts = window.bucket_starts(every)
        counts = await self._analytics.buckets(principal.workspace_id, where, window.bounds(starts))
        return Series(every, [Point(s, c) for s, c in zip(starts, counts, strict=True)])
