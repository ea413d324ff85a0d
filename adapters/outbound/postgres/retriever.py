"""Vector and full-text candidates from PostgreSQL + pgvector, always within one workspace.

Filtered HNSW is a trap (MEASUREMENTS.md): with a workspace filter, the index scan finds
the globally nearest rows and the filter then drops nearly all of them. So we choose the
path ourselves: an exact scan for a small workspace (fast through the workspace index),
and for a large one HNSW with iterative scanning and a larger candidate list.
"""

from __future__ import annotations

import re
import time
from collections.abc import Hashable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres.outage import outage_translated
from adapters.outbound.postgres.scope import scope_transaction
from application.ports.retriever import TermStatistics
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import FoundChunk

EXACT_SCAN_MAX_CHUNKS = 20_000
_TERM = re.compile(r"^\w+$")

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
# Document frequency per term, counted through the GIN index and capped: past the cap a
# term is so common that its IDF is close to zero whatever the exact count.
DF_CAP = 5000
_DOCUMENT_FREQUENCY = text(
    """
    SELECT t.term, (
        SELECT count(*) FROM (
            SELECT 1 FROM chunks c
            WHERE c.workspace_id = :ws AND c.search_vector @@ to_tsquery('simple', t.term)
            LIMIT :cap
        ) hits
    ) AS df
    FROM unnest(CAST(:terms AS text[])) AS t(term)
    """
)
_MATCHING = text(
    """
    SELECT c.id, c.document_id, d.title, c.text, c.heading, c.page,
           ts_rank(c.search_vector, q) AS score
    FROM chunks c JOIN documents d ON d.id = c.document_id,
         to_tsquery('simple', :q) AS q
    WHERE c.workspace_id = :ws AND c.search_vector @@ q
    ORDER BY score DESC, c.id
    LIMIT :n
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


class FrequencyCache:
    """Document frequencies per (workspace, term) for a few minutes: counting a common term
    in a large workspace visits thousands of rows, and an IDF a little stale barely moves
    a ranking. Per process, bounded; cleared wholesale when full."""

    def __init__(self, ttl_seconds: float = 300.0, max_entries: int = 50_000) -> None:
        self._ttl, self._max = ttl_seconds, max_entries
        self._entries: dict[tuple[WorkspaceId, str], tuple[float, int]] = {}

    def get(self, workspace_id: WorkspaceId, term: str) -> int | None:
        entry = self._entries.get((workspace_id, term))
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        return entry[1]

    def put(self, workspace_id: WorkspaceId, term: str, frequency: int) -> None:
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[(workspace_id, term)] = (time.monotonic(), frequency)


class PostgresRetriever:
    def __init__(
        self,
        engine: AsyncEngine,
        exact_scan_max_chunks: int = EXACT_SCAN_MAX_CHUNKS,
        frequencies: FrequencyCache | None = None,
    ) -> None:
        self._engine, self._exact_max = engine, exact_scan_max_chunks
        self._frequencies = frequencies or FrequencyCache()

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
        self, workspace_id: WorkspaceId, terms: list[str], limit: int
    ) -> list[FoundChunk]:
        safe = _safe_terms(terms)
        if not safe:
            return []
        async with outage_translated(), self._engine.begin() as conn:
            await scope_transaction(conn, workspace_id)
            params = {"ws": workspace_id, "q": " | ".join(safe), "n": limit}
            rows = (await conn.execute(_MATCHING, params)).all()
        return [_found(row) for row in rows]

    async def knowledge_version(self, workspace_id: WorkspaceId) -> Hashable:
        async with outage_translated(), self._engine.begin() as conn:
            await scope_transaction(conn, workspace_id)
            row = (await conn.execute(_VERSION, {"ws": workspace_id})).one()
        return tuple(row)

    async def term_statistics(self, workspace_id: WorkspaceId, terms: list[str]) -> TermStatistics:
        frequency: dict[str, int] = {}
        missing = []
        for term in _safe_terms(terms):
            known = self._frequencies.get(workspace_id, term)
            if known is None:
                missing.append(term)
            else:
                frequency[term] = known
        async with outage_translated(), self._engine.begin() as conn:
            await scope_transaction(conn, workspace_id)
            size = int((await conn.execute(_SIZE, {"ws": workspace_id})).scalar_one())
            if missing:
                params = {"ws": workspace_id, "terms": missing, "cap": DF_CAP}
                for row in (await conn.execute(_DOCUMENT_FREQUENCY, params)).all():
                    frequency[row.term] = int(row.df)
                    self._frequencies.put(workspace_id, row.term, int(row.df))
        return TermStatistics(size, frequency)


def _safe_terms(terms: list[str]) -> list[str]:
    return [term for term in terms if _TERM.match(term)]


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
