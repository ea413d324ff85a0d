"""Fakes shared by the hybrid-search unit tests."""

from __future__ import annotations

from collections.abc import Iterable

from domain.ids import ChunkId
from domain.knowledge import FoundChunk
from domain.search_terms import TermCounts, chunk_term_counts


class OneVectorEmbedder:
    """Every text is the same vector: the cosines the test's candidates carry decide."""

    name = "fake"

    async def embed_query(self, text: str) -> list[float]:
        return [1.0]

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[1.0] for _ in texts]

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def counted(chunks: Iterable[FoundChunk], asked: list[str]) -> dict[ChunkId, TermCounts]:
    """Each chunk's counts of the asked terms, as a store keeps them (`Candidates.counts`)."""
    return {c.chunk_id: TermCounts.of(chunk_term_counts(c.heading, c.text), asked) for c in chunks}
