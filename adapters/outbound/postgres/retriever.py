"""Vector and full-text candidates from PostgreSQL + pgvector, always within one workspace.

Filtered HNSW is a trap (MEASUREMENTS.md): with a workspace filter, the index scan finds
the globally nearest rows and the filter then drops nearly all of them. So we choose the
path ourselves: an exact scan for a small workspace (fast through the workspace index),
and for a large one HNSW with iterative scanning and a larger candidate list.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres.outage import outage_translated
from adapters.outbound.postgres.scope import scope_transaction
from application.ports.retriever import TermStatistics
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import FoundChunk

EXACT_SCAN_MAX_CHUNKS = 20_000

_SIZE = text("SELECT coalesce(sum(chunk_count), 0) FROM documents WHERE workspace_id = :ws")
# `+ 0` keeps the planner off the HNSW index: an exact, complete answer for the tenant.
_EXACT = text(
    """
    SELECT c.id, c.document_id, d.title, c.text, c.heading, c.page,
           1 - (c.embedding <=> CAST(:v AS vector)) AS score
    FROM chunks c JOIN documents d ON d.id = c.document_id
    WHERE c.workspace_id = :ws
    ORDER BY (c.embedding <=> CAST(:v AS vector)) + 0, c.id
    LIMIT :n
    """
)
_APPROXIMATE = text(
    """
    WITH candidates AS MATERIALIZED (
        SELECT c.id, c.document_id, c.text, c.heading, c.page,
               c.embedding <=> CAST(:v AS vector) AS distance
        FROM chunks c
        WHERE c.workspace_id = :ws
        ORDER BY c.embedding <=> CAST(:v AS vector)
        LIMIT :n
    )
    SELECT k.id, k.document_id, d.title, k.text, k.heading, k.page, 1 - k.distance AS score
    FROM candidates k JOIN documents d ON d.id = k.document_id
    ORDER BY k.distance, k.id
    """
)
_DOCUMENT_FREQUENCY = text(
    """
    SELECT term, chunks FROM workspace_terms
    WHERE workspace_id = :ws AND term = ANY(CAST(:terms AS text[]))
    """
)
# Summed weight of the terms a chunk holds, one CASE per term (cheap per row, unlike an
# aggregate over the terms); `&&` finds the chunks through the (workspace, terms) GIN index,
# and only the best `n` are joined to their documents.
_MATCHING = """
    WITH best AS MATERIALIZED (
        SELECT c.id, c.document_id, c.text, c.heading, c.page, {score} AS score
        FROM chunks c
        WHERE c.workspace_id = :ws AND c.terms && CAST(:terms AS text[])
        ORDER BY score DESC, c.id
        LIMIT :n
    )
    SELECT b.id, b.document_id, d.title, b.text, b.heading, b.page, b.score
    FROM best b JOIN documents d ON d.id = b.document_id
    ORDER BY b.score DESC, b.id
"""


def _matching(count: int) -> Any:
    score = " + ".join(
        f"(CASE WHEN CAST(:t{i} AS text) = ANY(c.terms) THEN CAST(:w{i} AS float8) ELSE 0 END)"
        for i in range(count)
    )
    return text(_MATCHING.format(score=score))


_SIMILARITIES = text(
    """
    SELECT c.id, 1 - (c.embedding <=> CAST(:v AS vector)) AS score
    FROM chunks c
    WHERE c.workspace_id = :ws AND c.id = ANY(CAST(:ids AS uuid[]))
    """
)


# What the retrieval cache compares: any change to a document row (a new xmin), an added or
# deleted document, or a new chunk count changes it. Chunks change only with their document.
_VERSION = text(
    """
    SELECT count(*) AS documents, coalesce(sum(chunk_count), 0) AS chunks,
           max(updated_at) AS updated, coalesce(sum(xmin::text::bigint), 0) AS rows
    FROM documents WHERE workspace_id = :ws
    """
)


class PostgresRetriever:
    def __init__(
        self,
        engine: AsyncEngine,
        exact_scan_max_chunks: int = EXACT_SCAN_MAX_CHUNKS,
    ) -> None:
        self._engine, self._exact_max = engine, exact_scan_max_chunks

    async def nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int
    ) -> list[FoundChunk]:
        params = {"ws": workspace_id, "v": _vector_literal(vector), "n": limit}
        async with outage_translated(), self._engine.begin() as conn:
            await scope_transaction(conn, workspace_id)
            size = int((await conn.execute(_SIZE, {"ws": workspace_id})).scalar_one())
            if size <= self._exact_max:
                rows = (await conn.execute(_EXACT, params)).all()
            else:
                ef_search = max(100, 4 * limit)
                await conn.execute(text(f"SET LOCAL hnsw.ef_search = {int(ef_search)}"))
                await conn.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
                # Without this the planner may still sort a whole large tenant by hand.
                await conn.execute(text("SET LOCAL enable_sort = off"))
                rows = (await conn.execute(_APPROXIMATE, params)).all()
        return [_found(row) for row in rows]

    async def matching(
        self, workspace_id: WorkspaceId, weights: Mapping[str, float], limit: int
    ) -> list[FoundChunk]:
        if not weights:
            return []
        params: dict[str, Any] = {"ws": workspace_id, "terms": list(weights), "n": limit}
        for i, (term, weight) in enumerate(weights.items()):
            params[f"t{i}"], params[f"w{i}"] = term, float(weight)
        async with outage_translated(), self._engine.begin() as conn:
            await scope_transaction(conn, workspace_id)
            rows = (await conn.execute(_matching(len(weights)), params)).all()
        return [_found(row) for row in rows]

    async def similarities(
        self, workspace_id: WorkspaceId, vector: list[float], chunk_ids: Sequence[ChunkId]
    ) -> dict[ChunkId, float]:
        if not chunk_ids:
            return {}
        params = {"ws": workspace_id, "v": _vector_literal(vector), "ids": list(chunk_ids)}
        async with outage_translated(), self._engine.begin() as conn:
            await scope_transaction(conn, workspace_id)
            rows = (await conn.execute(_SIMILARITIES, params)).all()
        return {ChunkId(row.id): float(row.score) for row in rows}

    async def knowledge_version(self, workspace_id: WorkspaceId) -> Hashable:
        async with outage_translated(), self._engine.begin() as conn:
            await scope_transaction(conn, workspace_id)
            row = (await conn.execute(_VERSION, {"ws": workspace_id})).one()
        return tuple(row)

    async def term_statistics(self, workspace_id: WorkspaceId, terms: list[str]) -> TermStatistics:
        async with outage_translated(), self._engine.begin() as conn:
            await scope_transaction(conn, workspace_id)
            size = int((await conn.execute(_SIZE, {"ws": workspace_id})).scalar_one())
            frequency: dict[str, int] = {}
            if terms:
                params = {"ws": workspace_id, "terms": list(terms)}
                for row in (await conn.execute(_DOCUMENT_FREQUENCY, params)).all():
                    frequency[row.term] = int(row.chunks)
        return TermStatistics(size, frequency)


def _vector_literal(vector: list[float]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def _found(row: Any) -> FoundChunk:
    return FoundChunk(
        chunk_id=ChunkId(row.id),
        document_id=DocumentId(row.document_id),
        document_title=row.title,
        text=row.text,
        heading=row.heading,
        page=row.page,
        score=float(row.score),
    )
