"""Answers as server-sent events, for clients that send `Accept: text/event-stream`: `token`
events (`{message_id, delta, seq}`) while the answer is written, then one `message` event
whose data is the usual JSON answer. Refusals that come before any token (a bad body, a
spent budget, a person holding the conversation's first word) stay ordinary problem
responses with their status; a failure after the stream started ends it with an `error`
event in problem-details form. The answer is stored whatever happens to the connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgspec
import structlog
from litestar import Request
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from application.events import AnswerDelta
from application.use_cases.answer_message import DeltaSink, Reply
from domain.errors import DomainError

log = structlog.get_logger()
_ENCODER = msgspec.json.Encoder()
_running: set[asyncio.Task[None]] = set()  # answers finish even if their client went away


class _Token(msgspec.Struct):
    message_id: str
    delta: str
    seq: int


def wants_event_stream(request: Request[Any, Any, Any]) -> bool:
    return "text/event-stream" in request.headers.get("accept", "").lower()


async def answer_as_events(
    run: Callable[[DeltaSink], Awaitable[Reply]], body: Callable[[Reply], msgspec.Struct]
) -> ServerSentEvent:
    """Starts the answer; raises its error as usual if it fails before the first token."""
    queue: asyncio.Queue[AnswerDelta | Reply | BaseException] = asyncio.Queue()

    async def produce() -> None:
        try:
            await queue.put(await run(queue.put))
        except Exception as exc:  # handed to the stream, which reports it
            await queue.put(exc)

    task = asyncio.create_task(produce())
    _running.add(task)
    task.add_done_callback(_running.discard)
    first = await queue.get()
    if isinstance(first, BaseException):
        raise first
    return ServerSentEvent(_events(first, queue, body), headers={"Cache-Control": "no-store"})


async def _events(
    first: AnswerDelta | Reply,
    queue: asyncio.Queue[AnswerDelta | Reply | BaseException],
    body: Callable[[Reply], msgspec.Struct],
) -> AsyncIterator[ServerSentEventMessage]:
    item: AnswerDelta | Reply | BaseException = first
    while True:
        if isinstance(item, AnswerDelta):
            token = _Token(str(item.message_id), item.delta, item.seq)
            yield ServerSentEventMessage(event="token", data=_ENCODER.encode(token).decode())
        elif isinstance(item, Reply):
            yield ServerSentEventMessage(event="message", data=_ENCODER.encode(body(item)).decode())
            return
        else:
            yield ServerSentEventMessage(event="error", data=_problem(item))
            return
        item = await queue.get()


def _problem(error: BaseException) -> str:
    if isinstance(error, DomainError):
        return _ENCODER.encode(
            {"code": error.code, "title": error.title, "detail": error.detail}
        ).decode()
    log.error("answer_stream.failed", error=type(error).__name__)
    detail = "The answer could not be given; try again."
    return _ENCODER.encode(
        {"code": "internal_error", "title": "Internal error", "detail": detail}
    ).decode()
