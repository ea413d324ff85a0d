"""Retrieval results remembered per workspace until its documents change.

Every answer is a workspace's retrieval for one query; a repeated question asks exactly
the same of the database again. Each cached result carries the workspace's knowledge
version (what `knowledge_version` says of its documents), and a result from another version
is never served: an upload, a reindex or a deletion makes the next lookup go to the
retriever. The version is read on every call by default (one small query instead of the
lookup); `fresh_seconds` lets a version be reused that long, trading exactness for fewer
queries (a result then may be that much older than a change).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Protocol, TypeVar

from application.ports.retriever import Retriever, TermStatistics
from domain.ids import ChunkId, WorkspaceId
from domain.knowledge import FoundChunk

T = TypeVar("T")


class VersionedRetriever(Retriever, Protocol):
    async def knowledge_version(self, workspace_id: WorkspaceId) -> Hashable:
        """Changes whenever a document of the workspace (and so its chunks) changes."""
        ...


class CachingRetriever:
    def __init__(
        self, inner: VersionedRetriever, max_entries: int = 512, fresh_seconds: float = 0.0
    ) -> None:
        self._inner, self._max, self._fresh = inner, max_entries, fresh_seconds
        self._results: OrderedDict[Hashable, tuple[Hashable, object]] = OrderedDict()
        self._versions: dict[WorkspaceId, tuple[float, Hashable]] = {}

    async def nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int
    ) -> list[FoundChunk]:
        key = ("nearest", workspace_id, tuple(vector), limit)
        found = await self._cached(
            workspace_id, key, lambda: self._inner.nearest(workspace_id, vector, limit)
        )
        return list(found)

    async def matching(
        self, workspace_id: WorkspaceId, weights: Mapping[str, float], limit: int
    ) -> list[FoundChunk]:
        key = ("matching", workspace_id, tuple(weights.items()), limit)
        found = await self._cached(
            workspace_id, key, lambda: self._inner.matching(workspace_id, weights, limit)
        )
        return list(found)

    async def similarities(
        self, workspace_id: WorkspaceId, vector: list[float], chunk_ids: Sequence[ChunkId]
    ) -> dict[ChunkId, float]:
        key = ("similarities", workspace_id, tuple(vector), tuple(chunk_ids))
        found = await self._cached(
            workspace_id, key, lambda: self._inner.similarities(workspace_id, vector, chunk_ids)
        )
        return dict(found)

    async def term_statistics(self, workspace_id: WorkspaceId, terms: list[str]) -> TermStatistics:
        key = ("terms", workspace_id, tuple(terms))
        return await self._cached(
            workspace_id, key, lambda: self._inner.term_statistics(workspace_id, terms)
        )

    async def knowledge_version(self, workspace_id: WorkspaceId) -> Hashable:
        return await self._inner.knowledge_version(workspace_id)

    async def _cached(
        self, workspace_id: WorkspaceId, key: Hashable, compute: Callable[[], Awaitable[T]]
    ) -> T:
        if self._max <= 0:
            return await compute()
        version = await self._version(workspace_id)
        entry = self._results.get(key)
        if entry is not None and entry[0] == version:
            self._results.move_to_end(key)
            return entry[1]  # type: ignore[return-value]
        result = await compute()
        self._results[key] = (version, result)
        self._results.move_to_end(key)
        if len(self._results) > self._max:
            self._results.popitem(last=False)
        return result

    async def _version(self, workspace_id: WorkspaceId) -> Hashable:
        now = time.monotonic()
        known = self._versions.get(workspace_id)
        if self._fresh > 0 and known is not None and now - known[0] < self._fresh:
            return known[1]
        version = await self._inner.knowledge_version(workspace_id)
        if len(self._versions) > 10_000:
            self._versions.clear()
        self._versions[workspace_id] = (now, version)
        return version
