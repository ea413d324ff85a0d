"""A scriptable OpenAI-compatible /v1/chat/completions server streaming SSE on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.fakes.openai_server import FakeOpenAIServer, Received

Kind = Literal[
    "ok",  # the deltas as SSE chunks, then [DONE] (or one JSON body if "stream" is false)
    "json",  # one non-streamed JSON completion even though the client asked for a stream
    "status",  # an error status with headers (e.g. Retry-After)
    "hang",  # nothing at all until the client gives up
    "hang_mid",  # the deltas, then nothing until the client gives up
    "malformed",  # the deltas, then a broken `data:` line
    "error_event",  # the deltas, then an in-stream {"error": ...} event
    "drop",  # the deltas, then the connection is cut without ending the body
]


@dataclass(frozen=True)
class ChatReply:
    """What the server does with one request; unscripted requests get `ok`."""

    kind: Kind = "ok"
    deltas: tuple[str, ...] | None = None  # None: the server's `default_deltas`
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class FakeChatServer(FakeOpenAIServer):
    """Reuses the embeddings fake's uvicorn thread, request log and lifecycle."""

    def __init__(self) -> None:
        super().__init__()
        self.default_deltas: tuple[str, ...] = ("Returns are free", " within 30 days [1].")
        self._replies: deque[ChatReply] = deque()

    def script(self, *replies: ChatReply) -> None:  # type: ignore[override]
        self._replies.extend(replies)

    def reset(self) -> None:
        super().reset()
        self._replies.clear()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        payload = json.loads(body or b"{}")
        self.requests.append(Received(scope["path"], headers, payload))
        if scope["method"] != "POST" or scope["path"] != "/v1/chat/completions":
            await _respond(send, 404, _error("not found"))
            return
        reply = self._replies.popleft() if self._replies else ChatReply()
        deltas = self.default_deltas if reply.deltas is None else reply.deltas
        model = str(payload.get("model"))
        if reply.kind == "hang":
            await _until_disconnect(receive)
        elif reply.kind == "status":
            await _respond(send, reply.status, _error(f"scripted {reply.status}"), reply.headers)
        elif reply.kind == "json" or (reply.kind == "ok" and not payload.get("stream")):
            await _respond(send, 200, json.dumps(_completion(model, "".join(deltas))).encode())
        else:
            await _stream(send, receive, reply.kind, model, deltas)


async def _stream(send: Any, receive: Any, kind: Kind, model: str, deltas: tuple[str, ...]) -> None:
    headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await _event(send, _chunk(model, {"role": "assistant", "content": ""}))
    for delta in deltas:
        await _event(send, _chunk(model, {"content": delta}))
    if kind == "hang_mid":
        await _until_disconnect(receive)
        return
    if kind == "drop":
        # An exception after the response started makes uvicorn close the socket mid-body.
        raise ConnectionAbortedError("scripted drop mid-stream")
    if kind == "malformed":
        await _event(send, '{"choices": [{"delta": {"content": "oops"')
    if kind == "error_event":
        await _event(send, json.dumps({"error": {"message": "model overloaded"}}))
    await _event(send, _chunk(model, {}, finish_reason="stop"))
    await _event(send, "[DONE]")
    await send({"type": "http.response.body", "body": b""})


def _chunk(model: str, delta: dict[str, Any], finish_reason: str | None = None) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return json.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "model": model,
            "choices": [choice],
        }
    )


def _completion(model: str, text: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": text}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }


def _error(message: str) -> bytes:
    return json.dumps({"error": {"message": message}}).encode()


async def _event(send: Any, data: str) -> None:
    body = f"data: {data}\n\n".encode()
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def _until_disconnect(receive: Any) -> None:
    await asyncio.wait_for(receive(), timeout=30)


async def _respond(
    send: Any, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    raw = [(b"content-type", b"application/json")]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
