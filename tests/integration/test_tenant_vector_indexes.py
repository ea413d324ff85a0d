"""A large workspace's own HNSW index: made and dropped by the idle worker's step, walked by
its searches (README, "Search latency")."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.outbound.postgres.engine import APP_ROLE, retrieval_engine, runtime_engine
from adapters.outbound.postgres.retriever import (  # the statements, to read their plan
    _NEAREST,
    _SCOPE,
    _SIZE,
    PostgresRetriever,
    _vector_literal,
)
from adapters.outbound.postgres.unit_of_work import PostgresUnitOfWorkFactory
from adapters.outbound.postgres.vector_indexes import (
    _LOCK,
    PostgresTenantVectorIndexes,
    own_index_name,
)
from application.use_cases.tend_vector_indexes import TendVectorIndexes
from domain.ids import WorkspaceId
from tests.integration.conftest import fresh_database
from tests.integration.test_retriever_contract import random_vector, tenant

LARGE, SMALL = 60, 8  # chunks; the step here gives an index from 40 and keeps it from 20


@dataclass
class Tenants:
    url: str
    engine: AsyncEngine
    searching: AsyncEngine
    indexes: PostgresTenantVectorIndexes
    tend: TendVectorIndexes
    large: WorkspaceId
    small: WorkspaceId
    vectors: list[tuple[float, ...]]


@pytest.fixture
async def tenants(database_url: str) -> AsyncIterator[Tenants]:
    url = fresh_database(database_url)  # sizes() sees every workspace: none of other tests'
    engine, searching = runtime_engine(url, pool_size=2), retrieval_engine(url, pool_size=2)
    uow = PostgresUnitOfWorkFactory(engine)
    rng = random.Random(5)
    vectors = [random_vector(rng) for _ in range(LARGE)]
    large, _, _ = await tenant(uow, [f"large {i}" for i in range(LARGE)], vectors)
    small, _, _ = await tenant(
        uow, [f"small {i}" for i in range(SMALL)], [random_vector(rng) for _ in range(SMALL)]
    )
    indexes = PostgresTenantVectorIndexes(engine, lambda: url)
    tend = TendVectorIndexes(indexes, min_chunks=40, keep_chunks=20)
    yield Tenants(url, engine, searching, indexes, tend, large, small, vectors)
    await engine.dispose()
    await searching.dispose()


def walked(url: str, retriever: PostgresRetriever, ws: WorkspaceId, vector: list[float]) -> str:
    """The plan of the retriever's nearest-rows statement, as the runtime role sees it."""
    params = retriever.parameters(ws, {"v": _vector_literal(vector), "n": 10})
    with psycopg.connect(url, options=f"-c role={APP_ROLE}") as conn:
        conn.execute(_SCOPE, params)
        conn.execute(_SIZE, params)
        plan = [row[0] for row in conn.execute(b"EXPLAIN " + _NEAREST, params)]
    return "\n".join(line for line in plan if " using " in line)


async def test_a_large_workspace_gets_its_own_index_and_its_searches_walk_it(
    tenants: Tenants,
) -> None:
    assert await tenants.indexes.sizes() == {tenants.large: LARGE, tenants.small: SMALL}
    assert await tenants.tend.execute() == 1
    assert await tenants.tend.execute() == 0  # one index a call; nothing left
    assert await tenants.indexes.indexed() == {tenants.large: True}

    # From 10 chunks a workspace with its own index takes the approximate path.
    routed = PostgresRetriever(tenants.searching, hnsw_min_chunks=10)
    exact = PostgresRetriever(tenants.searching, 10**9, hnsw_min_chunks=10**9)
    query = list(tenants.vectors[7])
    assert own_index_name(tenants.large) in walked(tenants.url, routed, tenants.large, query)
    found = [c.chunk_id for c in await routed.nearest(tenants.large, query, 10)]
    assert found == [c.chunk_id for c in await exact.nearest(tenants.large, query, 10)]
    # The other tenant keeps its exact scan, and never sees the large one's rows.
    assert "ix_chunks_embedding" not in walked(tenants.url, routed, tenants.small, query)
    small = await routed.nearest(tenants.small, query, 10)
    assert len(small) == SMALL and all(c.text.startswith("small") for c in small)


async def test_an_index_no_longer_needed_is_dropped(tenants: Tenants) -> None:
    await tenants.tend.execute()
    with psycopg.connect(tenants.url, autocommit=True) as conn:  # the workspace shrinks
        conn.execute(
            "UPDATE documents SET chunk_count = 19 WHERE workspace_id = %s", (tenants.large,)
        )
    assert await tenants.tend.execute() == 1
    assert await tenants.indexes.indexed() == {}
    assert await tenants.tend.execute() == 0  # 19 is under the 40 an index is made from


async def test_a_workspace_between_the_two_sizes_keeps_the_index_it_has(tenants: Tenants) -> None:
    await tenants.tend.execute()
    with psycopg.connect(tenants.url, autocommit=True) as conn:
        conn.execute(
            "UPDATE documents SET chunk_count = 30 WHERE workspace_id = %s", (tenants.large,)
        )
    assert await tenants.tend.execute() == 0
    assert await tenants.indexes.indexed() == {tenants.large: True}


async def test_an_incomplete_index_is_not_walked_and_is_replaced(tenants: Tenants) -> None:
    await tenants.tend.execute()
    name = own_index_name(tenants.large)
    with psycopg.connect(tenants.url, autocommit=True) as conn:  # as a failed build leaves it
        conn.execute(
            f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '{name}'::regclass"
        )
    assert await tenants.indexes.indexed() == {tenants.large: False}
    routed = PostgresRetriever(tenants.searching, hnsw_min_chunks=10)
    assert name not in walked(tenants.url, routed, tenants.large, list(tenants.vectors[0]))
    assert await tenants.tend.execute() == 1
    assert await tenants.indexes.indexed() == {tenants.large: True}
    assert name in walked(tenants.url, routed, tenants.large, list(tenants.vectors[0]))


async def test_one_process_tends_indexes_at_a_time(tenants: Tenants) -> None:
    with psycopg.connect(tenants.url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", (_LOCK,))
        assert await tenants.tend.execute() == 0
        assert await tenants.indexes.indexed() == {}
    assert await tenants.tend.execute() == 1
