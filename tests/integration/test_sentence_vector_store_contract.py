"""One contract for every SentenceVectorStore: per workspace and model, gone with the chunk,
and the worker's view of what is still to prepare."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from adapters.outbound.memory.sentence_vectors import InMemorySentenceVectorStore
from adapters.outbound.memory.unit_of_work import InMemoryUnitOfWorkFactory
from adapters.outbound.postgres.engine import retrieval_engine, runtime_engine
from adapters.outbound.postgres.sentence_vectors import PostgresSentenceVectorStore
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from application.ports.sentence_vectors import PackedVectors, SentenceVectorStore
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.ids import ChunkId, WorkspaceId
from tests.integration.test_retriever_contract import random_vector, tenant

MODEL = "all-MiniLM-L6-v2"


@dataclass
class Setup:
    uow: UnitOfWorkFactory
    store: SentenceVectorStore


@pytest.fixture(params=["memory", "postgres"])
async def setup(request: pytest.FixtureRequest) -> AsyncIterator[Setup]:
    if request.param == "memory":
        uow = InMemoryUnitOfWorkFactory()
        yield Setup(uow, InMemorySentenceVectorStore(uow.store))
        return
    url = request.getfixturevalue("empty_database_url")
    engine, reads = runtime_engine(url, pool_size=4), retrieval_engine(url, pool_size=2)
    yield Setup(PostgresUnitOfWorkFactory(engine), PostgresSentenceVectorStore(engine, reads))
    await engine.dispose()
    await reads.dispose()


def packed(rows: int, seed: int) -> PackedVectors:
    rng = random.Random(seed)
    return PackedVectors.pack([list(random_vector(rng)) for _ in range(rows)])


async def test_vectors_are_read_back_per_workspace_and_model(setup: Setup) -> None:
    texts = ["One. Two.", "Three."]
    rng = random.Random(1)
    ws, _, chunks = await tenant(setup.uow, texts, [random_vector(rng) for _ in texts])
    other, _, theirs = await tenant(setup.uow, ["Four."], [random_vector(rng)])
    waiting = await setup.store.unprepared(MODEL, 10)
    assert {(c.workspace_id, c.chunk_id, c.text) for c in waiting} == {
        (ws, chunks[0].id, "One. Two."),
        (ws, chunks[1].id, "Three."),
        (other, theirs[0].id, "Four."),
    }
    assert len(await setup.store.unprepared(MODEL, 2)) == 2

    first = packed(2, seed=2)
    await setup.store.write(ws, MODEL, {chunks[0].id: first})
    # Another workspace's chunk is not written through this workspace, nor read through it.
    await setup.store.write(ws, MODEL, {theirs[0].id: packed(1, seed=3)})
    read = await setup.store.read(ws, MODEL, [chunks[0].id, chunks[1].id, theirs[0].id])
    assert read == {chunks[0].id: first}
    assert read[chunks[0].id].rows == 2
    assert await setup.store.read(other, MODEL, [chunks[0].id, theirs[0].id]) == {}
    assert await setup.store.read(ws, "another-model", [chunks[0].id]) == {}
    # Written once: a second write of the same chunk and model changes nothing.
    await setup.store.write(ws, MODEL, {chunks[0].id: packed(2, seed=4)})
    assert await setup.store.read(ws, MODEL, [chunks[0].id]) == {chunks[0].id: first}

    left = {(c.workspace_id, c.chunk_id) for c in await setup.store.unprepared(MODEL, 10)}
    assert left == {(ws, chunks[1].id), (other, theirs[0].id)}
    assert len(await setup.store.unprepared("another-model", 10)) == 3


async def test_vectors_go_with_their_chunks(setup: Setup) -> None:
    rng = random.Random(5)
    ws, document_id, chunks = await tenant(setup.uow, ["Gone soon."], [random_vector(rng)])
    await setup.store.write(ws, MODEL, {chunks[0].id: packed(1, seed=6)})
    async with setup.uow.tenant(ws) as tx:
        await tx.chunks.replace(ws, document_id, [])
        await tx.commit()
    assert await setup.store.read(ws, MODEL, [chunks[0].id]) == {}
    # Writing for a chunk that is gone skips it and fails nothing.
    await setup.store.write(ws, MODEL, {chunks[0].id: packed(1, seed=7)})
    assert await setup.store.read(ws, MODEL, [chunks[0].id]) == {}
    assert await setup.store.unprepared(MODEL, 10) == []


async def test_nothing_to_read_or_write_is_fine(setup: Setup) -> None:
    ws = WorkspaceId(uuid.uuid4())
    assert await setup.store.read(ws, MODEL, []) == {}
    await setup.store.write(ws, MODEL, {})
    assert await setup.store.read(ws, MODEL, [ChunkId(uuid.uuid4())]) == {}
