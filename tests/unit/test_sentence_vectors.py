"""The extractive model's sentence-vector memory: reused per chunk, never across chunks."""

from __future__ import annotations

import math
import uuid

from adapters.outbound.extractive.sentence_vectors import SentenceVectors
from adapters.outbound.memory.embedder import HashingEmbedder
from domain.ids import ChunkId


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded += texts
        return await super().embed_documents(texts)


async def test_a_sentence_is_embedded_once_per_chunk_and_cosines_are_dot_products() -> None:
    embedder = CountingEmbedder()
    vectors = SentenceVectors(embedder)
    mine, theirs = ChunkId(uuid.uuid4()), ChunkId(uuid.uuid4())
    query = await embedder.embed_query("how long is the reset link valid")
    keys = [(mine, "The link expires after 30 minutes."), (mine, "Open Settings.")]

    first = await vectors.cosines(query, keys)
    again = await vectors.cosines(query, [*keys, (mine, "Open Settings.")])
    assert embedder.embedded == ["The link expires after 30 minutes.", "Open Settings."]
    assert again[:2] == first and again[2] == first[1]
    sentence = (await embedder.embed_documents(["The link expires after 30 minutes."]))[0]
    expected = sum(a * b for a, b in zip(query, sentence, strict=True))
    assert math.isclose(first[0], expected, abs_tol=1e-5)

    # The same words in another workspace's chunk are that chunk's own: embedded anew.
    embedder.embedded.clear()
    await vectors.cosines(query, [(theirs, "Open Settings.")])
    assert embedder.embedded == ["Open Settings."]


async def test_the_memory_is_bounded() -> None:
    embedder = CountingEmbedder()
    vectors = SentenceVectors(embedder, max_entries=2)
    chunk = ChunkId(uuid.uuid4())
    query = await embedder.embed_query("q")
    for text in ("one", "two", "three"):
        await vectors.cosines(query, [(chunk, text)])
    embedder.embedded.clear()
    await vectors.cosines(query, [(chunk, "one"), (chunk, "three")])
    assert embedder.embedded == ["one"]  # the oldest was forgotten, the newest kept
