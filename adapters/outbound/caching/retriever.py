"""Retrieval results remembered per workspace until its documents change.

Every answer is a workspace's retrieval for one query; a repeated question asks exactly
the same of the database again. Each cached result carries the workspace's knowledge
version (what `knowledge_version` says of its documents), read in the same round trip and
snapshot as the result, and a result from another version is never served: an upload, a
reindex or a deletion, in this process or any other sharing the database, makes the next
lookup go to the retriever. So a search is one round trip either way: a question not in
the cache goes straight to the retriever (no version check first), a cached one checks
the version alone (and on a change, asks again). `fresh_seconds` lets a version be reused
that long, trading exactness for fewer queries (a result may be that much older than a
change).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Protocol, TypeVar

from application.ports.retriever import Candidates, Retriever
from domain.ids import WorkspaceId
from domain.knowledge import FoundChunk

T = TypeVar("T")


class VersionedRetriever(Retriever, Protocol):
    async def knowledge_version(self, workspace_id: WorkspaceId) -> Hashable:
        """Changes whenever a document of the workspace (and so its chunks) changes."""
        ...

    async def versioned_nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int
    ) -> tuple[Hashable, list[FoundChunk]]:
        """`nearest`, with the knowledge version it was read at (read before it, or with it)."""
        ...

    async def versioned_candidates(
        self, workspace_id: WorkspaceId, terms: list[str], vector: list[float] | None, limit: int
    ) -> tuple[Hashable, Candidates]:
        """`candidates`, with the knowledge version it was read at."""
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
            workspace_id,
            key,
            lambda: self._inner.nearest(workspace_id, vector, limit),
            lambda: self._inner.versioned_nearest(workspace_id, vector, limit),
        )
        return list(found)

    async def candidates(
        self, workspace_id: WorkspaceId, terms: list[str], vector: list[float] | None, limit: int
    ) -> Candidates:
        vector_key = None if vector is None else tuple(vector)
        key = ("candidates", workspace_id, tuple(terms), vector_key, limit)
        return await self._cached(
            workspace_id,
            key,
            lambda: self._inner.candidates(workspace_id, terms, vector, limit),
            lambda: self._inner.versioned_candidates(workspace_id, terms, vector, limit),
        )

    async def knowledge_version(self, workspace_id: WorkspaceId) -> Hashable:
        return await self._inner.knowledge_version(workspace_id)

    async def _cached(
        self,
        workspace_id: WorkspaceId,
        key: Hashable,
        compute: Callable[[], Awaitable[T]],
        versioned: Callable[[], Awaitable[tuple[Hashable, T]]],
    ) -> T:
        if self._max <= 0:
            return await compute()
        entry = self._results.get(key)
        if entry is not None and entry[0] == await self._version(workspace_id):
            self._results.move_to_end(key)
            return entry[1]  # type: ignore[return-value]
        version, result = await versioned()
        self._remember_version(workspace_id, version)
        self._results[key] = (version, result)
        self._results.move_to_end(key)
        if len(self._results) > self._max:
            self._results.popitem(last=False)
        return result

    async def _version(self, workspace_id: WorkspaceId) -> Hashable:
        known = self._versions.get(workspace_id)
        if self._fresh > 0 and known is not None and time.monotonic() - known[0] < self._fresh:
            return known[1]
        version = await self._inner.knowledge_version(workspace_id)
        self._remember_version(workspace_id, version)
        return version

    def _remember_version(self, workspace_id: WorkspaceId, version: Hashable) -> None:
        if len(self._versions) > 10_000:
            self._versions.clear()
        self._versions[workspace_id] = (time.monotonic(), version)
