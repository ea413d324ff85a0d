"""Widget sockets under load: N visitors hold a socket each for a bounded time and ask a
question every few seconds; then 10,000 connect/disconnect cycles. Prints connections
held, errors, time to first token and to the whole answer (p50/p95), and the server's RSS
before, under load and after the cycles.

    python -m benchmarks.sockets                 # 500 sockets, 60 s
    python -m benchmarks.sockets --sockets 2000  # the larger run

The server runs as its own process (`ccgpt serve`) on the embedded PostgreSQL, as `make run`
does, but with the hashing embedder, so the figures are about sockets, storage and fan-out,
not embedding; limits are raised for the one client address the load comes from. Each
visitor waits for its answer before its next pause, so a slower server means longer
answers, not a growing queue. `--storage memory` runs the in-process test adapters instead
(they copy the whole store per transaction: a harness, not a server for 500 visitors).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bootstrap.embedded_postgres import EmbeddedPostgres

ORIGIN = "https://shop.example.com"
DOCUMENT = (
    "# Shipping\n\nOrders to Canada arrive in 5 to 8 business days. "
    "Orders within the US arrive in 2 business days.\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    port: int, data_dir: str, database_url: str | None, log: Path | None, extra: list[str]
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **({"CCGPT_DATABASE_URL": database_url} if database_url else {"CCGPT_STORAGE": "memory"}),
        "CCGPT_EMBEDDER": "hashing",
        "CCGPT_ANSWER_MIN_SIMILARITY": "0.05",
        "CCGPT_DATA_DIR": data_dir,
        "CCGPT_LOG_LEVEL": "warning" if log else "error",
        "CCGPT_RATE_LIMIT_IP": "1000000/minute",
        "CCGPT_RATE_LIMIT_EMBED": "1000000/minute",
        "CCGPT_RATE_LIMIT_WORKSPACE": "1000000/minute",
        "CCGPT_WS_MAX_SOCKETS_PER_IP": "100000",
        "CCGPT_WS_MAX_SOCKETS_PER_SESSION": "100000",  # the cycles reuse one session
        "CCGPT_JOB_POLL_SECONDS": "0.05",
        **dict(pair.split("=", 1) for pair in extra),
    }
    command = [sys.executable, "-m", "bootstrap.main", "serve", "--port", str(port)]
    output = log.open("wb") if log else subprocess.DEVNULL
    server = subprocess.Popen(command, env=env, stdout=output, stderr=output)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not become ready")


def prepare(base: str) -> str:
    """A workspace on the enterprise plan with one document and an embed code: its key."""
    with httpx.Client(base_url=base, timeout=30) as client:
        body = {
            "email": "load@example.com",
            "password": "a-good-password",
            "full_name": "Load",
            "workspace_name": "Load",
        }
        token = client.post("/api/v1/auth/register", json=body).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        client.put("/api/v1/workspace/plan", json={"plan": "enterprise"}, headers=headers)
        doc = client.post(
            "/api/v1/documents/text",
            json={"title": "Shipping", "content": DOCUMENT},
            headers=headers,
        ).json()
        while client.get(f"/api/v1/documents/{doc['id']}", headers=headers).json()[
            "status"
        ] not in ("ready", "failed"):
            time.sleep(0.1)
        code = client.post(
            "/api/v1/embed-codes",
            json={"name": "Load", "allowed_domains": ["shop.example.com"]},
            headers=headers,
        ).json()
        return str(code["public_key"])


@dataclass
class Figures:
    held: int = 0
    errors: list[str] = field(default_factory=list)
    # "Try again later" (HTTP 503 with Retry-After, socket close 1013) that the widget
    # answers by retrying after a pause, as these visitors do: not errors, but counted.
    retried: int = 0
    first_token: list[float] = field(default_factory=list)
    whole: list[float] = field(default_factory=list)


async def new_session(
    client: httpx.AsyncClient, key: str, figures: Figures | None = None
) -> dict[str, str]:
    for _ in range(5):
        response = await client.post(
            "/widget/v1/sessions", params={"key": key}, json={}, headers={"Origin": ORIGIN}
        )
        if response.status_code != 503 or figures is None:
            break
        figures.retried += 1
        await asyncio.sleep(float(response.headers.get("retry-after", "1")))
    response.raise_for_status()
    data: dict[str, str] = response.json()
    return data


async def opened(url: str, figures: Figures) -> ClientConnection:
    """A socket past its `ready` frame; a 1013 close (come back later) is retried."""
    for attempt in range(5):
        ws = await connect(url, origin=ORIGIN, open_timeout=30)  # type: ignore[arg-type]
        try:
            json.loads(await ws.recv())  # ready
            return ws
        except ConnectionClosed as closed:
            if closed.rcvd is None or closed.rcvd.code != 1013 or attempt == 4:
                raise
            figures.retried += 1
            await asyncio.sleep(1 + attempt)
    raise AssertionError("unreachable")


def socket_url(port: int, key: str, session: dict[str, str]) -> str:
    query = httpx.QueryParams(
        {"key": key, "session_id": session["session_id"], "session_token": session["session_token"]}
    )
    return f"ws://127.0.0.1:{port}/widget/v1/ws?{query}"


async def visitor(
    port: int, key: str, client: httpx.AsyncClient, figures: Figures, until: float, every: float
) -> None:
    try:
        session = await new_session(client, key, figures)
        async with await opened(socket_url(port, key, session), figures) as ws:
            figures.held += 1
            n = 0
            while time.monotonic() < until:
                n += 1
                sent = time.perf_counter()
                ask = {
                    "type": "message",
                    "text": "Shipping to Canada?",
                    "client_message_id": f"q{n}",
                }
                await ws.send(json.dumps(ask))
                first = None
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    if frame["type"] == "token" and first is None:
                        first = time.perf_counter() - sent
                    if frame["type"] == "message" and frame.get("role") == "assistant":
                        break
                    if frame["type"] == "error":
                        raise RuntimeError(
                            f"error frame {frame.get('code')}: {frame.get('detail')}"
                        )
                figures.whole.append(time.perf_counter() - sent)
                if first is not None:
                    figures.first_token.append(first)
                await asyncio.sleep(every)
    except Exception as exc:
        figures.errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")


async def cycles(port: int, key: str, count: int, concurrency: int = 50) -> int:
    failures = 0
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        session = await new_session(client, key)
        url = socket_url(port, key, session)
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            nonlocal failures
            async with gate:
                try:
                    async with connect(url, origin=ORIGIN, open_timeout=30) as ws:  # type: ignore[arg-type]
                        await ws.recv()
                except Exception:
                    failures += 1

        await asyncio.gather(*(one() for _ in range(count)))
    return failures


def mib(process: psutil.Process) -> float:
    return round(process.memory_info().rss / 2**20, 1)


def pct(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.0f} ms"


async def run(args: argparse.Namespace) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        database = None if args.storage == "memory" else EmbeddedPostgres(Path(data_dir) / "db")
        url = database.start() if database else None
        server = start_server(port, data_dir, url, args.server_log, args.env)
        process = psutil.Process(server.pid)
        try:
            key = prepare(f"http://127.0.0.1:{port}")
            idle = mib(process)
            figures = Figures()
            until = time.monotonic() + args.seconds
            # No kept-alive connections for the sessions each visitor opens once: a reused
            # one that the server's keep-alive timer closes meanwhile is a client-side race.
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits
            ) as client:
                visitors = [
                    visitor(port, key, client, figures, until, args.every)
                    for _ in range(args.sockets)
                ]
                load = asyncio.gather(*visitors)
                await asyncio.sleep(min(args.seconds / 2, 20))
                loaded = mib(process)
                await load
            after_load = mib(process)
            failures = await cycles(port, key, args.cycles)
            after_cycles = mib(process)
        finally:
            server.terminate()
            server.wait(30)
            if database is not None:
                database.stop()
    errors = {name: figures.errors.count(name) for name in set(figures.errors)}
    print(f"storage                    {args.storage}")
    print(f"sockets asked for          {args.sockets}")
    print(f"connections held           {figures.held}")
    print(f"errors                     {len(figures.errors)} {errors or ''}")
    print(f"retried after 503 / 1013   {figures.retried}")
    print(f"answers                    {len(figures.whole)}")
    tokens = figures.first_token
    print(f"first token p50 / p95      {pct(tokens, 0.5)} / {pct(tokens, 0.95)}")
    print(f"whole answer p50 / p95     {pct(figures.whole, 0.5)} / {pct(figures.whole, 0.95)}")
    mean = statistics.mean(figures.whole) if figures.whole else 0
    print(f"whole answer mean          {mean * 1000:.0f} ms")
    print(f"server RSS idle            {idle} MiB")
    print(f"server RSS under load      {loaded} MiB")
    print(f"server RSS after the load  {after_load} MiB")
    print(f"{args.cycles} connect/close cycles: {failures} failed; RSS after {after_cycles} MiB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--every", type=float, default=5, help="seconds between questions")
    parser.add_argument("--cycles", type=int, default=10_000)
    parser.add_argument("--storage", choices=["postgres", "memory"], default="postgres")
    parser.add_argument("--server-log", type=Path, help="the server's log (warnings and up)")
    parser.add_argument("--env", action="append", default=[], help="CCGPT_X=value (A/B runs)")
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
