"""The document-frequency cache of the PostgreSQL retriever: per workspace, expiring, bounded."""

from __future__ import annotations

import uuid

from adapters.outbound.postgres.retriever import FrequencyCache
from domain.ids import WorkspaceId


def test_frequencies_are_kept_per_workspace() -> None:
    cache = FrequencyCache()
    a, b = WorkspaceId(uuid.uuid4()), WorkspaceId(uuid.uuid4())
    cache.put(a, "refund", 12)
    assert cache.get(a, "refund") == 12
    assert cache.get(b, "refund") is None
    assert cache.get(a, "shipping") is None


def test_frequencies_expire() -> None:
    cache = FrequencyCache(ttl_seconds=0.0)
    ws = WorkspaceId(uuid.uuid4())
    cache.put(ws, "refund", 12)
    assert cache.get(ws, "refund") is None


def test_the_cache_stays_bounded() -> None:
    cache = FrequencyCache(max_entries=2)
    ws = WorkspaceId(uuid.uuid4())
    for n, term in enumerate(["a", "b", "c"]):
        cache.put(ws, term, n)
    assert cache.get(ws, "c") == 2
    assert cache.get(ws, "a") is None
