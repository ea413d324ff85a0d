"""Where a widget message's wall time goes: `python -m benchmarks.message_profile OUT_DIR`.

The app in this process (its lifespan run by hand, requests through httpx's ASGI
transport, so the profiler sees the handler's awaits), an embedded PostgreSQL, the `local`
embedder and the support corpus with its sentence vectors stored (`widget_in_process`, which
`benchmarks.message_segments` shares). Ten warm-up messages, then 40 first-time questions
(each in a new session), then the same 40 twice more; pyinstrument (async mode: time spent
awaiting is charged to the awaiting frame) writes `first.txt` and `repeat.txt`. The
profiler slows everything down about twice: read shares, not milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from pyinstrument import Profiler

from benchmarks.widget_load import CORPUS, SITE, UNLIMITED, unique, wait_for_sentence_vectors
from bootstrap.app import create_app
from bootstrap.embedded_postgres import EmbeddedPostgres
from bootstrap.settings import load_settings
from domain.ids import WorkspaceId


async def _started(app: Any) -> None:
    """Runs the app's ASGI lifespan startup (the shutdown is left to the process's end)."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    asyncio.get_running_loop().create_task(app(scope, inbox.get, outbox.put))
    event = await outbox.get()
    if event["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"the app did not start: {event}")


async def _site(client: httpx.AsyncClient) -> tuple[dict[str, str], str, WorkspaceId, int]:
    """A workspace with the support corpus ready: its auth header, public key, id and chunks."""
    body = {
        "email": f"profile-{uuid.uuid4().hex[:8]}@bench.invalid",
        "password": "bench-password",
        "full_name": "P",
        "workspace_name": "P",
    }
    token = (await client.post("/api/v1/auth/register", json=body)).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    await client.put("/api/v1/workspace/plan", json={"plan": "enterprise"}, headers=auth)
    me = (await client.get("/api/v1/me", headers=auth)).json()
    code = {"name": "Shop", "allowed_domains": ["shop.example.com"], "settings": {}}
    key = (await client.post("/api/v1/embed-codes", json=code, headers=auth)).json()
    ids = []
    for path in sorted((CORPUS / "docs").iterdir()):
        files = {"file": (path.name, path.read_bytes())}
        ids.append((await client.post("/api/v1/documents", files=files, headers=auth)).json()["id"])
    chunks = 0
    for document_id in ids:
        while True:  # the worker runs in this process: poll until it is done
            document = (await client.get(f"/api/v1/documents/{document_id}", headers=auth)).json()
            if document["status"] in ("ready", "failed"):
                chunks += int(document.get("chunk_count") or 0)
                break
            await asyncio.sleep(0.1)
    workspace_id = WorkspaceId(uuid.UUID(me["workspace"]["id"]))
    return auth, str(key["public_key"]), workspace_id, chunks


Ask = Callable[[str], Awaitable[float]]


@contextlib.asynccontextmanager
async def widget_in_process(database_url: str, data_dir: Path) -> AsyncIterator[Ask]:
    """The app in this process with the corpus ready, its sentence vectors stored (by the
    in-process worker, as a server's) and ten warm-up messages asked: yields `ask`, which
    puts one question in a new widget session and returns the seconds its message took."""
    settings = load_settings(
        {
            "CCGPT_DATABASE_URL": database_url,
            "CCGPT_DATA_DIR": str(data_dir),
            "CCGPT_EMBEDDER": "local",
            "CCGPT_LOG_LEVEL": "warning",
            "CCGPT_RATE_LIMIT_IP": UNLIMITED,
            "CCGPT_RATE_LIMIT_EMBED": UNLIMITED,
            "CCGPT_RATE_LIMIT_WORKSPACE": UNLIMITED,
        },
        None,
    )
    app = create_app(settings)
    await _started(app)
    transport = httpx.ASGITransport(app)  # type: ignore[arg-type]  # ASGI typing differs
    async with httpx.AsyncClient(transport=transport, base_url="http://ccgpt.test") as client:
        _, key, workspace_id, chunks = await _site(client)
        # In a thread: the worker that stores them runs on this event loop.
        teacher = settings.query_map_storage != "off"
        await asyncio.to_thread(
            wait_for_sentence_vectors, database_url, workspace_id, chunks, teacher
        )
        page = {"Origin": SITE}

        async def ask(text: str) -> float:
            session = (
                await client.post("/widget/v1/sessions", json={}, headers=page, params={"key": key})
            ).json()
            started = time.perf_counter()
            reply = await client.post(
                f"/widget/v1/sessions/{session['session_id']}/messages",
                json={"text": text},
                headers={**page, "X-Session-Token": session["session_token"]},
                params={"key": key},
            )
            reply.raise_for_status()
            return time.perf_counter() - started

        for text in unique(10):
            await ask(text)
        yield ask


def on_embedded_database(run: Callable[[str, Path], Awaitable[None]]) -> None:
    """`run(database_url, data_dir)` against a throwaway embedded PostgreSQL."""
    with tempfile.TemporaryDirectory() as temporary:
        database = EmbeddedPostgres(Path(temporary) / "db")
        url = database.start()
        try:
            asyncio.run(run(url, Path(temporary) / "server"))
        finally:
            database.stop()


async def profile(database_url: str, data_dir: Path, out: Path) -> None:
    async with widget_in_process(database_url, data_dir) as ask:
        texts = unique(40)
        for name, rounds in (("first", 1), ("repeat", 2)):
            profiler = Profiler(interval=0.0005, async_mode="enabled")
            took: list[float] = []
            profiler.start()
            for _ in range(rounds):
                for text in texts:
                    took.append(await ask(text))
            profiler.stop()
            median = statistics.median(took) * 1000
            print(f"{name}: {len(took)} messages, p50 {median:.1f} ms (profiled)", flush=True)
            (out / f"{name}.txt").write_text(profiler.output_text(unicode=False, color=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="folder for first.txt and repeat.txt")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    on_embedded_database(lambda url, data_dir: profile(url, data_dir, args.out))


if __name__ == "__main__":
    main()
