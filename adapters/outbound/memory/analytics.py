"""In-memory analytics read model: the same figures as PostgreSQL's, over the same records."""

from __future__ import annotations

import bisect
import math
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from adapters.outbound.memory.analytics_records import CitationRecord, QuestionRecord
from adapters.outbound.memory.store import MemoryStore
from application.ports.analytics import (
    BucketCounts,
    DocumentUsage,
    EmbedCodeUsage,
    QueryCount,
    Slice,
    Totals,
)
from domain.analytics import LOW_CONFIDENCE, Outcome, SessionRecord
from domain.ids import DocumentId, WorkspaceId

_LOW = int(LOW_CONFIDENCE * 1000)
API_TRAFFIC = "API"


def _code_matches(where: Slice, code: uuid.UUID | None) -> bool:
    return where.embed_code_id is None or code == where.embed_code_id


def _is_gap(q: QuestionRecord) -> bool:
    low = q.confidence_milli is not None and q.confidence_milli < _LOW
    return q.action == "no_answer" or low or q.rating == "down"


class InMemoryAnalyticsReadModel:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def _questions(self, ws: WorkspaceId, where: Slice) -> list[QuestionRecord]:
        return [
            q
            for (w, _), q in self._store.analytics_questions.items()
            if w == ws and where.start <= q.asked_at < where.end
            if _code_matches(where, q.embed_code_id)
        ]

    def _sessions(self, ws: WorkspaceId, where: Slice) -> list[SessionRecord]:
        return [
            s
            for (w, _), s in self._store.analytics_sessions.items()
            if w == ws and where.start <= s.started_at < where.end and s.queries > 0
            if _code_matches(where, s.embed_code_id)
        ]

    def _citations(self, ws: WorkspaceId, where: Slice) -> list[CitationRecord]:
        return [
            c
            for (w, _, _), c in self._store.analytics_citations.items()
            if w == ws and where.start <= c.cited_at < where.end
            if _code_matches(where, c.embed_code_id)
        ]

    async def totals(self, workspace_id: WorkspaceId, where: Slice) -> Totals:
        questions = self._questions(workspace_id, where)
        sessions = self._sessions(workspace_id, where)
        latencies = sorted(q.latency_ms for q in questions if q.latency_ms is not None)
        confidences = [q.confidence_milli for q in questions if q.confidence_milli is not None]
        outcomes = [s.outcome(where.now) for s in sessions]
        return Totals(
            queries=len(questions),
            sessions=len(sessions),
            unique_visitors=len({s.visitor_key for s in sessions}),
            answered=sum(q.action == "answered" for q in questions),
            no_answer=sum(q.action == "no_answer" for q in questions),
            replies=len(latencies),
            latency_ms_sum=sum(latencies),
            p95_latency_ms=latencies[math.ceil(0.95 * len(latencies)) - 1] if latencies else None,
            confidence_milli_sum=sum(confidences),
            confidence_count=len(confidences),
            low_confidence=sum(c < _LOW for c in confidences),
            feedback_up=sum(q.rating == "up" for q in questions),
            feedback_down=sum(q.rating == "down" for q in questions),
            handoff_sessions=outcomes.count(Outcome.HANDOFF),
            resolved_sessions=outcomes.count(Outcome.RESOLVED),
            pending_sessions=outcomes.count(Outcome.PENDING),
        )

    async def buckets(
        self, workspace_id: WorkspaceId, where: Slice, bounds: list[datetime]
    ) -> list[BucketCounts]:
        queries: dict[int, int] = defaultdict(int)
        sessions: dict[int, list[Outcome]] = defaultdict(list)
        for q in self._questions(workspace_id, where):
            queries[bisect.bisect_right(bounds, q.asked_at)] += 1
        for s in self._sessions(workspace_id, where):
            sessions[bisect.bisect_right(bounds, s.started_at)].append(s.outcome(where.now))
        return [
            BucketCounts(
                queries=queries[i],
                sessions=len(sessions[i]),
                resolved_sessions=sessions[i].count(Outcome.RESOLVED),
                pending_sessions=sessions[i].count(Outcome.PENDING),
                handoff_sessions=sessions[i].count(Outcome.HANDOFF),
            )
            for i in range(1, len(bounds))
        ]

    async def top_queries(
        self, workspace_id: WorkspaceId, where: Slice, limit: int, *, unanswered: bool = False
    ) -> list[QueryCount]:
        return self._query_counts(
            workspace_id, where, limit, lambda q: not unanswered or q.action == "no_answer"
        )

    async def gap_questions(
        self, workspace_id: WorkspaceId, where: Slice, limit: int
    ) -> list[QueryCount]:
        return self._query_counts(workspace_id, where, limit, _is_gap)

    async def gap_visitors(
        self, workspace_id: WorkspaceId, where: Slice, groups: list[list[str]]
    ) -> list[int]:
        unserved = [q for q in self._questions(workspace_id, where) if _is_gap(q)]
        return [len({q.visitor_key for q in unserved if q.query in set(group)}) for group in groups]

    def _query_counts(
        self,
        workspace_id: WorkspaceId,
        where: Slice,
        limit: int,
        keep: Callable[[QuestionRecord], bool],
    ) -> list[QueryCount]:
        groups: dict[str, list[QuestionRecord]] = defaultdict(list)
        for q in self._questions(workspace_id, where):
            if q.query and keep(q):
                groups[q.query].append(q)
        counts = [
            QueryCount(
                query,
                len(group),
                sum(q.action == "answered" for q in group),
                min(q.asked_at for q in group),
                max(q.asked_at for q in group),
            )
            for query, group in groups.items()
        ]
        counts.sort(key=lambda c: (-c.count, c.query.encode()))
        return counts[:limit]

    async def documents(self, workspace_id: WorkspaceId, where: Slice) -> list[DocumentUsage]:
        cited: dict[uuid.UUID, list[CitationRecord]] = defaultdict(list)
        for c in self._citations(workspace_id, where):
            cited[c.document_id].append(c)
        return [
            DocumentUsage(
                DocumentId(d.id),
                d.title,
                len(cited[d.id]),
                len({c.session_id for c in cited[d.id]}),
                max((c.cited_at for c in cited[d.id]), default=None),
            )
            for (w, _), d in self._store.documents.items()
            if w == workspace_id
        ]

    async def embed_codes(self, workspace_id: WorkspaceId, where: Slice) -> list[EmbedCodeUsage]:
        names: dict[uuid.UUID | None, str] = {
            code.id: code.name
            for (w, _), code in self._store.embed_codes.items()
            if w == workspace_id and _code_matches(where, code.id)
        }
        sessions: dict[uuid.UUID | None, list[SessionRecord]] = defaultdict(list)
        questions: dict[uuid.UUID | None, list[QuestionRecord]] = defaultdict(list)
        for s in self._sessions(workspace_id, where):
            sessions[s.embed_code_id].append(s)
        for q in self._questions(workspace_id, where):
            questions[q.embed_code_id].append(q)
        if None in sessions or None in questions:
            names[None] = API_TRAFFIC
        return [
            EmbedCodeUsage(
                code_id,
                name,
                sessions=len(sessions[code_id]),
                queries=len(questions[code_id]),
                unique_visitors=len({s.visitor_key for s in sessions[code_id]}),
                last_used_at=max((q.asked_at for q in questions[code_id]), default=None),
            )
            for code_id, name in names.items()
        ]

    async def knowledge_size(self, workspace_id: WorkspaceId) -> tuple[int, int]:
        documents = [d for (w, _), d in self._store.documents.items() if w == workspace_id]
        return len(documents), sum(d.chunk_count for d in documents)
