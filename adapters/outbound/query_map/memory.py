"""Query maps beside the memory store's chunks and teacher vectors (tests, `ccgpt eval`)."""

from __future__ import annotations

import numpy as np

from adapters.outbound.memory.store import MemoryStore
from adapters.outbound.query_map import mapping
from application.ports.sentence_vectors import SentenceVectorStore
from domain.ids import ChunkId, WorkspaceId


class InMemoryQueryMaps:
    def __init__(
        self, store: MemoryStore, vectors: SentenceVectorStore, teacher: str, dimensions: int
    ) -> None:
        self._store, self._vectors = store, vectors
        self._teacher, self._dimensions = teacher, dimensions

    def _taught(self) -> dict[WorkspaceId, list[ChunkId]]:
        live = {
            (workspace, chunk.id)
            for (workspace, _), chunks in self._store.chunks.items()
            for chunk in chunks
        }
        taught: dict[WorkspaceId, list[ChunkId]] = {}
        for workspace, chunk_id, model in self._store.sentence_vectors:
            if model == self._teacher and (workspace, chunk_id) in live:
                taught.setdefault(WorkspaceId(workspace), []).append(ChunkId(chunk_id))
        return taught

    async def stale(self, limit: int) -> list[WorkspaceId]:
        taught = self._taught()
        found = [
            workspace_id
            for workspace_id, chunk_ids in taught.items()
            if (kept := self._store.query_maps.get(workspace_id)) is None
            or kept[0] != mapping.fingerprint(chunk_ids)
        ]
        found += [WorkspaceId(ws) for ws in self._store.query_maps if ws not in taught]  # all gone
        return found[: max(0, limit)]

    async def refit(self, workspace_id: WorkspaceId) -> None:
        chunk_ids = self._taught().get(workspace_id, [])
        embeddings = {
            chunk.id: chunk.embedding
            for (workspace, _), chunks in self._store.chunks.items()
            if workspace == workspace_id
            for chunk in chunks
        }
        if not chunk_ids:
            self._store.query_maps.pop(workspace_id, None)
            return
        students = np.asarray([embeddings[c] for c in chunk_ids], dtype=np.float32)
        packed = await self._vectors.read(workspace_id, self._teacher, chunk_ids)
        teachers = mapping.teacher_rows((packed[c].packed for c in chunk_ids), self._dimensions)
        fitted = mapping.fit(students, teachers)
        self._store.query_maps[workspace_id] = (  # too few chunks: fitted on them, no map
            mapping.fingerprint(chunk_ids),
            0 if fitted is None else fitted.shape[0],
            None if fitted is None else mapping.pack_matrix(fitted),
        )

    async def cosines(
        self, workspace_id: WorkspaceId, query: list[float], chunk_ids: list[ChunkId]
    ) -> dict[ChunkId, float]:
        kept = self._store.query_maps.get(workspace_id)
        if kept is None or kept[2] is None:
            return {}
        matrix = mapping.unpack_matrix(kept[2], kept[1])
        packed = await self._vectors.read(workspace_id, self._teacher, chunk_ids)
        ids = [c for c in chunk_ids if c in packed]
        rows = mapping.teacher_rows((packed[c].packed for c in ids), self._dimensions)
        return dict(zip(ids, mapping.cosines(matrix, query, rows).tolist(), strict=True))
