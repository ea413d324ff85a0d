"""A scriptable OpenAI-compatible /v1/embeddings server on 127.0.0.1, run by uvicorn in a thread."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from adapters.outbound.memory.embedder import hash_embed
from tests.fakes.threaded_server import ThreadedFakeServer, read_body

Kind = Literal["ok", "status", "malformed", "wrong_dimension", "wrong_count", "hang"]


@dataclass(frozen=True)
class Reply:
    """What the server does with one request; unscripted requests get `ok`."""

    kind: Kind = "ok"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeOpenAIServer(ThreadedFakeServer[Reply]):
    name = "fake OpenAI server"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = await read_body(receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        payload = json.loads(body or b"{}")
        self.requests.append(Received(scope["path"], headers, payload))
        if scope["method"] != "POST" or scope["path"] != "/v1/embeddings":
            await _respond(send, 404, b'{"error": {"message": "not found"}}')
            return
        reply = self._script.popleft() if self._script else Reply()
        if reply.kind == "hang":
            # Wait for the client to give up and disconnect, then answer nothing.
            await asyncio.wait_for(receive(), timeout=30)
            return
        if reply.kind == "status":
            error = json.dumps({"error": {"message": f"scripted {reply.status}"}}).encode()
            await _respond(send, reply.status, error, reply.headers)
            return
        if reply.kind == "malformed":
            await _respond(send, 200, b'{"data": [{"index": 0, "embedding": [0.1, ')
            return
        await _respond(send, 200, json.dumps(_embeddings(payload, reply.kind)).encode())


def _embeddings(payload: dict[str, Any], kind: Kind) -> dict[str, Any]:
    texts: list[str] = payload["input"]
    size = 383 if kind == "wrong_dimension" else 384
    # Scaled away from unit length and listed in reverse: the client must sort and normalise.
    data = [
        {"object": "embedding", "index": i, "embedding": [3.0 * x for x in hash_embed(t)][:size]}
        for i, t in enumerate(texts)
    ][::-1]
    if kind == "wrong_count":
        data = data[1:]
    return {"object": "list", "data": data, "model": payload.get("model"), "usage": {}}


async def _respond(
    send: Any, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    raw = [(b"content-type", b"application/json")]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
