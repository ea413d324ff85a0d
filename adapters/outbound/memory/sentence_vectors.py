"""In-memory sentence vectors: a dict beside the chunks they belong to."""

from __future__ import annotations

from adapters.outbound.memory.store import MemoryStore
from application.ports.sentence_vectors import PackedVectors, UnpreparedChunk
from domain.ids import ChunkId, WorkspaceId


class InMemorySentenceVectorStore:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def _chunk_ids(self, workspace_id: WorkspaceId) -> set[ChunkId]:
        return {
            chunk.id
            for (workspace, _), chunks in self._store.chunks.items()
            if workspace == workspace_id
            for chunk in chunks
        }

    async def read(
        self, workspace_id: WorkspaceId, model: str, chunk_ids: list[ChunkId]
    ) -> dict[ChunkId, PackedVectors]:
        live = self._chunk_ids(workspace_id)
        known = self._store.sentence_vectors
        return {
            chunk_id: known[(workspace_id, chunk_id, model)]
            for chunk_id in chunk_ids
            if chunk_id in live and (workspace_id, chunk_id, model) in known
        }

    async def write(
        self, workspace_id: WorkspaceId, model: str, vectors: dict[ChunkId, PackedVectors]
    ) -> None:
        live = self._chunk_ids(workspace_id)
        for chunk_id, prepared in vectors.items():
            if chunk_id in live:
                self._store.sentence_vectors.setdefault((workspace_id, chunk_id, model), prepared)

    async def unprepared(self, model: str, limit: int) -> list[UnpreparedChunk]:
        # Vectors of chunks gone (a deleted or reindexed document) go too, as a cascade would.
        live = {
            (workspace, chunk.id)
            for (workspace, _), chunks in self._store.chunks.items()
            for chunk in chunks
        }
        for key in [k for k in self._store.sentence_vectors if k[:2] not in live]:
            del self._store.sentence_vectors[key]
        waiting = [
            UnpreparedChunk(WorkspaceId(workspace), chunk.id, chunk.text, chunk.heading)
            for (workspace, _), chunks in self._store.chunks.items()
            for chunk in chunks
            if (workspace, chunk.id, model) not in self._store.sentence_vectors
        ]
        return waiting[: max(0, limit)]
