"""Ports of the query map (issue 11; README, "Retrieval quality").

A stronger embedder than the one questions are embedded with, the teacher, embeds each
chunk once, when the ingestion worker is idle. Per workspace, a linear map from the
embedder's space into the teacher's is fitted on the workspace's own chunks (never on
questions). A question is embedded by the fast embedder alone and mapped; its cosine to a
candidate's teacher vector joins the candidate's own cosine in the fusion.
"""

from __future__ import annotations

from typing import Protocol

from domain.ids import ChunkId, WorkspaceId


class TeacherModel(Protocol):
    """The stronger embedder, off every visitor's path."""

    @property
    def name(self) -> str:
        """Its vectors are stored under this name (`SentenceVectorStore`, one row a chunk)."""
        ...

    async def embed(self, texts: list[str]) -> list[list[float]]:
        """Unit vectors, one per text."""
        ...

    async def release(self) -> None:
        """Frees what it holds until it is next asked (the worker has nothing for it)."""
        ...


class QueryMaps(Protocol):
    """Each workspace's map, fitted on its chunks that have a teacher vector."""

    async def stale(self, limit: int) -> list[WorkspaceId]:
        """Workspaces whose chunks with a teacher vector are not those their map was fitted
        on (or that have none yet): the worker's cross-tenant view."""
        ...

    async def refit(self, workspace_id: WorkspaceId) -> None:
        """Fits the workspace's map on its chunks with a teacher vector, and keeps it."""
        ...

    async def cosines(
        self, workspace_id: WorkspaceId, query: list[float], chunk_ids: list[ChunkId]
    ) -> dict[ChunkId, float]:
        """For each of `chunk_ids` with a teacher vector, its cosine to the mapped query;
        empty while the workspace has no map."""
        ...
