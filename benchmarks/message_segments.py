"""Where a widget message's milliseconds go, without a profiler's slowdown:
`python -m benchmarks.message_segments`.

The app in this process on an embedded PostgreSQL with the support corpus and its sentence
vectors stored, as `benchmarks.message_profile` runs it (`widget_in_process`), but timed by
wrapping the steps of the chat path: for 40 first-time questions (each in a new session)
and the same 40 twice more, the p50 of a message and the mean milliseconds per
message spent in each step. Steps nest (`draft` holds `search`, which holds
`embed_query` and `candidates`), so the rows do not add up to the message.
"""

from __future__ import annotations

import functools
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters.outbound.caching.retriever import CachingRetriever
from adapters.outbound.extractive.chat_model import ExtractiveChatModel
from adapters.outbound.extractive.sentence_vectors import SentenceVectors
from adapters.outbound.onnx.embedder import OnnxEmbedder
from application.answer_recording import AnswerRecorder
from application.drafting import Drafting
from application.search import HybridSearch
from application.use_cases.answer_message import AnswerMessage
from benchmarks.message_profile import on_embedded_database, widget_in_process
from benchmarks.widget_load import unique

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
    async with widget_in_process(database_url, data_dir) as ask:
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
    on_embedded_database(measure)


if __name__ == "__main__":
    main()
