"""Sentence vectors in PostgreSQL: one row per chunk and model, read with the passages.

Read while a visitor waits, so in one round trip (`read_in_one_round_trip` on the autocommit
retrieval engine); written and listed by the idle worker in ordinary scoped transactions."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres.scope import read_in_one_round_trip, scoped
from application.ports.sentence_vectors import PackedVectors, UnpreparedChunk
from domain.ids import ChunkId, WorkspaceId

_READ = b"""
    SELECT chunk_id, vectors FROM chunk_sentence_vectors
    WHERE workspace_id = %(ws)s::uuid AND model = %(model)s AND chunk_id = ANY(%(ids)s::uuid[])
"""
# Only chunks that are still there and are this workspace's: a document deleted while its
# sentences were embedded loses nothing and fails nothing.
_WRITE = text(
    """
    INSERT INTO chunk_sentence_vectors (chunk_id, model, workspace_id, vectors)
    SELECT c.id, :model, c.workspace_id, x.vectors
    FROM unnest(CAST(:ids AS uuid[]), CAST(:vectors AS bytea[])) AS x(chunk_id, vectors)
    JOIN chunks c ON c.id = x.chunk_id AND c.workspace_id = :ws
    ON CONFLICT DO NOTHING
    """
)
_UNPREPARED = text(
    """
    SELECT c.workspace_id, c.id, c.text, c.heading FROM chunks c
    WHERE NOT EXISTS (SELECT 1 FROM chunk_sentence_vectors s
                      WHERE s.chunk_id = c.id AND s.model = :model)
    LIMIT :limit
    """
)


class PostgresSentenceVectorStore:
    def __init__(self, engine: AsyncEngine, read_engine: AsyncEngine) -> None:
        self._engine, self._read_engine = engine, read_engine

    async def read(
        self, workspace_id: WorkspaceId, model: str, chunk_ids: list[ChunkId]
    ) -> dict[ChunkId, PackedVectors]:
        if not chunk_ids:
            return {}
        params = {"ws": str(workspace_id), "model": model, "ids": [str(c) for c in chunk_ids]}
        rows = await read_in_one_round_trip(self._read_engine, workspace_id, _READ, params)
        return {ChunkId(row.chunk_id): PackedVectors(bytes(row.vectors)) for row in rows}

    async def write(
        self, workspace_id: WorkspaceId, model: str, vectors: dict[ChunkId, PackedVectors]
    ) -> None:
        if not vectors:
            return
        params = {
            "ws": workspace_id,
            "model": model,
            "ids": list(vectors),
            "vectors": [v.packed for v in vectors.values()],
        }
        try:
            async with scoped(self._engine, workspace_id) as conn:
                await conn.execute(_WRITE, params)
        except IntegrityError:
            # A chunk was deleted between the join and the foreign key's check: the others
            # are written by the next round, which no longer sees the deleted one.
            return

    async def unprepared(self, model: str, limit: int) -> list[UnpreparedChunk]:
        async with scoped(self._engine, None) as conn:
            rows = await conn.execute(_UNPREPARED, {"model": model, "limit": max(0, limit)})
            return [
                UnpreparedChunk(row.workspace_id, ChunkId(row.id), row.text, row.heading)
                for row in rows
            ]
