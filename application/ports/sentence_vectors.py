"""SentenceVectorStore port: each chunk's sentence embeddings, made once after ingestion.

The extractive answer weighs every sentence of its passages by meaning; embedding them at
answer time was the largest share of a first-time widget message (issue 14). They are
embedded once per chunk instead, off the path of both the answer and the upload
(`PrepareSentenceVectors`, run by an idle ingestion worker), and read with the passages.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Protocol

from application.ports.embedder import EMBEDDING_DIMENSIONS
from domain.ids import ChunkId, WorkspaceId

_ROW_BYTES = 2 * EMBEDDING_DIMENSIONS  # IEEE half precision: cosines move by ~1e-4


@dataclass(frozen=True, slots=True)
class PackedVectors:
    """One unit vector per sentence of `domain.sentences.split_sentences(chunk.text)`, in
    that order, packed as little-endian float16 rows of EMBEDDING_DIMENSIONS values. (The
    query map's teacher stores one row of its own width a chunk the same way, under its
    own model name: `application.ports.query_map`.)"""

    packed: bytes

    @classmethod
    def pack(cls, rows: list[list[float]]) -> PackedVectors:
        flat = [value for row in rows for value in row]
        return cls(struct.pack(f"<{len(flat)}e", *flat))

    @property
    def rows(self) -> int:
        return len(self.packed) // _ROW_BYTES

    def unpack(self) -> list[list[float]]:
        flat = struct.unpack(f"<{len(self.packed) // 2}e", self.packed)
        return [
            list(flat[i : i + EMBEDDING_DIMENSIONS])
            for i in range(0, len(flat), EMBEDDING_DIMENSIONS)
        ]


@dataclass(frozen=True, slots=True)
class UnpreparedChunk:
    workspace_id: WorkspaceId
    chunk_id: ChunkId
    text: str
    heading: str | None = None


class SentenceVectorStore(Protocol):
    """Keyed by chunk and embedding model, so vectors of different models never mix; a
    chunk's vectors go when the chunk goes (a deleted or reindexed document)."""

    async def read(
        self, workspace_id: WorkspaceId, model: str, chunk_ids: list[ChunkId]
    ) -> dict[ChunkId, PackedVectors]:
        """Those of `chunk_ids` (of this workspace only) that have vectors of `model`."""
        ...

    async def write(
        self, workspace_id: WorkspaceId, model: str, vectors: dict[ChunkId, PackedVectors]
    ) -> None:
        """Stores them; chunks deleted meanwhile (or another workspace's) are skipped, and a
        chunk that has vectors of `model` already keeps them."""
        ...

    async def unprepared(self, model: str, limit: int) -> list[UnpreparedChunk]:
        """Up to `limit` chunks of any workspace without vectors of `model` (the worker's
        cross-tenant view, as the job queue's)."""
        ...
