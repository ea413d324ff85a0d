"""Use case: embed the sentences of chunks that have none stored yet."""

from __future__ import annotations

from collections import defaultdict

from application.ports.embedder import Embedder
from application.ports.sentence_vectors import PackedVectors, SentenceVectorStore
from domain.ids import ChunkId, WorkspaceId
from domain.sentences import split_sentences


class PrepareSentenceVectors:
    """A batch of chunks' sentences embedded in one call and stored per workspace.

    Runs after a document is ready, when the worker has nothing to ingest: an upload is
    searchable and answerable as soon as its chunks are stored, and its first answers get
    cheaper once this has run (until then the extractive model embeds what it needs)."""

    def __init__(
        self, store: SentenceVectorStore, embedder: Embedder, batch_chunks: int = 16
    ) -> None:
        self._store, self._embedder, self._batch = store, embedder, batch_chunks

    async def execute(self) -> int:
        """How many chunks it prepared (0: none was waiting)."""
        model = self._embedder.name
        waiting = await self._store.unprepared(model, self._batch)
        if not waiting:
            return 0
        sentences = [split_sentences(chunk.text) for chunk in waiting]
        flat = [sentence for chunk in sentences for sentence in chunk]
        vectors = await self._embedder.embed_documents(flat) if flat else []
        prepared: dict[WorkspaceId, dict[ChunkId, PackedVectors]] = defaultdict(dict)
        start = 0
        for chunk, texts in zip(waiting, sentences, strict=True):
            rows = vectors[start : start + len(texts)]
            prepared[chunk.workspace_id][chunk.chunk_id] = PackedVectors.pack(rows)
            start += len(texts)
        for workspace_id, by_chunk in prepared.items():
            await self._store.write(workspace_id, model, by_chunk)
        return len(waiting)
