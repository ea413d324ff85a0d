"""Query maps in PostgreSQL (`workspace_query_maps`), fitted by the idle worker.

A search reads the teacher vectors of candidates it has not seen before in one round trip
(the sentence-vector store's read) and remembers them; the map itself is remembered in this
process for MAP_SECONDS (a refit shows within that), and so is a workspace's having none."""

from __future__ import annotations

import time
from collections import OrderedDict

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres.scope import read_in_one_round_trip, scoped
from adapters.outbound.query_map import mapping
from application.ports.sentence_vectors import SentenceVectorStore
from domain.ids import ChunkId, WorkspaceId

MAP_SECONDS = 30.0
MAPS_REMEMBERED = 64
VECTORS_REMEMBERED = 20_000  # float16 x 768: ~30 MB at most
REFIT_BATCH = 500  # pairs read and summed at a time (mapping.FitSums)

_STALE = text(
    """
    SELECT v.workspace_id FROM chunk_sentence_vectors v
    WHERE v.model = :teacher
    GROUP BY v.workspace_id
    HAVING md5(string_agg(v.chunk_id::text, ',' ORDER BY v.chunk_id)) IS DISTINCT FROM
        (SELECT m.fingerprint FROM workspace_query_maps m
         WHERE m.workspace_id = v.workspace_id AND m.teacher = :teacher)
    UNION ALL  -- a map whose chunks are all gone
    SELECT m.workspace_id FROM workspace_query_maps m
    WHERE NOT EXISTS (SELECT 1 FROM chunk_sentence_vectors v
                      WHERE v.workspace_id = m.workspace_id AND v.model = :teacher)
    LIMIT :limit
    """
)
# pgvector's binary form: a 2-byte dimension count, 2 unused bytes, big-endian float4s.
_PAIRS = text(
    """
    SELECT c.id, vector_send(c.embedding) AS student, v.vectors AS teacher
    FROM chunks c JOIN chunk_sentence_vectors v ON v.chunk_id = c.id AND v.model = :teacher
    WHERE c.workspace_id = :ws
    ORDER BY c.id
    """
)
_KEEP = text(
    """
    INSERT INTO workspace_query_maps (workspace_id, teacher, fingerprint, chunks, rows, matrix)
    VALUES (:ws, :teacher, :fingerprint, :chunks, :rows, :matrix)
    ON CONFLICT (workspace_id) DO UPDATE SET teacher = EXCLUDED.teacher,
        fingerprint = EXCLUDED.fingerprint, chunks = EXCLUDED.chunks, rows = EXCLUDED.rows,
        matrix = EXCLUDED.matrix, fitted_at = now()
    """
)
_FORGET = text("DELETE FROM workspace_query_maps WHERE workspace_id = :ws")
_MAP = b"""
    SELECT rows, matrix FROM workspace_query_maps
    WHERE workspace_id = %(ws)s::uuid AND teacher = %(teacher)s
"""


class PostgresQueryMaps:
    def __init__(
        self,
        engine: AsyncEngine,
        read_engine: AsyncEngine,
        vectors: SentenceVectorStore,
        teacher: str,
        dimensions: int,
        refit_batch: int = REFIT_BATCH,
    ) -> None:
        self._engine, self._read_engine, self._vectors = engine, read_engine, vectors
        self._teacher, self._dimensions, self._refit_batch = teacher, dimensions, refit_batch
        self._maps: OrderedDict[WorkspaceId, tuple[float, np.ndarray | None]] = OrderedDict()
        # A chunk's teacher vector never changes (a changed chunk is a new chunk id), so
        # candidates seen before are not read again (those without one yet are).
        self._known: OrderedDict[ChunkId, bytes] = OrderedDict()

    async def stale(self, limit: int) -> list[WorkspaceId]:
        async with scoped(self._engine, None) as conn:
            rows = await conn.execute(_STALE, {"teacher": self._teacher, "limit": max(0, limit)})
            return [WorkspaceId(row.workspace_id) for row in rows]

    async def refit(self, workspace_id: WorkspaceId) -> None:
        sums, chunk_ids = mapping.FitSums(), []
        async with scoped(self._engine, workspace_id) as conn:
            found = await conn.stream(_PAIRS, {"ws": workspace_id, "teacher": self._teacher})
            async for batch in found.partitions(self._refit_batch):
                students = np.vstack(
                    [np.frombuffer(bytes(p.student), dtype=">f4", offset=4) for p in batch]
                )
                teachers = mapping.teacher_rows((bytes(p.teacher) for p in batch), self._dimensions)
                sums.add(students.astype(np.float32), teachers)
                chunk_ids += [p.id for p in batch]
        if not chunk_ids:
            async with scoped(self._engine, workspace_id) as conn:
                await conn.execute(_FORGET, {"ws": workspace_id})
            return
        fitted = sums.solve()
        params = {  # too few chunks: kept as fitted on them, with no matrix
            "ws": workspace_id,
            "teacher": self._teacher,
            "fingerprint": mapping.fingerprint(chunk_ids),
            "chunks": len(chunk_ids),
            "rows": 0 if fitted is None else fitted.shape[0],
            "matrix": None if fitted is None else mapping.pack_matrix(fitted),
        }
        async with scoped(self._engine, workspace_id) as conn:
            await conn.execute(_KEEP, params)
        self._maps.pop(workspace_id, None)

    async def cosines(
        self, workspace_id: WorkspaceId, query: list[float], chunk_ids: list[ChunkId]
    ) -> dict[ChunkId, float]:
        matrix = await self._map(workspace_id)
        if matrix is None or not chunk_ids:
            return {}
        known = self._known
        missing = [c for c in chunk_ids if c not in known]
        if missing:
            read = await self._vectors.read(workspace_id, self._teacher, missing)
            for chunk_id, vectors in read.items():
                known[chunk_id] = vectors.packed
            while len(known) > VECTORS_REMEMBERED:
                known.popitem(last=False)
        ids = [c for c in chunk_ids if c in known]
        rows = mapping.teacher_rows((known[c] for c in ids), self._dimensions)
        return dict(zip(ids, mapping.cosines(matrix, query, rows).tolist(), strict=True))

    async def _map(self, workspace_id: WorkspaceId) -> np.ndarray | None:
        now = time.monotonic()
        kept = self._maps.get(workspace_id)
        if kept is not None and now - kept[0] < MAP_SECONDS:
            return kept[1]
        params = {"teacher": self._teacher}
        rows = await read_in_one_round_trip(self._read_engine, workspace_id, _MAP, params)
        kept = rows[0] if rows else None
        matrix = (
            mapping.unpack_matrix(bytes(kept.matrix), kept.rows)
            if kept is not None and kept.matrix is not None
            else None
        )
        self._maps[workspace_id] = (now, matrix)
        self._maps.move_to_end(workspace_id)
        while len(self._maps) > MAPS_REMEMBERED:
            self._maps.popitem(last=False)
        return matrix
