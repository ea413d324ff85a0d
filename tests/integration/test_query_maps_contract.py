"""One contract for every QueryMaps: a map per workspace, fitted on its own chunks' teacher
vectors, stale when those change, and a mapped question that finds what the teacher would."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
import pytest

from adapters.outbound.memory.sentence_vectors import InMemorySentenceVectorStore
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.postgres.engine import retrieval_engine, runtime_engine
from adapters.outbound.postgres.sentence_vectors import PostgresSentenceVectorStore
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from adapters.outbound.query_map.memory import InMemoryQueryMaps
from adapters.outbound.query_map.postgres import PostgresQueryMaps
from application.ports.query_map import QueryMaps
from application.ports.sentence_vectors import PackedVectors, SentenceVectorStore
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.ids import ChunkId, WorkspaceId
from domain.knowledge import Chunk
from tests.integration.test_retriever_contract import random_vector, tenant

TEACHER, WIDTH = "teacher-model", 768


@dataclass
class Setup:
    uow: UnitOfWorkFactory
    vectors: SentenceVectorStore
    maps: QueryMaps


@pytest.fixture(params=["memory", "postgres"])
async def setup(request: pytest.FixtureRequest) -> AsyncIterator[Setup]:
    if request.param == "memory":
        uow = InMemoryUnitOfWorkFactory()
        vectors = InMemorySentenceVectorStore(uow.store)
        yield Setup(uow, vectors, InMemoryQueryMaps(uow.store, vectors, TEACHER, WIDTH))
        return
    url = request.getfixturevalue("empty_database_url")
    engine, reads = runtime_engine(url, pool_size=4), retrieval_engine(url, pool_size=2)
    vectors = PostgresSentenceVectorStore(engine, reads)
    # Refits read 150 pairs at a time: the 400-chunk workspace below is summed in three.
    maps = PostgresQueryMaps(engine, reads, vectors, TEACHER, WIDTH, refit_batch=150)
    yield Setup(PostgresUnitOfWorkFactory(engine), vectors, maps)
    await engine.dispose()
    await reads.dispose()


def teach(chunks: list[Chunk], projection: np.ndarray) -> dict[ChunkId, PackedVectors]:
    """A teacher that is a fixed linear function of the student's vector, normalised."""
    taught = {}
    for chunk in chunks:
        row = np.asarray(chunk.embedding) @ projection
        taught[chunk.id] = PackedVectors.pack([list(row / np.linalg.norm(row))])
    return taught


async def workspace(setup: Setup, size: int, seed: int) -> tuple[WorkspaceId, list[Chunk]]:
    rng = random.Random(seed)
    texts = [f"Chunk {i}." for i in range(size)]
    ws, _, chunks = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    return ws, chunks


async def test_a_mapped_question_finds_what_the_teacher_finds(setup: Setup) -> None:
    projection = np.random.default_rng(7).normal(size=(384, WIDTH))
    ws, chunks = await workspace(setup, 400, seed=1)  # more chunks than dimensions
    other, theirs = await workspace(setup, 5, seed=2)
    assert await setup.maps.stale(10) == []  # no teacher vectors yet: nothing to fit
    ids = [c.id for c in chunks]
    assert await setup.maps.cosines(ws, list(chunks[0].embedding), ids) == {}

    await setup.vectors.write(ws, TEACHER, teach(chunks, projection))
    await setup.vectors.write(other, TEACHER, teach(theirs, projection))
    assert set(await setup.maps.stale(10)) == {ws, other}
    assert len(await setup.maps.stale(1)) == 1

    await setup.maps.refit(ws)
    assert await setup.maps.stale(10) == [other]
    for k in (0, 17, 399):  # a question like chunk k is mapped next to its teacher vector
        cosines = await setup.maps.cosines(ws, list(chunks[k].embedding), ids)
        assert set(cosines) == set(ids)
        assert max(cosines, key=cosines.__getitem__) == chunks[k].id
        assert cosines[chunks[k].id] > 0.9
    # Another workspace's chunks are not scored through this workspace's map, and a
    # workspace without a map scores nothing.
    assert await setup.maps.cosines(ws, list(theirs[0].embedding), [c.id for c in theirs]) == {}
    assert await setup.maps.cosines(other, list(theirs[0].embedding), [c.id for c in theirs]) == {}


async def test_a_map_is_stale_once_its_chunks_change(setup: Setup) -> None:
    """With fewer chunks than dimensions nothing is fitted (no cosines), but what it was
    fitted on is kept: the worker does not fit it again until the chunks change."""
    projection = np.random.default_rng(8).normal(size=(384, WIDTH))
    ws, chunks = await workspace(setup, 12, seed=3)
    await setup.vectors.write(ws, TEACHER, teach(chunks[:10], projection))
    await setup.maps.refit(ws)
    assert await setup.maps.stale(10) == []
    assert await setup.maps.cosines(ws, list(chunks[0].embedding), [chunks[0].id]) == {}
    await setup.vectors.write(ws, TEACHER, teach(chunks[10:], projection))
    assert await setup.maps.stale(10) == [ws]  # two more chunks taught
    await setup.maps.refit(ws)
    assert await setup.maps.stale(10) == []
    async with setup.uow.tenant(ws) as tx:  # the document loses its chunks
        await tx.chunks.replace(ws, chunks[0].document_id, [])
        await tx.commit()
    assert await setup.maps.stale(10) == [ws]
    await setup.maps.refit(ws)  # nothing left to fit on: the map goes
    assert await setup.maps.stale(10) == []
    assert await setup.maps.cosines(ws, list(chunks[0].embedding), [chunks[0].id]) == {}


def test_the_fingerprint_is_the_one_postgresql_computes() -> None:
    from adapters.outbound.query_map.mapping import fingerprint

    ids = [uuid.UUID(int=3), uuid.UUID(int=1), uuid.UUID(int=2)]
    joined = ",".join(str(uuid.UUID(int=i)) for i in (1, 2, 3))
    import hashlib

    assert fingerprint(ids) == hashlib.md5(joined.encode(), usedforsecurity=False).hexdigest()
