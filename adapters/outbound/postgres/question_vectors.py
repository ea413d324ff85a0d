"""Questions' embeddings in PostgreSQL; pgvector compares them all at once, in C."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.outbound.postgres.scope import scoped
from domain.ids import WorkspaceId

_MISSING = text(
    """
    SELECT q FROM unnest(CAST(:queries AS text[])) AS q
    WHERE NOT EXISTS (SELECT 1 FROM analytics_question_vectors v
                      WHERE v.workspace_id = :ws AND v.model = :model AND v.query = q)
    """
)
_SAVE = text(
    """
    INSERT INTO analytics_question_vectors (workspace_id, model, query, embedding)
    SELECT :ws, :model, q, CAST(e AS vector)
    FROM unnest(CAST(:queries AS text[]), CAST(:embeddings AS text[])) AS x(q, e)
    ON CONFLICT DO NOTHING
    """
)
_GET = text(
    """
    SELECT query, CAST(embedding AS text) AS embedding FROM analytics_question_vectors
    WHERE workspace_id = :ws AND model = :model AND query = ANY(CAST(:queries AS text[]))
    """
)
_CLOSE = text(
    """
    WITH asked AS MATERIALIZED (
        SELECT x.i, v.embedding
        FROM unnest(CAST(:queries AS text[])) WITH ORDINALITY AS x(query, i)
        JOIN analytics_question_vectors v
          ON v.workspace_id = :ws AND v.model = :model AND v.query = x.query
    )
    SELECT a.i - 1 AS i, b.i - 1 AS j FROM asked a JOIN asked b ON a.i < b.i
    WHERE a.embedding <=> b.embedding <= :max_distance
    """
)


def _literal(vector: list[float]) -> str:
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


class PostgresQuestionVectors:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def _tx(self, workspace_id: WorkspaceId) -> AsyncIterator[AsyncConnection]:
        async with scoped(self._engine, workspace_id) as conn:
            yield conn

    async def missing(self, workspace_id: WorkspaceId, model: str, queries: list[str]) -> list[str]:
        params = {"ws": workspace_id, "model": model, "queries": queries}
        async with self._tx(workspace_id) as conn:
            return [row.q for row in await conn.execute(_MISSING, params)]

    async def save(
        self, workspace_id: WorkspaceId, model: str, vectors: dict[str, list[float]]
    ) -> None:
        params = {
            "ws": workspace_id,
            "model": model,
            "queries": list(vectors),
            "embeddings": [_literal(v) for v in vectors.values()],
        }
        async with self._tx(workspace_id) as conn:
            await conn.execute(_SAVE, params)

    async def get(
        self, workspace_id: WorkspaceId, model: str, queries: list[str]
    ) -> dict[str, list[float]]:
        params = {"ws": workspace_id, "model": model, "queries": queries}
        async with self._tx(workspace_id) as conn:
            rows = await conn.execute(_GET, params)
            return {r.query: [float(x) for x in r.embedding.strip("[]").split(",")] for r in rows}

    async def close_pairs(
        self, workspace_id: WorkspaceId, model: str, queries: list[str], threshold: float
    ) -> set[tuple[int, int]]:
        params = {
            "ws": workspace_id,
            "model": model,
            "queries": queries,
            "max_distance": 1.0 - threshold,  # pgvector's <=> is the cosine distance
        }
        async with self._tx(workspace_id) as conn:
            return {(row.i, row.j) for row in await conn.execute(_CLOSE, params)}
