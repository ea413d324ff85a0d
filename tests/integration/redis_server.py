"""A private redis-server on a free loopback port, to freeze (SIGSTOP), thaw and stop for
real fault tests without touching the shared Redis."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._directory = directory
        self._process = self._spawn()
        self._wait_until_listening()

    def _spawn(self) -> subprocess.Popen[bytes]:
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        arguments += ["--appendonly", "no", "--dir", str(self._directory)]
        return subprocess.Popen(  # noqa: S603 - a fixed binary and our arguments
            [REDIS_SERVER, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def freeze(self) -> None:
        os.kill(self._process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self._process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self._process.poll() is not None:
            return  # already stopped (a test stopped it on purpose)
        self.thaw()
        self._process.terminate()
        self._process.wait(10)

    def restart(self) -> None:
        """Stopped (its data gone: no persistence), then a new server on the same port."""
        self.stop()
        self._process = self._spawn()
        self._wait_until_listening()


@contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    if not Path(REDIS_SERVER).exists():
        pytest.skip("no redis-server binary")  # a failure when CI=true
    server = PrivateRedis(directory)
    try:
        yield server
    finally:
        server.stop()
