"""What every scriptable fake HTTP server of the tests shares: itself as an ASGI app under
uvicorn in a thread on a free 127.0.0.1 port, a script of replies, and the requests seen."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Generic, TypeVar

import uvicorn

R = TypeVar("R")


class ThreadedFakeServer(Generic[R]):
    name = "fake server"

    def __init__(self) -> None:
        self.requests: list[Any] = []
        self._script: deque[R] = deque()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: R) -> None:
        self._script.extend(replies)

    def reset(self) -> None:
        self._script.clear()
        self.requests.clear()

    def start(self) -> None:
        config = uvicorn.Config(
            self,
            host="127.0.0.1",
            port=0,
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise NotImplementedError


async def read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body
