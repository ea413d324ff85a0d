"""ChatModel over any OpenAI-compatible POST {base_url}/chat/completions, streamed as SSE."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_random_exponential

from adapters.outbound.breaker import CircuitBreaker
from adapters.outbound.openai.prompt import build_messages
from application.answering import parse_citations
from application.ports.chat_model import ChatAnswer, ChatModelUnavailable, ChatRequest

log = structlog.get_logger()

_TRANSIENT_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
CHARS_PER_TOKEN = 8  # output cap: max_output_tokens * 8 characters, generous for any script


class _Transient(Exception):
    """A failure worth retrying while nothing has been yielded; `retry_after` in seconds."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class OpenAIChatModel:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 20.0,
        max_attempts: int = 3,
        wait_initial: float = 0.3,
        wait_max: float = 4.0,
        breaker_failures: int = 5,
        breaker_reset_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout  # the whole call: attempts, waits and the full stream
        # A shorter connect timeout leaves budget to retry a black-holed connection.
        self._http_timeout = httpx.Timeout(timeout, connect=min(5.0, timeout / 2))
        self._max_attempts = max(1, max_attempts)
        self._backoff = wait_random_exponential(multiplier=wait_initial, max=wait_max)
        self._breaker = CircuitBreaker(
            failures=breaker_failures, reset_seconds=breaker_reset_seconds, clock=clock
        )
        self._client: httpx.AsyncClient | None = None

    @property
    def name(self) -> str:
        return f"openai:{self._model}"

    async def answer(self, request: ChatRequest) -> ChatAnswer:
        text = "".join([piece async for piece in self.stream(request)])
        return ChatAnswer(text, parse_citations(text, len(request.passages)), self.name)

    async def stream(self, request: ChatRequest) -> AsyncIterator[str]:
        if not self._breaker.allow():
            raise ChatModelUnavailable("circuit open")
        succeeded: bool | None = None  # stays None if the caller stops reading early
        try:
            async for piece in self._pieces(request):
                yield piece
            succeeded = True
        except ChatModelUnavailable as exc:
            succeeded = False
            log.warning("chat_model_failed", model=self.name, reason=str(exc))
            raise
        finally:
            self._breaker.record(succeeded)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _pieces(self, request: ChatRequest) -> AsyncIterator[str]:
        deadline = asyncio.get_running_loop().time() + self._timeout
        retrying = AsyncRetrying(
            stop=lambda state: self._give_up(state, deadline),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            before_sleep=self._log_retry,
            reraise=True,
        )
        events: _Events
        piece: str | None
        try:
            events, piece = await retrying(self._open, request, deadline)
        except _Transient as exc:
            attempts = retrying.statistics.get("attempt_number", 1)
            reason = f"chat model unavailable after {attempts} attempt(s): {exc}"
            raise ChatModelUnavailable(reason) from exc
        budget = max(1, request.max_output_tokens * CHARS_PER_TOKEN)
        try:
            while piece is not None:
                piece = piece[:budget]
                budget -= len(piece)
                yield piece
                if budget <= 0:
                    log.info("chat_output_capped", model=self.name)
                    return
                async with self._guard(deadline):
                    piece = await events.next_piece()
        except _Transient as exc:  # too late to retry: the caller already has part of it
            raise ChatModelUnavailable(f"chat stream broke after output started: {exc}") from exc
        finally:
            await events.response.aclose()

    async def _open(self, request: ChatRequest, deadline: float) -> tuple[_Events, str]:
        """Sends the request and reads up to the first visible delta (the retryable part)."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._http_timeout)
        body: dict[str, Any] = {
            "model": self._model,
            "messages": build_messages(request),
            "max_tokens": request.max_output_tokens,
            "temperature": 0.1,
            "stream": True,
        }
        sent = self._client.build_request("POST", self._url, json=body, headers=self._headers)
        async with self._guard(deadline):
            response = await self._client.send(sent, stream=True)
        try:
            async with self._guard(deadline):
                await _check_status(response)
                events = _Events(response)
                pending = ""  # leading whitespace is held back: blank answers count as empty
                while (piece := await events.next_piece()) is not None:
                    if piece.strip():
                        return events, pending + piece
                    pending += piece
            raise ChatModelUnavailable("chat model returned an empty answer")
        except BaseException:
            await response.aclose()
            raise

    @asynccontextmanager
    async def _guard(self, deadline: float) -> AsyncIterator[None]:
        """The total deadline, with httpx errors translated; never spans a `yield` to callers."""
        try:
            async with asyncio.timeout_at(deadline):
                yield
        except TimeoutError as exc:
            raise ChatModelUnavailable(f"chat model timed out after {self._timeout}s") from exc
        except _TRANSIENT_TRANSPORT as exc:
            raise _Transient(f"{type(exc).__name__} from {self._url}") from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise ChatModelUnavailable(f"cannot call {self._url}: {exc!r}") from exc

    def _give_up(self, state: RetryCallState, deadline: float) -> bool:
        if state.attempt_number >= self._max_attempts:
            return True
        # No point sleeping past the deadline (a long Retry-After): fail now, fall back sooner.
        return asyncio.get_running_loop().time() + state.upcoming_sleep >= deadline

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(state))

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "chat_model_retry", url=self._url, attempt=state.attempt_number, reason=str(exc)
        )


class _Events:
    """The content deltas of one completion: SSE events, or a whole JSON body if not streamed."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        content_type = response.headers.get("content-type", "")
        self._whole_json = content_type.startswith("application/json")
        self._lines = response.aiter_lines()
        self._done = False

    async def next_piece(self) -> str | None:
        """The next non-empty content delta, or None once the answer is complete."""
        while not self._done:
            if self._whole_json:  # a server that ignored "stream": true
                self._done = True
                return _content(await self.response.aread(), "message") or None
            data = await self._next_data()
            if data is None or data.strip() == "[DONE]":
                self._done = True
                return None
            if piece := _content(data, "delta"):
                return piece
        return None

    async def _next_data(self) -> str | None:
        data: list[str] = []  # an event's data lines, joined by newlines as the SSE spec says
        async for line in self._lines:
            if not line:
                if data:
                    return "\n".join(data)
            elif line.startswith("data:"):
                data.append(line[6:] if line.startswith("data: ") else line[5:])
        return "\n".join(data) if data else None


def _content(data: str | bytes, key: str) -> str:
    """`choices[0][key].content` of a chunk ("delta") or of a whole completion ("message")."""
    try:
        chunk = json.loads(data)
        if error := chunk.get("error"):  # vLLM and OpenAI report failures inside the stream
            raise ChatModelUnavailable(f"chat model reported an error: {str(error)[:200]}")
        choices = chunk.get("choices") or []
        content = choices[0][key].get("content") if choices else None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise ChatModelUnavailable(f"chat model sent malformed data: {data[:120]!r}") from exc
    if content is not None and not isinstance(content, str):
        raise ChatModelUnavailable(f"chat model sent malformed content: {data[:120]!r}")
    return content or ""


async def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise _Transient(f"HTTP {status}", _retry_after(response.headers.get("Retry-After")))
    if status >= 300:
        detail = (await response.aread())[:300].decode("utf-8", "replace")
        raise ChatModelUnavailable(f"chat request rejected with HTTP {status}: {detail}")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date."""
    try:
        return max(0.0, float(value or "none"))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value or "")
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
