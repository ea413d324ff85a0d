"""Retriever port: the two candidate lists hybrid search fuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from domain.ids import ChunkId, WorkspaceId
from domain.knowledge import FoundChunk


@dataclass(frozen=True, slots=True)
class TermStatistics:
    """How many chunks the workspace has, and in how many each term occurs (for IDF)."""

    chunks: int
    document_frequency: Mapping[str, int] = field(default_factory=dict)


class Retriever(Protocol):
    """Searches one workspace's chunks; never returns another workspace's."""

    async def nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int
    ) -> list[FoundChunk]:
        """By cosine similarity (score = similarity), best first, exact for small tenants."""
        ...

    async def matching(
        self, workspace_id: WorkspaceId, weights: Mapping[str, float], limit: int
    ) -> list[FoundChunk]:
        """Chunks holding any of the terms (`domain.search_terms.chunk_terms`), ranked by the
        summed weight of the terms they hold (score = that sum), ties by chunk id."""
        ...

    async def similarities(
        self, workspace_id: WorkspaceId, vector: list[float], chunk_ids: Sequence[ChunkId]
    ) -> dict[ChunkId, float]:
        """The cosine similarity of each of these chunks to `vector` (others are left out)."""
        ...

    async def term_statistics(self, workspace_id: WorkspaceId, terms: list[str]) -> TermStatistics:
        """Exact counts, kept up to date at ingestion: no scan of the chunks."""
        ...
