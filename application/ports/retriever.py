"""Retriever port: the two candidate lists hybrid search fuses."""

from __future__ import annotations

from typing import Protocol

from domain.ids import WorkspaceId
from domain.knowledge import FoundChunk


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
