"""A scriptable `/rerank` server on 127.0.0.1 (the API local and hosted rerankers share).

A document's score is the share of the query's words it contains; results come back best
first, as real servers send them, so a client must put them back in document order."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Literal

from tests.fakes.threaded_server import ThreadedFakeServer, read_body

Reply = Literal["ok", "status", "malformed", "wrong_count", "hang"]
_WORD = re.compile(r"\w+")


class FakeRerankServer(ThreadedFakeServer[Reply]):
    name = "fake rerank server"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = await read_body(receive)
        if scope["path"] != "/v1/rerank":
            await _respond(send, 404, b'{"error": "not found"}')
            return
        payload = json.loads(body or b"{}")
        self.requests.append(payload)
        reply = self._script.popleft() if self._script else "ok"
        if reply == "hang":
            await asyncio.wait_for(receive(), timeout=30)
            return
        if reply == "status":
            await _respond(send, 503, b'{"error": "overloaded"}')
            return
        if reply == "malformed":
            await _respond(send, 200, b'{"results": [{"index": 0, "relev')
            return
        query = {w.lower() for w in _WORD.findall(payload["query"])}
        results = [
            {"index": i, "relevance_score": len(query & {w.lower() for w in _WORD.findall(d)})}
            for i, d in enumerate(payload["documents"])
        ]
        results.sort(key=lambda r: -r["relevance_score"])
        if reply == "wrong_count":
            results = results[1:]
        await _respond(send, 200, json.dumps({"results": results}).encode())


async def _respond(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
