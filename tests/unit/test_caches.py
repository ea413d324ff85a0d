"""The caches for repeated questions: query vectors, and retrieval results per workspace
until its documents change (the Retriever contract runs on the caching one too)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from adapters.outbound.caching.embedder import CachingEmbedder
from adapters.outbound.caching.retriever import CachingRetriever
from adapters.outbound.memory.embedder import HashingEmbedder
from adapters.outbound.memory.knowledge import InMemoryRetriever
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from application.search import HybridSearch
from domain.accounts import Workspace
from domain.documents import Document, DocumentStatus, MimeType
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import Chunk
from domain.plans import Plan

NOW = datetime(2026, 3, 1, tzinfo=UTC)


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        self.queries: list[str] = []

    async def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        await asyncio.sleep(0.01)  # long enough for concurrent askers to overlap
        return await super().embed_query(text)


async def test_a_repeated_question_is_embedded_once_and_gets_the_same_vector() -> None:
    inner = CountingEmbedder()
    cached = CachingEmbedder(inner)
    first = await cached.embed_query("Where is my order?")
    again = await cached.embed_query("Where is my order?")
    assert first == again and inner.queries == ["Where is my order?"]
    other = await cached.embed_query("Where is my refund?")
    assert other != first and len(inner.queries) == 2


async def test_visitors_asking_the_same_at_once_share_one_embedding() -> None:
    inner = CountingEmbedder()
    cached = CachingEmbedder(inner)
    vectors = await asyncio.gather(*(cached.embed_query("Opening hours?") for _ in range(5)))
    assert inner.queries == ["Opening hours?"]
    assert all(v == vectors[0] for v in vectors)


async def test_the_query_cache_is_bounded_and_documents_pass_through() -> None:
    inner = CountingEmbedder()
    cached = CachingEmbedder(inner, max_entries=2)
    for text in ("a", "b", "c", "a"):  # "a" was evicted by "c"
        await cached.embed_query(text)
    assert inner.queries == ["a", "b", "c", "a"]
    assert await cached.embed_documents(["x", "y"]) == await inner.embed_documents(["x", "y"])
    assert cached.name == inner.name and cached.count_tokens("a b") == 2
    assert not hasattr(cached, "warm_up")  # nothing to load: ready at once, like the inner


class CountingRetriever(InMemoryRetriever):
    calls = 0

    async def nearest(self, workspace_id: WorkspaceId, vector: list[float], limit: int):  # type: ignore[no-untyped-def]
        self.calls += 1
        return await super().nearest(workspace_id, vector, limit)


async def add_document(
    uow: InMemoryUnitOfWorkFactory, ws: WorkspaceId, text: str, embedder: HashingEmbedder
) -> DocumentId:
    doc = Document(
        DocumentId(uuid.uuid4()),
        ws,
        text[:10],
        "d.txt",
        MimeType.TEXT,
        1,
        uuid.uuid4().hex,
        DocumentStatus.READY,
        NOW,
        NOW,
        chunk_count=1,
    )
    vector = await embedder.embed_query(text)
    chunk = Chunk(ChunkId(uuid.uuid4()), ws, doc.id, 0, text, None, None, 5, vector)
    async with uow.tenant(ws) as tx:
        await tx.documents.add(doc, b"x")
        await tx.chunks.replace(ws, doc.id, [chunk])
        await tx.commit()
    return doc.id


async def test_search_results_are_reused_until_the_workspace_documents_change() -> None:
    uow = InMemoryUnitOfWorkFactory()
    embedder = HashingEmbedder()
    inner = CountingRetriever(uow.store)
    search = HybridSearch(CachingRetriever(inner), CachingEmbedder(embedder))
    ws, other = WorkspaceId(uuid.uuid4()), WorkspaceId(uuid.uuid4())
    async with uow.system() as tx:
        for w in (ws, other):
            await tx.workspaces.add(Workspace(w, "T", Plan.PRO, NOW))
        await tx.commit()
    await add_document(uow, ws, "Orders to Canada arrive in 5 to 8 days", embedder)
    await add_document(uow, other, "Orders to Canada arrive in 2 days", embedder)

    first = await search.search(ws, "When do orders to Canada arrive?", 5)
    again = await search.search(ws, "When do orders to Canada arrive?", 5)
    assert again == first and inner.calls == 1
    elsewhere = await search.search(other, "When do orders to Canada arrive?", 5)
    assert [c.text for c in elsewhere] == ["Orders to Canada arrive in 2 days"]

    added = await add_document(uow, ws, "Orders to Canada ship free over $50", embedder)
    after_upload = await search.search(ws, "When do orders to Canada arrive?", 5)
    assert {c.document_id for c in after_upload} >= {added} and inner.calls == 3
    async with uow.tenant(ws) as tx:
        await tx.documents.delete(ws, added)
        await tx.commit()
    after_delete = await search.search(ws, "When do orders to Canada arrive?", 5)
    assert added not in {c.document_id for c in after_delete}
    assert [c.chunk_id for c in after_delete] == [c.chunk_id for c in first]


async def test_a_failed_or_cancelled_embedding_is_not_remembered() -> None:
    inner = CountingEmbedder()
    cached = CachingEmbedder(inner)
    first = asyncio.create_task(cached.embed_query("Refund?"))
    waiting = asyncio.create_task(cached.embed_query("Refund?"))
    await asyncio.sleep(0)
    first.cancel()
    vector = await waiting  # the one it waited for went away: it asks again itself
    assert first.cancelled() and len(vector) == 384
    assert inner.queries == ["Refund?", "Refund?"]


class CountingSearch(HybridSearch):
    fusions = 0

    def _fused(self, wanted, found, top_k, mapped=None):  # type: ignore[no-untyped-def]
        self.fusions += 1
        return super()._fused(wanted, found, top_k, mapped)


async def test_a_fused_ranking_is_reused_only_with_the_candidates_it_came_from() -> None:
    uow = InMemoryUnitOfWorkFactory()
    embedder = HashingEmbedder()
    ws = WorkspaceId(uuid.uuid4())
    async with uow.system() as tx:
        await tx.workspaces.add(Workspace(ws, "T", Plan.PRO, NOW))
        await tx.commit()
    await add_document(uow, ws, "Orders to Canada arrive in 5 to 8 days", embedder)
    cached = CountingSearch(CachingRetriever(InMemoryRetriever(uow.store)), embedder)
    uncached = CountingSearch(InMemoryRetriever(uow.store), embedder)
    question = "When do orders to Canada arrive?"

    first = await cached.search(ws, question, 5)
    assert await cached.search(ws, question, 5) == first and cached.fusions == 1
    assert len(await cached.search(ws, question, 1)) == 1 and cached.fusions == 2
    added = await add_document(uow, ws, "Orders to Canada ship free over $50", embedder)
    after = await cached.search(ws, question, 5)
    assert added in {c.document_id for c in after} and cached.fusions == 3
    # Without a caching retriever every search brings new candidates, so a new fusion.
    assert await uncached.search(ws, question, 5) == await uncached.search(ws, question, 5)
    assert uncached.fusions == 2
