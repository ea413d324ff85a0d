"""Tools for the load driver: a server in a child process, a lean keep-alive HTTP client for
requests/s, resident memory of a process tree, and percentiles."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ChildServer:
    """`argv` listening on `port`, ready once `ready_path` answers 200."""

    def __init__(
        self, argv: list[str], port: int, env: Mapping[str, str], ready_path: str, log: Path
    ) -> None:
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        self._argv, self._env, self._ready, self._log = argv, env, ready_path, log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ChildServer:
        out = self._log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self._argv, env={**os.environ, **self._env}, stdout=out, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self._argv} exited; see {self._log}")
            try:
                if httpx.get(self.url + self._ready, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self._argv} was not ready in time; see {self._log}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def rss_mib(self) -> float:
        """Resident memory of the server and its children (the parser sandbox)."""
        root = psutil.Process(self.pid)
        total = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
        return float(total / 2**20)


def ccgpt_server(port: int, env: Mapping[str, str], log: Path) -> ChildServer:
    argv = [sys.executable, "-m", "bootstrap.main", "serve", "--port", str(port)]
    return ChildServer(argv, port, env, "/health/ready", log)


def hello_server(port: int, log: Path) -> ChildServer:
    """The hello-world app on the same uvicorn settings as `ccgpt serve`."""
    code = (
        "import uvicorn; from benchmarks.hello_app import app; "
        f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning', "
        "log_config=None, proxy_headers=False)"
    )
    return ChildServer([sys.executable, "-c", code], port, {}, "/", log)


async def requests_per_second(
    port: int, path: str, headers: Mapping[str, str], seconds: float, connections: int = 8
) -> float:
    """GETs on keep-alive connections for `seconds`; a raw client, so it costs far less
    CPU than the server it measures (they share the machine)."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode()
    done = 0
    stop = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < stop:
            writer.write(request)
            answer = await reader.readuntil(b"\r\n\r\n")
            if not answer.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"{path}: {answer[:200]!r}")
            length = _LENGTH.search(answer)
            await reader.readexactly(int(length.group(1)) if length else 0)
            done += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return done / (time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
