"""Sentence vectors remembered: the same passages answer many questions, and embedding their
sentences again for each answer cost more than the rest of the answer together.

Three places, cheapest first: this process's memory (keyed by the chunk a sentence is in as
well as its text, so a workspace only ever reuses its own vectors, and nobody can time
whether another tenant holds a sentence; a chunk's text never changes under its id); the
vectors stored for the chunk after its ingestion (`SentenceVectorStore`, when wired: one
read for the answer's chunks); the embedder, for what neither has, in one batch."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import structlog

from application.ports.embedder import EMBEDDING_DIMENSIONS, Embedder
from application.ports.sentence_vectors import SentenceVectorStore
from domain.ids import ChunkId, WorkspaceId

log = structlog.get_logger()

# 384 float32 values are 1.5 KiB: the default bound is ~24 MiB.
DEFAULT_ENTRIES = 16_384

Key = tuple[ChunkId, str]
Vector = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class SentenceRef:
    chunk_id: ChunkId
    position: int  # in `domain.sentences.split_sentences` of the chunk's text
    text: str

    @property
    def key(self) -> Key:
        return (self.chunk_id, self.text)


class SentenceVectors:
    def __init__(
        self,
        embedder: Embedder,
        max_entries: int = DEFAULT_ENTRIES,
        stored: SentenceVectorStore | None = None,
    ) -> None:
        self._embedder, self._max, self._stored = embedder, max_entries, stored
        self._vectors: OrderedDict[Key, Vector] = OrderedDict()

    async def cosines(
        self,
        query: list[float],
        sentences: list[SentenceRef],
        workspace_id: WorkspaceId | None = None,
        sentence_counts: Mapping[ChunkId, int] | None = None,
    ) -> list[float]:
        """The dot product of `query` with each sentence's vector: the cosine, both being
        unit length. Stored vectors are used for a chunk whose stored rows number
        `sentence_counts[chunk]` (the chunk's sentences as split now)."""
        if not sentences:
            return []
        known = {s.key: self._vectors[s.key] for s in sentences if s.key in self._vectors}
        missing = list({s.key: s for s in sentences if s.key not in known}.values())
        if missing and self._stored is not None and workspace_id is not None:
            known |= await self._read_stored(workspace_id, missing, sentence_counts or {})
            missing = [s for s in missing if s.key not in known]
        if missing:
            embedded = await self._embedder.embed_documents([s.text for s in missing])
            for ref, values in zip(missing, embedded, strict=True):
                known[ref.key] = np.asarray(values, dtype=np.float32)
        for key, vector in known.items():
            self._remember(key, vector)
        matrix = np.stack([known[s.key] for s in sentences])
        products: list[float] = (matrix @ np.asarray(query, dtype=np.float32)).tolist()
        return products

    async def _read_stored(
        self, workspace_id: WorkspaceId, wanted: list[SentenceRef], counts: Mapping[ChunkId, int]
    ) -> dict[Key, Vector]:
        assert self._stored is not None
        chunk_ids = list(dict.fromkeys(s.chunk_id for s in wanted))
        try:
            stored = await self._stored.read(workspace_id, self._embedder.name, chunk_ids)
        except Exception as exc:  # the database is down: embed them, as before
            log.warning("sentence_vectors.read_failed", error=type(exc).__name__)
            return {}
        found: dict[Key, Vector] = {}
        for chunk_id, packed in stored.items():
            if packed.rows != counts.get(chunk_id):
                continue  # split differently when stored (another version): embed afresh
            rows = np.frombuffer(packed.packed, dtype="<f2").reshape(-1, EMBEDDING_DIMENSIONS)
            for ref in wanted:
                if ref.chunk_id == chunk_id:
                    found[ref.key] = rows[ref.position].astype(np.float32)
        return found

    def _remember(self, key: Key, vector: Vector) -> None:
        if self._max <= 0:
            return
        self._vectors[key] = vector
        self._vectors.move_to_end(key)
        if len(self._vectors) > self._max:
            self._vectors.popitem(last=False)
