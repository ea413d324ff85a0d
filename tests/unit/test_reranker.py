"""The Reranker port: the `/rerank` HTTP adapter against a local server, and search's use of it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from adapters.outbound.rerank.http_reranker import HttpReranker
from application.ports.reranker import RerankerUnavailable
from application.search import HybridSearch, SearchMode
from domain.ids import WorkspaceId
from tests.fakes.rerank_server import FakeRerankServer
from tests.unit.search_fakes import OneVectorEmbedder
from tests.unit.test_search_scoring import _Retriever, chunk


@pytest.fixture(scope="module")
def server() -> Iterator[FakeRerankServer]:
    fake = FakeRerankServer()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def rerank(server: FakeRerankServer) -> FakeRerankServer:
    server.reset()
    return server


async def test_scores_come_back_in_document_order(rerank: FakeRerankServer) -> None:
    reranker = HttpReranker(rerank.base_url, "bge-reranker", api_key="k")
    scores = await reranker.scores("pump error", ["nothing", "pump error here", "a pump"])
    assert scores == [0.0, 2.0, 1.0]
    assert rerank.requests == [
        {
            "model": "bge-reranker",
            "query": "pump error",
            "documents": ["nothing", "pump error here", "a pump"],
            "top_n": 3,
        }
    ]
    assert await reranker.scores("q", []) == []
    await reranker.aclose()


@pytest.mark.parametrize("reply", ["status", "malformed", "wrong_count", "hang"])
async def test_any_failure_is_reranker_unavailable(rerank: FakeRerankServer, reply: str) -> None:
    rerank.script(reply)  # type: ignore[arg-type]
    reranker = HttpReranker(rerank.base_url, "m", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(RerankerUnavailable):
        await reranker.scores("q", ["a", "b"])
    assert time.monotonic() - started < 2.0
    await reranker.aclose()


async def test_the_breaker_stops_calling_a_failing_reranker(rerank: FakeRerankServer) -> None:
    rerank.script("status", "status")
    now = [0.0]
    reranker = HttpReranker(
        rerank.base_url, "m", breaker_failures=2, breaker_reset_seconds=30, clock=lambda: now[0]
    )
    for _ in range(3):
        with pytest.raises(RerankerUnavailable):
            await reranker.scores("q", ["a"])
    assert len(rerank.requests) == 2  # the third never reached the server
    now[0] = 31.0
    assert await reranker.scores("q", ["q"]) == [1.0]  # the half-open trial succeeds
    await reranker.aclose()


def _search(rerank_url: str) -> tuple[HybridSearch, list[str]]:
    # Cosines far apart: the embedding has a clear favourite, so the hybrid keeps its order.
    dense = [chunk("pump manual", 0.90), chunk("warranty terms", 0.60), chunk("pump error", 0.3)]
    retriever = _Retriever(dense, [])
    reranker = HttpReranker(rerank_url, "m", timeout=0.5)
    search = HybridSearch(retriever, OneVectorEmbedder(), reranker=reranker)  # type: ignore[arg-type]
    return search, [c.text for c in dense]


async def test_search_reorders_the_best_results_by_the_reranker(
    rerank: FakeRerankServer,
) -> None:
    search, _ = _search(rerank.base_url)
    ws = WorkspaceId(uuid.uuid4())
    assert search.reranking
    found = await search.search(ws, "pump error", 2)
    assert [c.text for c in found] == ["pump error", "pump manual"]
    hybrid = await search.search(ws, "pump error", 3, SearchMode.HYBRID)
    assert [c.text for c in hybrid] == ["pump manual", "warranty terms", "pump error"]


async def test_search_keeps_the_hybrid_order_when_the_reranker_fails(
    rerank: FakeRerankServer,
) -> None:
    rerank.script("hang")
    search, texts = _search(rerank.base_url)
    found = await search.search(WorkspaceId(uuid.uuid4()), "pump error", 3)
    assert [c.text for c in found] == texts
