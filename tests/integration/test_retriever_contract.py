"""One contract for every Retriever: memory and PostgreSQL (exact and HNSW paths) alike."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import create_engine, text

from adapters.outbound.caching.retriever import CachingRetriever
from adapters.outbound.memory.knowledge import InMemoryRetriever
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.postgres.engine import retrieval_engine, runtime_engine, sqlalchemy_url
from adapters.outbound.postgres.retriever import (
    EXACT_SCAN_MAX_CHUNKS,
    HNSW_MIN_CHUNKS,
    HNSW_MIN_SHARE,
    PostgresRetriever,
    approximate_path,
)
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.ports.retriever import Candidates, Retriever
from application.ports.unit_of_work import UnitOfWorkFactory
from application.search import KEYWORD_POSTINGS, keyword_weights
from domain.accounts import Workspace
from domain.documents import Document, DocumentStatus, MimeType
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import Chunk
from domain.plans import Plan
from domain.search_terms import TermCounts, chunk_term_counts

NOW = datetime(2026, 3, 1, tzinfo=UTC)
DIM = 384


@dataclass
class Setup:
    uow: UnitOfWorkFactory
    retriever: Retriever
    with_postings: Callable[[int], Retriever]  # the same adapter, another keyword budget


@pytest.fixture(
    params=["memory", "postgres-exact", "postgres-hnsw", "memory-cached", "postgres-cached"]
)
async def setup(request: pytest.FixtureRequest) -> AsyncIterator[Setup]:
    if request.param.startswith("memory"):
        uow = InMemoryUnitOfWorkFactory()
        cached = request.param.endswith("cached")

        def memory(postings: int = KEYWORD_POSTINGS) -> Retriever:
            inner = InMemoryRetriever(uow.store, keyword_postings=postings)
            return CachingRetriever(inner) if cached else inner

        yield Setup(uow, memory(), memory)
        return
    url = request.getfixturevalue("database_url")
    engine, searching = runtime_engine(url, pool_size=4), retrieval_engine(url, pool_size=2)
    # Forcing the HNSW path for every tenant checks the filtered-index trap is handled.
    exact_max = 0 if request.param == "postgres-hnsw" else 1_000_000

    def postgres(postings: int = KEYWORD_POSTINGS) -> Retriever:
        inner = PostgresRetriever(searching, exact_max, keyword_postings=postings)
        return CachingRetriever(inner) if request.param.endswith("cached") else inner

    yield Setup(PostgresUnitOfWorkFactory(engine), postgres(), postgres)
    await engine.dispose()
    await searching.dispose()


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


async def keyword(
    setup: Setup, ws: WorkspaceId, terms: list[str], limit: int = 5
) -> list[tuple[str, float]]:
    found = await setup.retriever.candidates(ws, terms, None, limit)
    assert found.nearest == [] and all(c.similarity is None for c in found.matching)
    return [(c.text, c.score) for c in found.matching]


def weighed(found: Candidates, terms: list[str], held: list[str]) -> float:
    """What a keyword candidate holding `held` of `terms` scores: the summed weights."""
    weights = keyword_weights(terms, found.statistics)
    return sum(w for term, w in weights.items() if term in held)


async def test_nearest_candidates_are_the_nearest_rows(setup: Setup) -> None:
    rng = random.Random(8)
    vectors = [random_vector(rng) for _ in range(12)]
    ws, _, chunks = await tenant(setup.uow, [f"text {i}" for i in range(12)], vectors)
    query = list(vectors[4])
    found = await setup.retriever.candidates(ws, ["text"], query, limit=5)
    assert [c.chunk_id for c in found.nearest] == [
        c.chunk_id for c in await setup.retriever.nearest(ws, query, limit=5)
    ]
    assert found.nearest[0].chunk_id == chunks[4].id
    assert all(c.similarity == pytest.approx(c.score) for c in found.nearest)


async def test_matching_finds_any_term_and_only_in_its_workspace(setup: Setup) -> None:
    rng = random.Random(3)
    texts = [
        "Refunds arrive within 5 days",
        "Shipping to Canada takes a week",
        "Gift cards never expire",
    ]
    ws, _, _ = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    other, _, _ = await tenant(setup.uow, ["Refunds elsewhere"], [random_vector(rng)])
    found = await setup.retriever.candidates(ws, ["canada", "ship"], None, 5)
    assert [c.text for c in found.matching] == ["Shipping to Canada takes a week"]
    assert found.matching[0].score == pytest.approx(
        weighed(found, ["canada", "ship"], ["canada", "ship"])
    )
    assert {t for t, _ in await keyword(setup, ws, ["refund", "gift"])} == {texts[0], texts[2]}
    assert [t for t, _ in await keyword(setup, other, ["refund"])] == ["Refunds elsewhere"]
    assert await keyword(setup, ws, []) == []
    assert await keyword(setup, ws, ["nothing"]) == []


async def test_matching_ranks_by_the_summed_idf_of_the_terms_held(setup: Setup) -> None:
    rng = random.Random(4)
    texts = [
        "error E-2047 on the pump",
        "firmware 4.5.4 for the pump and the hose",
        "the hose",
        "nothing",
        "nothing again",
        "nothing more",
    ]
    ws, _, chunks = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    terms = ["e-2047", "pump", "hose"]
    found = await setup.retriever.candidates(ws, terms, None, 10)
    assert [c.text for c in found.matching] == texts[:3]
    assert [c.score for c in found.matching] == pytest.approx(
        [weighed(found, terms, h) for h in (["e-2047", "pump"], ["pump", "hose"], ["hose"])]
    )
    # Codes are whole terms, and their parts are terms too; ties go by chunk id.
    tied = await setup.retriever.candidates(ws, ["2047", "4"], None, limit=10)
    assert [c.chunk_id for c in tied.matching] == sorted((chunks[0].id, chunks[1].id), key=str)


async def test_every_candidate_comes_with_its_counts_of_the_asked_terms(setup: Setup) -> None:
    rng = random.Random(6)
    texts = ["the pump, the pumps, pumping and E-2047", "a hose for the pump", "nothing at all"]
    ws, _, chunks = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    asked = ["pump", "e-2047", "hose", "absent"]
    found = await setup.retriever.candidates(ws, asked, list(chunks[2].embedding), 10)
    listed = {c.chunk_id for c in [*found.nearest, *found.matching]}
    assert listed == {c.id for c in chunks} and set(found.counts) == listed
    for c in chunks:
        bag = chunk_term_counts(c.heading, c.text)  # "Heading" counts too
        assert found.counts[c.id] == TermCounts(
            sum(bag.values()), {t: bag[t] for t in asked if bag[t]}
        )
    assert found.counts[chunks[0].id]["pump"] == 3 and found.counts[chunks[2].id]["pump"] == 0


async def test_terms_in_most_chunks_find_nothing_unless_no_term_is_rarer(setup: Setup) -> None:
    rng = random.Random(9)
    texts = ["the pump", "the hose", "the filter", "a cable"]
    ws, _, _ = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    assert [t for t, _ in await keyword(setup, ws, ["the", "hose"])] == ["the hose"]
    assert {t for t, _ in await keyword(setup, ws, ["the"])} == set(texts[:3])


async def test_common_terms_stop_finding_once_rarer_ones_fill_the_budget(setup: Setup) -> None:
    rng = random.Random(10)
    texts = ["pump", "pump", "pump", "pump hose", "hose", "cable", "cable", "cable", "plug"]
    ws, _, _ = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    # hose is in 2 chunks, pump in 4: a budget of 3 lets only hose find, but a chunk hose
    # finds still scores pump's weight too; a budget of 6 lets both find.
    small = await setup.with_postings(3).candidates(ws, ["pump", "hose"], None, 10)
    assert [c.text for c in small.matching] == ["pump hose", "hose"]
    assert small.matching[0].score == pytest.approx(
        weighed(small, ["pump", "hose"], ["pump", "hose"])
    )
    wide = await setup.with_postings(6).candidates(ws, ["pump", "hose"], None, 10)
    assert [c.text for c in wide.matching][:2] == ["pump hose", "hose"]
    assert [c.text for c in wide.matching][2:] == ["pump"] * 3
    # The rarest term always finds, however small the budget.
    alone = await setup.with_postings(0).candidates(ws, ["pump"], None, 9)
    assert sorted(c.text for c in alone.matching) == ["pump"] * 3 + ["pump hose"]


async def test_keyword_finds_carry_their_true_cosine(setup: Setup) -> None:
    base = [1.0] + [0.0] * (DIM - 1)
    near = unit([1.0, 0.5] + [0.0] * (DIM - 2))
    ws, _, chunks = await tenant(setup.uow, ["near", "same"], [near, unit(base)])
    await tenant(setup.uow, ["near foreign"], [unit(base)])
    found = await setup.retriever.candidates(ws, ["near"], base, limit=1)
    assert [c.chunk_id for c in found.nearest] == [chunks[1].id]
    assert [c.chunk_id for c in found.matching] == [chunks[0].id]
    assert found.matching[0].similarity == pytest.approx(near[0], abs=1e-5)
    assert found.nearest[0].similarity == pytest.approx(1.0, abs=1e-5)


async def statistics(setup: Setup, ws: WorkspaceId, terms: list[str]) -> tuple[int, dict[str, int]]:
    found = (await setup.retriever.candidates(ws, terms, None, 5)).statistics
    return found.chunks, dict(found.document_frequency)


async def test_term_statistics_follow_every_change_of_the_chunks(setup: Setup) -> None:
    rng = random.Random(6)
    texts = ["Pump E-2047 pump", "pump filter", "filter"]
    ws, doc_id, chunks = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    await tenant(setup.uow, ["pump pump pump"], [random_vector(rng)])
    assert await statistics(setup, ws, ["pump", "filter", "e-2047", "absent"]) == (
        3,
        {"pump": 2, "filter": 2, "e-2047": 1},
    )
    async with setup.uow.tenant(ws) as tx:
        await tx.chunks.replace(ws, doc_id, chunks[1:])
        await tx.commit()
    assert (await statistics(setup, ws, ["pump", "filter", "e-2047"]))[1] == {
        "pump": 1,
        "filter": 2,
    }
    async with setup.uow.tenant(ws) as tx:
        await tx.documents.delete(ws, doc_id)
        await tx.commit()
    assert await statistics(setup, ws, ["pump", "filter"]) == (0, {})


async def test_a_deleted_document_is_never_found(setup: Setup) -> None:
    rng = random.Random(5)
    vectors = [random_vector(rng) for _ in range(3)]
    ws, doc_id, _ = await tenant(setup.uow, ["alpha", "beta", "gamma"], vectors)
    async with setup.uow.tenant(ws) as tx:
        await tx.documents.delete(ws, doc_id)
        await tx.commit()
    assert await setup.retriever.nearest(ws, list(vectors[0]), limit=5) == []
    found = await setup.retriever.candidates(ws, ["alpha"], list(vectors[0]), 5)
    assert (found.nearest, found.matching) == ([], [])


async def test_a_change_to_the_documents_is_seen_by_the_next_lookup(setup: Setup) -> None:
    """Asked twice (a cache may answer the second time), then after each kind of change."""
    rng = random.Random(11)
    vectors = [random_vector(rng) for _ in range(2)]
    ws, doc_id, chunks = await tenant(setup.uow, ["Canada shipping", "Gift cards"], vectors)
    for _ in range(2):
        assert [t for t, _ in await keyword(setup, ws, ["canada"])] == ["Canada shipping"]
        assert (await setup.retriever.nearest(ws, list(vectors[0]), 5))[0].document_title == "Doc"
        found = await setup.retriever.candidates(ws, ["canada"], list(vectors[0]), 5)
        assert found.nearest[0].document_title == "Doc"
    assert (await statistics(setup, ws, ["canada"]))[0] == 2
    async with setup.uow.tenant(ws) as tx:  # a rename changes what results carry
        document = await tx.documents.get(ws, doc_id)
        assert document is not None
        document.title = "Renamed"
        await tx.documents.save(document)
        await tx.commit()
    assert (await setup.retriever.nearest(ws, list(vectors[0]), 5))[0].document_title == "Renamed"
    found = await setup.retriever.candidates(ws, ["canada"], list(vectors[0]), 5)
    assert {c.document_title for c in [*found.nearest, *found.matching]} == {"Renamed"}
    async with setup.uow.tenant(ws) as tx:  # a reindex replaces the chunks
        document = await tx.documents.get(ws, doc_id)
        assert document is not None
        document.chunk_count = 1
        await tx.chunks.replace(ws, doc_id, [replace(chunks[0], text="Canada and Mexico")])
        await tx.documents.save(document)
        await tx.commit()
    assert [t for t, _ in await keyword(setup, ws, ["canada"])] == ["Canada and Mexico"]
    assert (await statistics(setup, ws, ["canada"]))[0] == 1
    async with setup.uow.tenant(ws) as tx:
        await tx.documents.delete(ws, doc_id)
        await tx.commit()
    assert await keyword(setup, ws, ["canada"]) == []
    assert await setup.retriever.nearest(ws, list(vectors[0]), 5) == []


async def test_a_search_survives_a_pooled_connection_the_server_dropped(database_url: str) -> None:
    """The retrieval engine does not ping on checkout: a dropped connection is replaced."""
    engine, searching = runtime_engine(database_url, 2), retrieval_engine(database_url, 1)
    try:
        vector = unit([1.0] + [0.0] * (DIM - 1))
        ws, _, _ = await tenant(PostgresUnitOfWorkFactory(engine), ["alpha"], [vector])
        retriever = PostgresRetriever(searching)
        assert len((await retriever.candidates(ws, ["alpha"], list(vector), 5)).matching) == 1
        async with searching.connect() as conn:  # the one pooled connection
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        admin = create_engine(sqlalchemy_url(database_url))
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        found = await retriever.candidates(ws, ["alpha"], list(vector), 5)
        assert [c.text for c in found.matching] == ["alpha"]
    finally:
        await engine.dispose()
        await searching.dispose()


@pytest.mark.parametrize(
    ("chunks", "all_chunks", "own_index", "approximate"),
    [
        (3_999, 4_000.0, False, False),  # small: always the exact scan
        (3_999, 100_000.0, True, False),  # even with an index of its own
        (4_001, 4_001.0, False, True),  # a tenant that fills the index: HNSW from 4,000 chunks
        (12_000, 100_000.0, False, True),  # 12% of the index
        (5_000, 100_000.0, False, False),  # 5%: filtered HNSW walks past too many others' rows
        (5_000, 100_000.0, True, True),  # 5%, with its own index: it walks that
        (5_000, float("inf"), False, False),  # the table never analyzed: keep the scan
        (20_001, float("inf"), False, True),  # large: always HNSW
    ],
)
def test_the_path_depends_on_the_tenants_size_its_share_of_the_index_and_its_own_index(
    database_url: str, chunks: int, all_chunks: float, own_index: bool, approximate: bool
) -> None:
    sql = "SELECT " + approximate_path("%(chunks)s::bigint", "%(all)s::float8", "%(own)s")
    params = {
        "chunks": chunks,
        "all": all_chunks,
        "own": own_index,
        "exact_max": EXACT_SCAN_MAX_CHUNKS,
        "exact_min": HNSW_MIN_CHUNKS,
        "hnsw_share": HNSW_MIN_SHARE,
    }
    with psycopg.connect(database_url) as conn:
        assert conn.execute(sql.encode(), params).fetchone() == (approximate,)
