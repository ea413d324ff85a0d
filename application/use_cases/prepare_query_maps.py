"""Use case: the query map's idle work, a batch at a time."""

from __future__ import annotations

from collections import defaultdict

from application.ports.query_map import QueryMaps, TeacherModel
from application.ports.sentence_vectors import PackedVectors, SentenceVectorStore
from domain.chunking import with_heading
from domain.ids import ChunkId, WorkspaceId


class PrepareQueryMaps:
    """First the teacher vectors of chunks that have none (a batch a call), then, once none
    wait, the maps of workspaces whose chunks changed. Search uses a map as soon as it is
    there and a teacher vector where a chunk has one; until then it ranks as without."""

    def __init__(
        self,
        vectors: SentenceVectorStore,
        teacher: TeacherModel,
        maps: QueryMaps,
        batch_chunks: int = 16,
        maps_per_call: int = 4,
    ) -> None:
        self._vectors, self._teacher, self._maps = vectors, teacher, maps
        self._batch, self._maps_per_call = batch_chunks, maps_per_call

    async def execute(self) -> int:
        """How much it did (chunks embedded or maps fitted; 0: nothing was waiting)."""
        waiting = await self._vectors.unprepared(self._teacher.name, self._batch)
        if waiting:
            rows = await self._teacher.embed([with_heading(c.heading, c.text) for c in waiting])
            prepared: dict[WorkspaceId, dict[ChunkId, PackedVectors]] = defaultdict(dict)
            for chunk, row in zip(waiting, rows, strict=True):
                prepared[chunk.workspace_id][chunk.chunk_id] = PackedVectors.pack([row])
            for workspace_id, by_chunk in prepared.items():
                await self._vectors.write(workspace_id, self._teacher.name, by_chunk)
            return len(waiting)
        await self._teacher.release()
        stale = await self._maps.stale(self._maps_per_call)
        for workspace_id in stale:
            await self._maps.refit(workspace_id)
        return len(stale)
