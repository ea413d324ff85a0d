"""AnalyticsReadModel port: exact figures over what the chat stored, kept past erasure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.ids import DocumentId, WorkspaceId


@dataclass(frozen=True, slots=True)
class Slice:
    """What a report covers: [start, end) in UTC, one embed code or all, judged at `now`.

    Questions count by when they were asked, sessions by when they started, citations by
    when the answer was given."""

    start: datetime
    end: datetime
    now: datetime
    embed_code_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    queries: int = 0
    sessions: int = 0
    unique_visitors: int = 0
    answered: int = 0  # questions whose bot reply was a grounded answer
    no_answer: int = 0
    replies: int = 0  # questions the bot replied to (they carry a response time)
    latency_ms_sum: int = 0
    p95_latency_ms: int | None = None  # nearest rank, like percentile_disc(0.95)
    confidence_milli_sum: int = 0  # confidence in thousandths, so sums are exact
    confidence_count: int = 0
    low_confidence: int = 0
    feedback_up: int = 0
    feedback_down: int = 0
    handoff_sessions: int = 0
    resolved_sessions: int = 0
    pending_sessions: int = 0


@dataclass(frozen=True, slots=True)
class BucketCounts:
    queries: int = 0
    sessions: int = 0
    resolved_sessions: int = 0
    pending_sessions: int = 0
    handoff_sessions: int = 0


@dataclass(frozen=True, slots=True)
class QueryCount:
    query: str
    count: int
    answered: int
    first_asked_at: datetime
    last_asked_at: datetime


@dataclass(frozen=True, slots=True)
class DocumentUsage:
    document_id: DocumentId
    title: str
    citations: int
    sessions: int
    last_cited_at: datetime | None


@dataclass(frozen=True, slots=True)
class EmbedCodeUsage:
    embed_code_id: uuid.UUID | None  # None: sessions that came through the API
    name: str
    sessions: int
    queries: int
    unique_visitors: int
    last_used_at: datetime | None


class AnalyticsReadModel(Protocol):
    """Aggregates over per-question and per-session records written with each message."""

    async def totals(self, workspace_id: WorkspaceId, where: Slice) -> Totals: ...

    async def buckets(
        self, workspace_id: WorkspaceId, where: Slice, bounds: list[datetime]
    ) -> list[BucketCounts]:
        """One entry per bucket [bounds[i], bounds[i + 1])."""
        ...

    async def top_queries(
        self, workspace_id: WorkspaceId, where: Slice, limit: int, *, unanswered: bool = False
    ) -> list[QueryCount]:
        """Most asked first (ties: the query text); `unanswered`: only `no_answer` ones."""
        ...

    async def gap_questions(
        self, workspace_id: WorkspaceId, where: Slice, limit: int
    ) -> list[QueryCount]:
        """Questions that got `no_answer`, low confidence or a thumbs-down, most asked first."""
        ...

    async def gap_visitors(
        self, workspace_id: WorkspaceId, where: Slice, groups: list[list[str]]
    ) -> list[int]:
        """Per group of queries: the distinct visitors who asked one and were not served."""
        ...

    async def documents(self, workspace_id: WorkspaceId, where: Slice) -> list[DocumentUsage]:
        """Every document of the workspace, cited or not; most cited first."""
        ...

    async def embed_codes(self, workspace_id: WorkspaceId, where: Slice) -> list[EmbedCodeUsage]:
        """Every embed code (or the one asked for), plus API traffic when there is any."""
        ...

    async def knowledge_size(self, workspace_id: WorkspaceId) -> tuple[int, int]:
        """(documents, chunks) of the workspace now."""
        ...
