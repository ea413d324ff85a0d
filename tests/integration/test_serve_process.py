"""`ccgpt serve` as a user runs it: embedded default, clean stop, data and tokens survive."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CCGPT = str(Path(sys.executable).with_name("ccgpt"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCGPT_")}
    env.update(
        CCGPT_DATA_DIR=str(data_dir),
        CCGPT_PASSWORD_HASH_TIME_COST="1",
        CCGPT_PASSWORD_HASH_MEMORY_KIB="1024",
    )
    return env


class Server:
    def __init__(self, data_dir: Path, cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # noqa: S603 - our own console script
            [CCGPT, "serve", "--port", str(self.port)],
            env=environment(data_dir),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                self.process.stdout.read() if self.process.stdout else ""
            )
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("server did not become ready in 60 s")

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        output, _ = self.process.communicate(timeout=30)
        return output


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"


def test_serve_keeps_accounts_and_tokens_across_a_restart(data_dir: Path, tmp_path: Path) -> None:
    server = Server(data_dir, tmp_path)
    body = {
        "email": "owner@example.com",
        "password": "a-good-password",
        "full_name": "Olga Owner",
        "workspace_name": "Olga's Shop",
    }
    registered = httpx.post(f"{server.url}/api/v1/auth/register", json=body, timeout=10)
    assert registered.status_code == 201
    token = registered.json()["access_token"]
    output = server.stop()
    assert f"listening on http://127.0.0.1:{server.port}" in output
    assert str(data_dir.resolve()) in output
    assert server.process.returncode == 0
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL left running"

    again = Server(data_dir, tmp_path)
    try:
        me = httpx.get(
            f"{again.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert me.status_code == 200 and me.json()["user"]["email"] == "owner@example.com"
        login = httpx.post(
            f"{again.url}/api/v1/auth/login",
            json={"email": "owner@example.com", "password": "a-good-password"},
            timeout=10,
        )
        assert login.status_code == 200
    finally:
        again.stop()


def test_migrate_command_prepares_the_embedded_database(data_dir: Path, tmp_path: Path) -> None:
    done = subprocess.run(  # noqa: S603
        [CCGPT, "migrate"],
        env=environment(data_dir),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "migrations applied" in done.stdout
    assert not (data_dir / "postgres" / "postmaster.pid").exists()
