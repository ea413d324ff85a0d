"""Where a widget message's milliseconds go, without a profiler's slowdown:
`python -m benchmarks.message_segments`.

The app in this process on an embedded PostgreSQL with the support corpus, as
`benchmarks.message_profile` runs it (its sentence vectors given time to be stored), but
timed by wrapping the steps of the chat path: for 40 first-time questions (each in a new
session) and the same 40 twice more, the p50 of a message and the mean milliseconds per
message spent in each step. Steps nest (`draft` holds `search`, which holds
`embed_query` and `candidates`), so the rows do not add up to the message.
"""

from __future__ import annotations

import asyncio
import functools
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from adapters.outbound.caching.retriever import CachingRetriever
from adapters.outbound.extractive.chat_model import ExtractiveChatModel
from adapters.outbound.extractive.sentence_vectors import SentenceVectors
from adapters.outbound.onnx.embedder import OnnxEmbedder
from application.answer_recording import AnswerRecorder
from application.drafting import Drafting
from application.search import HybridSearch
from application.use_cases.answer_message import AnswerMessage
from benchmarks.message_profile import _site, _started
from benchmarks.widget_load import SITE, UNLIMITED, unique
from bootstrap.app import create_app
from bootstrap.embedded_postgres import EmbeddedPostgres
from bootstrap.settings import load_settings

# (class, method, label): coroutines timed on every call.
STEPS: list[tuple[type, str, str]] = [
    (AnswerMessage, "execute", "answer message (whole use case)"),
    (AnswerMessage, "_store_question", "transaction 1: store the question"),
    (Drafting, "draft", "draft the answer"),
    (HybridSearch, "search", "  hybrid search"),
    (OnnxEmbedder, "embed_query", "    query embedding"),
    (CachingRetriever, "candidates", "    candidates (one pipelined round trip)"),
    (ExtractiveChatModel, "_compose", "  extractive answer"),
    (SentenceVectors, "cosines", "    sentence cosines"),
    (AnswerRecorder, "record", "transaction 2: store the answer"),
]


@contextmanager
def timed_steps(spent: dict[str, float]) -> Iterator[None]:
    originals = [(cls, name, getattr(cls, name)) for cls, name, _ in STEPS]

    def timer(function: Callable[..., Any], label: str) -> Callable[..., Any]:
        @functools.wraps(function)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        return timed

    for (cls, name, label), (_, _, function) in zip(STEPS, originals, strict=True):
        setattr(cls, name, timer(function, label))
    try:
        yield
    finally:
        for cls, name, function in originals:
            setattr(cls, name, function)


async def measure(database_url: str, data_dir: Path) -> None:
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
        _, key = await _site(client)
        await asyncio.sleep(5)  # the idle worker stores the corpus's sentence vectors
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
        texts = unique(40)
        for name, rounds in (("first time", 1), ("repeated", 2)):
            spent: dict[str, float] = defaultdict(float)
            took: list[float] = []
            with timed_steps(spent):
                for _ in range(rounds):
                    for text in texts:
                        took.append(await ask(text))
            print(f"\n{name}: {len(took)} messages, p50 {statistics.median(took) * 1000:.1f} ms")
            for _, _, label in STEPS:
                print(f"  {label:<44} {spent[label] / len(took) * 1000:6.2f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        database = EmbeddedPostgres(Path(temporary) / "db")
        url = database.start()
        try:
            asyncio.run(measure(url, Path(temporary) / "server"))
        finally:
            database.stop()


if __name__ == "__main__":
    main()
