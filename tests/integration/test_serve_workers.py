"""`ccgpt serve --workers 2` on the embedded default, without Redis: a session's sockets
hear every event whichever worker holds them (API.md: "Events reach every socket of a
session even when the sockets are held by different server processes"), through the
database the workers share."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.integration.test_serve_process import Server

SITE = "https://shop.example.com"


def widget_socket(server: Server, key: str, session: dict[str, Any]) -> ClientConnection:
    query = httpx.QueryParams(
        key=key, session_id=session["session_id"], session_token=session["session_token"]
    )
    url = f"ws://127.0.0.1:{server.port}/widget/v1/ws?{query}"
    return connect(url, origin=SITE, open_timeout=10)  # type: ignore[arg-type]


def messages_until(socket: ClientConnection, texts: set[str], seconds: float = 15) -> set[str]:
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while not texts <= seen and time.monotonic() < deadline:
        frame = json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic())))
        if frame["type"] == "message":
            seen.add(frame["text"])
    return seen


def test_two_workers_without_redis_deliver_every_event_to_every_socket(tmp_path: Path) -> None:
    server = Server(
        tmp_path / "data", tmp_path, {"CCGPT_EMBEDDER": "hashing"}, args=("--workers", "2")
    )
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            body = {
                "email": "owner@example.com",
                "password": "correct horse battery",
                "full_name": "Owner",
                "workspace_name": "Shop",
            }
            token = client.post("/api/v1/auth/register", json=body).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            code = client.post(
                "/api/v1/embed-codes",
                json={"name": "Shop", "allowed_domains": ["shop.example.com"]},
                headers=headers,
            ).json()
            key = code["public_key"]
            session = client.post(
                "/widget/v1/sessions", json={}, params={"key": key}, headers={"Origin": SITE}
            ).json()
            sid = session["session_id"]
            client.post(f"/api/v1/conversations/{sid}/takeover", headers=headers)
            sockets = [widget_socket(server, key, session) for _ in range(4)]
            try:
                for socket in sockets:
                    assert json.loads(socket.recv(timeout=10))["type"] == "ready"
                texts = {f"reply {n}" for n in range(4)}
                for text in sorted(texts):  # each over a new connection: either worker
                    with httpx.Client(base_url=server.url, timeout=30) as fresh:
                        posted = fresh.post(
                            f"/api/v1/conversations/{sid}/messages",
                            json={"text": text},
                            headers=headers,
                        )
                        assert posted.status_code == 201, posted.text
                for socket in sockets:
                    assert messages_until(socket, texts) == texts
            finally:
                for socket in sockets:
                    socket.close()
    finally:
        server.stop()
