"""In-memory question embeddings, compared in Python (the test harness's small data)."""

from __future__ import annotations

from adapters.outbound.memory.store import MemoryStore
from domain.content_gaps import cosine
from domain.ids import WorkspaceId


class InMemoryQuestionVectors:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def missing(self, workspace_id: WorkspaceId, model: str, queries: list[str]) -> list[str]:
        known = self._store.question_vectors
        return [q for q in dict.fromkeys(queries) if (workspace_id, model, q) not in known]

    async def save(
        self, workspace_id: WorkspaceId, model: str, vectors: dict[str, list[float]]
    ) -> None:
        for query, vector in vectors.items():
            self._store.question_vectors.setdefault((workspace_id, model, query), list(vector))

    async def get(
        self, workspace_id: WorkspaceId, model: str, queries: list[str]
    ) -> dict[str, list[float]]:
        known = self._store.question_vectors
        return {
            q: known[(workspace_id, model, q)] for q in queries if (workspace_id, model, q) in known
        }

    async def close_pairs(
        self, workspace_id: WorkspaceId, model: str, queries: list[str], threshold: float
    ) -> set[tuple[int, int]]:
        vectors = [self._store.question_vectors.get((workspace_id, model, q)) for q in queries]
        return {
            (i, j)
            for i, a in enumerate(vectors)
            for j, b in enumerate(vectors)
            if i < j and a is not None and b is not None and cosine(a, b) >= threshold - 1e-6
        }
