"""Fakes shared by the sentence-vector unit tests."""

from __future__ import annotations

from adapters.outbound.memory.embedder import HashingEmbedder
from application.ports.sentence_vectors import PackedVectors, UnpreparedChunk
from domain.ids import ChunkId


class CountingEmbedder(HashingEmbedder):
    """Remembers every text it embedded as a document (a sentence), in order."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        return await super().embed_documents(texts)


class FailingStore:
    """A SentenceVectorStore whose database is down; counts the calls it refused."""

    def __init__(self) -> None:
        self.calls = 0

    def _down(self) -> ConnectionError:
        self.calls += 1
        return ConnectionError("database down")

    async def read(self, *args: object) -> dict[ChunkId, PackedVectors]:
        raise self._down()

    async def write(self, *args: object) -> None:
        raise self._down()

    async def unprepared(self, model: str, limit: int) -> list[UnpreparedChunk]:
        raise self._down()
