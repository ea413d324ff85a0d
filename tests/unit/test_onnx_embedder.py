"""The default local embedder: all-MiniLM-L6-v2 on onnxruntime, built from the packaged
weights, giving the torch reference's vectors (the Embedder contract runs on it in
test_embedders.py)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import zaragoza_construction_faq

from adapters.outbound.onnx.embedder import OnnxEmbedder
from adapters.outbound.onnx.export import MANIFEST_FILE, MODEL_FILE, sha256
from adapters.outbound.sentence_transformers.embedder import SentenceTransformerEmbedder
from bootstrap.container import build_container
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]


def support_sentences() -> list[str]:
    """300 real support texts: 150 questions and 150 answers (some past 128 word pieces)."""
    faq = zaragoza_construction_faq.load(lang="en")
    return [row["q"] for row in faq[:150]] + [row["a"] for row in faq[150:300]]


async def test_vectors_match_the_torch_reference_on_300_support_sentences(
    onnx_minilm: OnnxEmbedder,
) -> None:
    texts = support_sentences()
    reference = SentenceTransformerEmbedder(batch_size=16)
    expected = await reference.embed_documents(texts)
    got = await onnx_minilm.embed_documents(texts)
    worst_cosine = min(
        sum(a * b for a, b in zip(x, y, strict=True)) for x, y in zip(got, expected, strict=True)
    )
    worst_value = max(
        abs(a - b) for x, y in zip(got, expected, strict=True) for a, b in zip(x, y, strict=True)
    )
    assert worst_cosine > 0.9999
    assert worst_value < 1e-4
    # Queries are embedded alone (no padding), documents in batches: the same vectors.
    for text, vector in zip(texts[:20], got[:20], strict=True):
        query = await onnx_minilm.embed_query(text)
        assert max(abs(a - b) for a, b in zip(query, vector, strict=True)) < 1e-5


async def test_questions_asked_together_are_embedded_in_one_batch_with_the_same_vectors(
    onnx_minilm: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = support_sentences()[:12]
    alone = [await onnx_minilm.embed_query(text) for text in texts]
    runs: list[int] = []
    encode = onnx_minilm._encode

    def counted(batch: list[str]) -> list[list[float]]:
        runs.append(len(batch))
        return encode(batch)

    monkeypatch.setattr(onnx_minilm, "_encode", counted)
    together = await asyncio.gather(*(onnx_minilm.embed_query(text) for text in texts))
    assert len(runs) < len(texts) and sum(runs) == len(texts)
    for got, expected in zip(together, alone, strict=True):
        assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) < 1e-5


async def test_an_asker_that_goes_away_strands_nobody(onnx_minilm: OnnxEmbedder) -> None:
    texts = support_sentences()[:6]
    tasks = [asyncio.create_task(onnx_minilm.embed_query(text)) for text in texts]
    await asyncio.sleep(0)
    tasks[0].cancel()
    tasks[3].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(done[0], asyncio.CancelledError)
    assert all(len(vector) == 384 for i, vector in enumerate(done) if i not in (0, 3))


async def test_it_has_the_reference_model_name_so_stored_vectors_stay_valid(
    onnx_minilm: OnnxEmbedder,
) -> None:
    assert onnx_minilm.name == SentenceTransformerEmbedder().name == "all-MiniLM-L6-v2"


def test_a_built_model_loads_without_torch_in_the_serving_process(
    onnx_minilm: OnnxEmbedder, onnx_model_dir: Path
) -> None:
    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from adapters.outbound.onnx.embedder import OnnxEmbedder\n"
        f"e = OnnxEmbedder(Path({str(onnx_model_dir)!r}))\n"
        "v = asyncio.run(e.embed_query('Where is my order?'))\n"
        "print(len(v), 'torch' in sys.modules)\n"
    )
    out = subprocess.run(  # noqa: S603 - our interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[-2:] == ["384", "False"]


async def test_a_tampered_model_file_is_rebuilt_byte_for_byte(
    onnx_minilm: OnnxEmbedder, onnx_model_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "model"
    shutil.copytree(onnx_model_dir, copy)
    original = sha256(copy / MODEL_FILE)
    with (copy / MODEL_FILE).open("r+b") as f:
        f.seek(-64, 2)
        f.write(b"\x00" * 64)
    embedder = OnnxEmbedder(copy)
    vector = await embedder.embed_query("How do I reset my password?")
    await embedder.aclose()
    assert sha256(copy / MODEL_FILE) == original  # rebuilt, identical to the first build
    manifest = json.loads((copy / MANIFEST_FILE).read_text())
    expected = manifest["probes"]["How do I reset my password?"]
    assert max(abs(a - b) for a, b in zip(vector, expected, strict=True)) < 1e-4


def test_the_setting_chooses_the_runtime(tmp_path: Path) -> None:
    def chosen(name: str) -> object:
        settings = make_settings(embedder=name, model_cache_dir=str(tmp_path))
        embedder = build_container(settings).embedder()
        return type(embedder.inner)  # the query cache wraps it

    assert chosen("local") is OnnxEmbedder
    assert chosen("torch") is SentenceTransformerEmbedder


@pytest.mark.parametrize("name", ["local", "torch"])
def test_both_runtimes_share_the_token_count(name: str, tmp_path: Path) -> None:
    settings = make_settings(embedder=name, model_cache_dir=str(tmp_path))
    embedder = build_container(settings).embedder()
    assert embedder.count_tokens("How do I reset my password?") == 7
