"""Local all-MiniLM-L6-v2 throughput: `pytest benchmarks/ --benchmark-only`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.outbound.onnx.embedder import OnnxEmbedder
from adapters.outbound.sentence_transformers.embedder import SentenceTransformerEmbedder
from bootstrap.settings import load_settings

TOPICS = ["order", "refund", "invoice", "password", "delivery", "subscription", "warranty", "plan"]
ASKS = [
    "How do I change the {} on my account?",
    "Why has my {} not arrived after two weeks?",
    "Can I cancel my {} and get my money back?",
    "Who do I contact about a problem with my {}?",
    "Where can I see the status of my latest {}?",
    "Is there a fee for changing my {} online?",
    "What happens to my {} if I move abroad?",
    "Can someone help me update my {} details today?",
]
QUERY_MS: dict[str, float] = {}
QUESTIONS = [ask.format(topic) for ask in ASKS for topic in TOPICS]  # 64 questions
SENTENCES = [
    "Refunds are issued to the original payment method within five working days.",
    "If your parcel has not arrived after ten days, contact support with your order number.",
    "You can change your delivery address until the order has been handed to the courier.",
    "Invoices are available as PDF files in the billing section of your account.",
    "Subscriptions renew automatically unless you cancel them before the renewal date.",
    "Our warranty covers manufacturing defects for two years from the date of purchase.",
    "Passwords must be at least twelve characters long and are never sent by email.",
]


@pytest.fixture(scope="module", params=["onnx", "torch"])
def embedder(request: pytest.FixtureRequest) -> Iterator[tuple[Any, asyncio.AbstractEventLoop]]:
    """Both local runtimes, side by side in one run (`local` is onnx, `torch` the reference)."""
    loop = asyncio.new_event_loop()
    model: Any
    if request.param == "onnx":
        model = OnnxEmbedder(load_settings({}, None).onnx_model_dir)
    else:
        model = SentenceTransformerEmbedder()
    loop.run_until_complete(model.warm_up())
    yield model, loop
    if request.param == "onnx":
        loop.run_until_complete(model.aclose())
    loop.close()


def make_chunks(model: Any, count: int, tokens: int) -> list[str]:
    chunks = []
    for n in range(count):
        words: list[str] = []
        i = n
        while model.count_tokens(" ".join(words)) < tokens:
            words.append(SENTENCES[i % len(SENTENCES)])
            i += 1
        chunks.append(" ".join(words))
    return chunks


def run(benchmark: Any, rates: dict[str, str], name: str, setup: Any, texts: list[str]) -> None:
    model, loop = setup
    mean_tokens = sum(model.count_tokens(t) for t in texts) / len(texts)
    benchmark.pedantic(
        lambda: loop.run_until_complete(model.embed_documents(texts)), rounds=5, warmup_rounds=1
    )
    per_second = len(texts) / benchmark.stats.stats.mean
    name = f"{type(model).__name__}: {name}"
    rates[name] = f"{per_second:.0f} sentences/s ({len(texts)} texts, ~{mean_tokens:.0f} tokens)"
    benchmark.extra_info["sentences_per_second"] = round(per_second, 1)


def test_short_questions(benchmark: Any, rates: dict[str, str], embedder: Any) -> None:
    run(benchmark, rates, "64 short questions", embedder, QUESTIONS)


def test_long_chunks(benchmark: Any, rates: dict[str, str], embedder: Any) -> None:
    run(benchmark, rates, "16 chunks", embedder, make_chunks(embedder[0], 16, 230))


def test_one_query(benchmark: Any, rates: dict[str, str], embedder: Any) -> None:
    """What a visitor's question costs: one text, alone."""
    model, loop = embedder
    texts = iter(QUESTIONS * 1000)
    benchmark.pedantic(
        lambda: loop.run_until_complete(model.embed_query(next(texts))),
        rounds=60,
        warmup_rounds=5,
    )
    median_ms = benchmark.stats.stats.median * 1000
    rates[f"{type(model).__name__}: one query"] = f"{median_ms:.2f} ms (median of 60)"
    QUERY_MS[type(model).__name__] = median_ms
    if len(QUERY_MS) == 2:
        out = Path(__file__).parent / ".results"
        out.mkdir(exist_ok=True)
        (out / "embedding.json").write_text(json.dumps(QUERY_MS))
