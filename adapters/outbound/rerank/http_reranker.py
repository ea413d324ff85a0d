"""A Reranker over the `/rerank` HTTP API that local reranker servers and hosted ones share.

Request: POST {base_url}/rerank with {"model", "query", "documents", "top_n"}. Response:
{"results": [{"index", "relevance_score"}, ...]} (also accepted: a bare list, or "score"
instead of "relevance_score"), in any order. Every failure (connection, status, a malformed
or incomplete body, the time budget) raises RerankerUnavailable, so search falls back to
the fused order; after `breaker_failures` failures in a row the breaker stops calling for
`breaker_reset_seconds`, so a dead reranker costs nothing per search.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from adapters.outbound.breaker import CircuitBreaker
from application.ports.reranker import RerankerUnavailable


class HttpReranker:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 2.0,
        breaker_failures: int = 3,
        breaker_reset_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = base_url.rstrip("/") + "/rerank"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._breaker = CircuitBreaker(
            failures=breaker_failures, reset_seconds=breaker_reset_seconds, clock=clock
        )

    @property
    def name(self) -> str:
        return self._model

    async def scores(self, query: str, documents: list[str]) -> list[float]:
        if not documents:
            return []
        if not self._breaker.allow():
            raise RerankerUnavailable("reranker switched off for a while after failures")
        succeeded = False
        try:
            found = await self._call(query, documents)
            succeeded = True
            return found
        finally:
            self._breaker.record(succeeded)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def _call(self, query: str, documents: list[str]) -> list[float]:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        body = {
            "model": self._model,
            "query": query,
            "documents": documents,
            "top_n": len(documents),
        }
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.post(self._url, json=body, headers=self._headers)
            if response.status_code != 200:
                raise RerankerUnavailable(f"reranker answered {response.status_code}")
            return _scores(response.json(), len(documents))
        except TimeoutError as exc:
            raise RerankerUnavailable(f"reranker timed out after {self._timeout}s") from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise RerankerUnavailable(f"reranker failed: {type(exc).__name__}") from exc


def _scores(payload: Any, count: int) -> list[float]:
    results = payload.get("results") if isinstance(payload, dict) else payload
    if not isinstance(results, list):
        raise ValueError("no results")
    found: dict[int, float] = {}
    for item in results:
        index = item.get("index") if isinstance(item, dict) else None
        score = item.get("relevance_score", item.get("score")) if isinstance(item, dict) else None
        if not isinstance(index, int) or not 0 <= index < count:
            raise ValueError("a result without a valid index")
        if not isinstance(score, int | float) or isinstance(score, bool):
            raise ValueError("a result without a score")
        found[index] = float(score)
    if len(found) != count:
        raise ValueError(f"{len(found)} scores for {count} documents")
    return [found[i] for i in range(count)]
