"""One contract for every Retriever: memory and PostgreSQL (exact and HNSW paths) alike."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from adapters.outbound.caching.retriever import CachingRetriever
from adapters.outbound.memory.knowledge import InMemoryRetriever
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.postgres.engine import runtime_engine
from adapters.outbound.postgres.retriever import PostgresRetriever
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.ports.retriever import Retriever
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Workspace
from domain.documents import Document, DocumentStatus, MimeType
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import Chunk
from domain.plans import Plan

NOW = datetime(2026, 3, 1, tzinfo=UTC)
DIM = 384


@dataclass
class Setup:
    uow: UnitOfWorkFactory
    retriever: Retriever


@pytest.fixture(
    params=["memory", "postgres-exact", "postgres-hnsw", "memory-cached", "postgres-cached"]
)
async def setup(request: pytest.FixtureRequest) -> AsyncIterator[Setup]:
    if request.param.startswith("memory"):
        uow = InMemoryUnitOfWorkFactory()
        memory = InMemoryRetriever(uow.store)
        cached = request.param.endswith("cached")
        yield Setup(uow, CachingRetriever(memory) if cached else memory)
        return
    engine = runtime_engine(request.getfixturevalue("database_url"), pool_size=4)
    # Forcing the HNSW path for every tenant checks the filtered-index trap is handled.
    exact_max = 0 if request.param == "postgres-hnsw" else 1_000_000
    postgres = PostgresRetriever(engine, exact_max)
    retriever = CachingRetriever(postgres) if request.param.endswith("cached") else postgres
    yield Setup(PostgresUnitOfWorkFactory(engine), retriever)
    await engine.dispose()


def unit(values: list[float]) -> tuple[float, ...]:
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return tuple(v / norm for v in values)


def random_vector(rng: random.Random) -> tuple[float, ...]:
    return unit([rng.gauss(0, 1) for _ in range(DIM)])


async def tenant(
    uow: UnitOfWorkFactory, texts: list[str], vectors: list[tuple[float, ...]], title: str = "Doc"
) -> tuple[WorkspaceId, DocumentId, list[Chunk]]:
    ws = WorkspaceId(uuid.uuid4())
    doc = Document(
        DocumentId(uuid.uuid4()),
        ws,
        title,
        "doc.txt",
        MimeType.TEXT,
        10,
        uuid.uuid4().hex,
        DocumentStatus.READY,
        NOW,
        NOW,
        chunk_count=len(texts),
    )
    chunks = [
        Chunk(ChunkId(uuid.uuid4()), ws, doc.id, i, text, "Heading", 1, 5, vector)
        for i, (text, vector) in enumerate(zip(texts, vectors, strict=True))
    ]
    async with uow.system() as tx:
        await tx.workspaces.add(Workspace(ws, "T", Plan.PRO, NOW))
        await tx.commit()
    async with uow.tenant(ws) as tx:
        await tx.documents.add(doc, b"x")
        await tx.chunks.replace(ws, doc.id, chunks)
        await tx.commit()
    return ws, doc.id, chunks


async def test_a_small_tenant_beside_a_large_one_gets_all_its_nearest_rows(setup: Setup) -> None:
    rng = random.Random(7)
    big_vectors = [random_vector(rng) for _ in range(3000)]
    await tenant(setup.uow, [f"big {i}" for i in range(3000)], big_vectors)
    small_vectors = [random_vector(rng) for _ in range(5)]
    ws, doc_id, chunks = await tenant(
        setup.uow, [f"small {i}" for i in range(5)], small_vectors, "Small"
    )
    query = list(small_vectors[2])
    found = await setup.retriever.nearest(ws, query, limit=10)
    assert len(found) == 5, "every row of the small tenant must come back"
    assert found[0].chunk_id == chunks[2].id and found[0].score == pytest.approx(1.0, abs=1e-4)
    assert {f.document_id for f in found} == {doc_id}
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)
    assert found[0].document_title == "Small"


async def test_nearest_orders_by_cosine_similarity(setup: Setup) -> None:
    base = [1.0] + [0.0] * (DIM - 1)
    near = unit([1.0, 0.2] + [0.0] * (DIM - 2))
    far = unit([0.0, 1.0] + [0.0] * (DIM - 2))
    ws, _, _ = await tenant(setup.uow, ["far", "near", "same"], [far, near, unit(base)])
    found = await setup.retriever.nearest(ws, base, limit=3)
    assert [f.text for f in found] == ["same", "near", "far"]


def weights(*terms: str) -> dict[str, float]:
    return dict.fromkeys(terms, 1.0)


async def test_matching_finds_any_term_and_only_in_its_workspace(setup: Setup) -> None:
    rng = random.Random(3)
    texts = [
        "Refunds arrive within 5 days",
        "Shipping to Canada takes a week",
        "Gift cards never expire",
    ]
    ws, _, _ = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    other, _, _ = await tenant(setup.uow, ["Refunds elsewhere"], [random_vector(rng)])
    found = await setup.retriever.matching(ws, weights("canada", "ship"), limit=5)
    assert [f.text for f in found] == ["Shipping to Canada takes a week"]
    assert found[0].score == pytest.approx(2.0)
    assert {
        f.text for f in await setup.retriever.matching(ws, weights("refund", "gift"), limit=5)
    } == {texts[0], texts[2]}
    assert [f.text for f in await setup.retriever.matching(other, weights("refund"), limit=5)] == [
        "Refunds elsewhere"
    ]
    assert await setup.retriever.matching(ws, {}, limit=5) == []
    assert await setup.retriever.matching(ws, weights("nothing"), limit=5) == []


async def test_matching_ranks_by_the_summed_weight_of_the_terms_held(setup: Setup) -> None:
    rng = random.Random(4)
    texts = ["error E-2047 on the pump", "firmware 4.5.4 for the pump", "the pump", "nothing"]
    ws, _, chunks = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    found = await setup.retriever.matching(ws, {"e-2047": 3.0, "4.5.4": 2.0, "pump": 0.5}, 10)
    assert [(f.text, round(f.score, 6)) for f in found] == [
        (texts[0], 3.5),
        (texts[1], 2.5),
        (texts[2], 0.5),
    ]
    # Codes are whole terms, and their parts are terms too; ties go by chunk id.
    tied = await setup.retriever.matching(ws, weights("2047", "4"), limit=10)
    assert [f.chunk_id for f in tied] == sorted((chunks[0].id, chunks[1].id), key=str)


async def test_similarities_are_the_true_cosines_of_the_chunks_asked_for(setup: Setup) -> None:
    base = [1.0] + [0.0] * (DIM - 1)
    near = unit([1.0, 0.5] + [0.0] * (DIM - 2))
    ws, _, chunks = await tenant(setup.uow, ["near", "same"], [near, unit(base)])
    _, _, foreign = await tenant(setup.uow, ["foreign"], [unit(base)])
    found = await setup.retriever.similarities(
        ws, base, [chunks[0].id, chunks[1].id, foreign[0].id]
    )
    assert found.keys() == {chunks[0].id, chunks[1].id}
    assert found[chunks[0].id] == pytest.approx(near[0], abs=1e-5)
    assert found[chunks[1].id] == pytest.approx(1.0, abs=1e-5)
    assert await setup.retriever.similarities(ws, base, []) == {}


async def test_term_statistics_follow_every_change_of_the_chunks(setup: Setup) -> None:
    rng = random.Random(6)
    texts = ["Pump E-2047 pump", "pump filter", "filter"]
    ws, doc_id, chunks = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    await tenant(setup.uow, ["pump pump pump"], [random_vector(rng)])
    stats = await setup.retriever.term_statistics(ws, ["pump", "filter", "e-2047", "absent"])
    assert stats.chunks == 3
    assert dict(stats.document_frequency) == {"pump": 2, "filter": 2, "e-2047": 1}
    async with setup.uow.tenant(ws) as tx:
        await tx.chunks.replace(ws, doc_id, chunks[1:])
        await tx.commit()
    stats = await setup.retriever.term_statistics(ws, ["pump", "filter", "e-2047"])
    assert dict(stats.document_frequency) == {"pump": 1, "filter": 2}
    async with setup.uow.tenant(ws) as tx:
        await tx.documents.delete(ws, doc_id)
        await tx.commit()
    stats = await setup.retriever.term_statistics(ws, ["pump", "filter"])
    assert (stats.chunks, dict(stats.document_frequency)) == (0, {})


async def test_a_deleted_document_is_never_found(setup: Setup) -> None:
    rng = random.Random(5)
    vectors = [random_vector(rng) for _ in range(3)]
    ws, doc_id, _ = await tenant(setup.uow, ["alpha", "beta", "gamma"], vectors)
    async with setup.uow.tenant(ws) as tx:
        await tx.documents.delete(ws, doc_id)
        await tx.commit()
    assert await setup.retriever.nearest(ws, list(vectors[0]), limit=5) == []
    assert await setup.retriever.matching(ws, weights("alpha"), limit=5) == []


async def test_a_change_to_the_documents_is_seen_by_the_next_lookup(setup: Setup) -> None:
    """Asked twice (a cache may answer the second time), then after each kind of change."""
    rng = random.Random(11)
    vectors = [random_vector(rng) for _ in range(2)]
    ws, doc_id, chunks = await tenant(setup.uow, ["Canada shipping", "Gift cards"], vectors)
    for _ in range(2):
        assert [f.text for f in await setup.retriever.matching(ws, weights("canada"), 5)] == [
            "Canada shipping"
        ]
        assert (await setup.retriever.nearest(ws, list(vectors[0]), 5))[0].document_title == "Doc"
    assert (await setup.retriever.term_statistics(ws, ["canada"])).chunks == 2
    async with setup.uow.tenant(ws) as tx:  # a rename changes what results carry
        document = await tx.documents.get(ws, doc_id)
        assert document is not None
        document.title = "Renamed"
        await tx.documents.save(document)
        await tx.commit()
    assert (await setup.retriever.nearest(ws, list(vectors[0]), 5))[0].document_title == "Renamed"
    async with setup.uow.tenant(ws) as tx:  # a reindex replaces the chunks
        document = await tx.documents.get(ws, doc_id)
        assert document is not None
        document.chunk_count = 1
        await tx.chunks.replace(ws, doc_id, [replace(chunks[0], text="Canada and Mexico")])
        await tx.documents.save(document)
        await tx.commit()
    assert [f.text for f in await setup.retriever.matching(ws, weights("canada"), 5)] == [
        "Canada and Mexico"
    ]
    assert (await setup.retriever.term_statistics(ws, ["canada"])).chunks == 1
    async with setup.uow.tenant(ws) as tx:
        await tx.documents.delete(ws, doc_id)
        await tx.commit()
    assert await setup.retriever.matching(ws, weights("canada"), 5) == []
    assert await setup.retriever.nearest(ws, list(vectors[0]), 5) == []
