"""QuestionVectors port: analytics questions' embeddings, stored, and compared where they live."""

from __future__ import annotations

from typing import Protocol

from domain.ids import WorkspaceId


class QuestionVectors(Protocol):
    """Embeddings of normalised questions per workspace and embedding model."""

    async def missing(self, workspace_id: WorkspaceId, model: str, queries: list[str]) -> list[str]:
        """Those of `queries` without a stored vector of `model`."""
        ...

    async def save(
        self, workspace_id: WorkspaceId, model: str, vectors: dict[str, list[float]]
    ) -> None: ...

    async def get(
        self, workspace_id: WorkspaceId, model: str, queries: list[str]
    ) -> dict[str, list[float]]: ...

    async def close_pairs(
        self, workspace_id: WorkspaceId, model: str, queries: list[str], threshold: float
    ) -> set[tuple[int, int]]:
        """Index pairs (i < j) into `queries` whose cosine similarity is at least `threshold`."""
        ...
