"""The client's address comes from CCGPT_TRUSTED_PROXIES only, never from uvicorn's own
proxy-header handling (which believes X-Forwarded-For from any local peer by default).

`ccgpt serve` runs as a user runs it; requests come from two loopback addresses, 127.0.0.1
(an ordinary peer) and 127.0.0.2 (the trusted proxy where one is configured)."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from tests.integration.test_serve_process import Server


def serve(tmp_path: Path, name: str, trusted: str = "") -> Server:
    extra = {
        "CCGPT_STORAGE": "memory",
        "CCGPT_EMBEDDER": "hashing",
        "CCGPT_RATE_LIMIT_LOGIN": "3/minute",
    }
    if trusted:
        extra["CCGPT_TRUSTED_PROXIES"] = trusted
    return Server(tmp_path / name, tmp_path, extra)


def login_statuses(server: Server, source: str, attempts: int = 5) -> list[int]:
    """Log-ins from `source`, each for another account and behind another forwarded IP,
    so only the per-IP budget can refuse them."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=server.url, transport=transport, timeout=10) as client:
        return [
            client.post(
                "/api/v1/auth/login",
                json={"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "x" * 12},
                headers={"X-Forwarded-For": f"203.0.113.{n + 1}"},
            ).status_code
            for n in range(attempts)
        ]


def test_forwarded_for_is_ignored_without_trusted_proxies(tmp_path: Path) -> None:
    server = serve(tmp_path, "plain")
    try:
        assert login_statuses(server, "127.0.0.1") == [401, 401, 401, 429, 429]
    finally:
        server.stop()


def test_forwarded_for_is_believed_from_a_trusted_proxy_only(tmp_path: Path) -> None:
    server = serve(tmp_path, "proxied", trusted="127.0.0.2/32")
    try:
        # Through the proxy, each forwarded address has its own budget.
        assert login_statuses(server, "127.0.0.2") == [401] * 5
        # Straight from another peer, the header is the client's own claim: ignored.
        assert login_statuses(server, "127.0.0.1") == [401, 401, 401, 429, 429]
    finally:
        server.stop()
