"""Retriever port: the two candidate lists hybrid search fuses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from domain.ids import WorkspaceId
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
        self, workspace_id: WorkspaceId, terms: list[str], limit: int
    ) -> list[FoundChunk]:
        """Full-text matches of any of `terms` (score = text rank), best first."""
        ...

    async def term_statistics(self, workspace_id: WorkspaceId, terms: list[str]) -> TermStatistics:
        """Counts may be capped for very common terms; their IDF is near zero anyway."""
        ...
