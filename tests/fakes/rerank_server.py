"""A scriptable `/rerank` server on 127.0.0.1 (the API local and hosted rerankers share).

A document's score is the share of the query's words it contains; results come back best
first, as real servers send them, so a client must put them back in document order."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from typing import Any, Literal

import uvicorn

Reply = Literal["ok", "status", "malformed", "wrong_count", "hang"]
_WORD = re.compile(r"\w+")


class FakeRerankServer:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._script: deque[Reply] = deque()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        self._script.extend(replies)

    def reset(self) -> None:
        self._script.clear()
        self.requests.clear()

    def start(self) -> None:
        config = uvicorn.Config(
            self, host="127.0.0.1", port=0, lifespan="off", log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake rerank server did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
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
