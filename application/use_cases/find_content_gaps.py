"""Use case: what to write next: unserved questions grouped by meaning, by visitors affected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.analytics import ReportInput, open_report
from application.ports.analytics import AnalyticsReadModel, QueryCount
from application.ports.clock import Clock
from application.ports.embedder import Embedder
from application.ports.question_vectors import QuestionVectors
from application.ports.retriever import Retriever
from application.principal import Principal
from application.use_cases.get_top_queries import item_limit
from domain.content_gaps import SAME_MEANING, group_by_meaning
from domain.ids import DocumentId, WorkspaceId

CANDIDATES = 500  # the most asked unserved questions considered
EXAMPLES = 5
NEAREST = 3


@dataclass(frozen=True, slots=True)
class NearDocument:
    document_id: DocumentId
    title: str
    score: float


@dataclass(frozen=True, slots=True)
class Gap:
    label: str  # the group's most asked question
    count: int
    visitors: int
    examples: list[str]
    first_asked_at: datetime
    last_asked_at: datetime
    nearest_documents: list[NearDocument]


class FindContentGaps:
    """Questions that got `no_answer`, low confidence or a thumbs-down, grouped by embedding
    similarity, largest (by visitors) first, each with the documents nearest to it."""

    def __init__(
        self,
        analytics: AnalyticsReadModel,
        vectors: QuestionVectors,
        embedder: Embedder,
        retriever: Retriever,
        clock: Clock,
        threshold: float = SAME_MEANING,
    ) -> None:
        self._analytics, self._vectors, self._embedder = analytics, vectors, embedder
        self._retriever, self._clock, self._threshold = retriever, clock, threshold

    async def execute(self, principal: Principal, inp: ReportInput, limit: int | None) -> list[Gap]:
        size = item_limit(limit, default=20)
        _, where = open_report(principal, inp, self._clock)
        ws = principal.workspace_id
        asked = await self._analytics.gap_questions(ws, where, CANDIDATES)
        queries = [q.query for q in asked]
        await self._embed_new(ws, queries)
        model = self._embedder.name
        close = await self._vectors.close_pairs(ws, model, queries, self._threshold)
        groups = group_by_meaning(len(asked), close)
        members = [[asked[i] for i in group] for group in groups]
        visitors = await self._analytics.gap_visitors(
            ws, where, [[m.query for m in group] for group in members]
        )
        ranked = sorted(
            range(len(groups)),
            key=lambda g: (-visitors[g], -sum(m.count for m in members[g]), members[g][0].query),
        )[:size]
        leaders = await self._vectors.get(ws, model, [members[g][0].query for g in ranked])
        return [
            _gap(members[g], visitors[g], await self._nearest(ws, leaders[members[g][0].query]))
            for g in ranked
        ]

    async def _embed_new(self, ws: WorkspaceId, queries: list[str]) -> None:
        """Each question is embedded once per model; later reports reuse the stored vector."""
        model = self._embedder.name
        missing = await self._vectors.missing(ws, model, queries)
        if missing:
            vectors = await self._embedder.embed_documents(missing)
            await self._vectors.save(ws, model, dict(zip(missing, vectors, strict=True)))

    async def _nearest(self, ws: WorkspaceId, vector: list[float]) -> list[NearDocument]:
        best: dict[DocumentId, NearDocument] = {}
        for chunk in await self._retriever.nearest(ws, vector, NEAREST * 4):
            score = round(chunk.similarity if chunk.similarity is not None else chunk.score, 4)
            if chunk.document_id not in best or best[chunk.document_id].score < score:
                best[chunk.document_id] = NearDocument(
                    chunk.document_id, chunk.document_title, score
                )
        return sorted(best.values(), key=lambda d: -d.score)[:NEAREST]


def _gap(members: list[QueryCount], visitors: int, nearest: list[NearDocument]) -> Gap:
    return Gap(
        label=members[0].query,
        count=sum(m.count for m in members),
        visitors=visitors,
        examples=[m.query for m in members[:EXAMPLES]],
        first_asked_at=min(m.first_asked_at for m in members),
        last_asked_at=max(m.last_asked_at for m in members),
        nearest_documents=nearest,
    )
