"""The extractive model's sentence vectors: reused per chunk, never across chunks, and read
from the store where ingestion's follow-up put them."""

from __future__ import annotations

import math
import uuid

from adapters.outbound.extractive.sentence_vectors import SentenceRef, SentenceVectors
from adapters.outbound.memory.sentence_vectors import InMemorySentenceVectorStore
from adapters.outbound.memory.store import MemoryStore
from application.ports.sentence_vectors import PackedVectors
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import Chunk
from tests.unit.sentence_fakes import CountingEmbedder, FailingStore


def refs(chunk: ChunkId, *texts: str) -> list[SentenceRef]:
    return [SentenceRef(chunk, position, text) for position, text in enumerate(texts)]


async def test_a_sentence_is_embedded_once_per_chunk_and_cosines_are_dot_products() -> None:
    embedder = CountingEmbedder()
    vectors = SentenceVectors(embedder)
    mine, theirs = ChunkId(uuid.uuid4()), ChunkId(uuid.uuid4())
    query = await embedder.embed_query("how long is the reset link valid")
    keys = refs(mine, "The link expires after 30 minutes.", "Open Settings.")

    first = await vectors.cosines(query, keys)
    again = await vectors.cosines(query, [*keys, SentenceRef(mine, 1, "Open Settings.")])
    assert embedder.embedded == ["The link expires after 30 minutes.", "Open Settings."]
    assert again[:2] == first and again[2] == first[1]
    sentence = (await embedder.embed_documents(["The link expires after 30 minutes."]))[0]
    expected = sum(a * b for a, b in zip(query, sentence, strict=True))
    assert math.isclose(first[0], expected, abs_tol=1e-5)

    # The same words in another workspace's chunk are that chunk's own: embedded anew.
    embedder.embedded.clear()
    await vectors.cosines(query, refs(theirs, "Open Settings."))
    assert embedder.embedded == ["Open Settings."]


async def test_the_memory_is_bounded() -> None:
    embedder = CountingEmbedder()
    vectors = SentenceVectors(embedder, max_entries=2)
    chunk = ChunkId(uuid.uuid4())
    query = await embedder.embed_query("q")
    for text in ("one", "two", "three"):
        await vectors.cosines(query, refs(chunk, text))
    embedder.embedded.clear()
    await vectors.cosines(query, [SentenceRef(chunk, 0, "one"), SentenceRef(chunk, 0, "three")])
    assert embedder.embedded == ["one"]  # the oldest was forgotten, the newest kept


def stored_chunk(store: MemoryStore, workspace: WorkspaceId, text: str) -> Chunk:
    chunk = Chunk(
        ChunkId(uuid.uuid4()), workspace, DocumentId(uuid.uuid4()), 0, text, None, None, 5, ()
    )
    store.chunks[(workspace, chunk.document_id)] = [chunk]
    return chunk


async def test_stored_vectors_are_used_instead_of_embedding_and_agree_with_it() -> None:
    embedder = CountingEmbedder()
    memory = MemoryStore()
    workspace = WorkspaceId(uuid.uuid4())
    sentences = ["The link expires after 30 minutes.", "Open Settings."]
    chunk = stored_chunk(memory, workspace, " ".join(sentences))
    store = InMemorySentenceVectorStore(memory)
    rows = await embedder.embed_documents(sentences)
    await store.write(workspace, embedder.name, {chunk.id: PackedVectors.pack(rows)})
    embedder.embedded.clear()
    query = await embedder.embed_query("how long is the reset link valid")

    fresh = await SentenceVectors(CountingEmbedder()).cosines(query, refs(chunk.id, *sentences))
    read = await SentenceVectors(embedder, stored=store).cosines(
        query, refs(chunk.id, *sentences)[1:], workspace, {chunk.id: 2}
    )
    assert embedder.embedded == []
    assert math.isclose(read[0], fresh[1], abs_tol=2e-3)  # stored as float16

    # Another workspace reads nothing of it; a chunk split into more sentences than were
    # stored (another version's splitter) is embedded afresh; a store that fails is skipped.
    other = WorkspaceId(uuid.uuid4())
    await SentenceVectors(embedder, stored=store).cosines(
        query, refs(chunk.id, *sentences), other, {chunk.id: 2}
    )
    await SentenceVectors(embedder, stored=store).cosines(
        query, refs(chunk.id, *sentences), workspace, {chunk.id: 3}
    )
    await SentenceVectors(embedder, stored=FailingStore()).cosines(
        query, refs(chunk.id, *sentences), workspace, {chunk.id: 2}
    )
    assert embedder.embedded == sentences * 3


def test_packed_vectors_round_trip_at_half_precision() -> None:
    rows = [[0.5, -0.25] + [0.0] * 382, [1.0 / 3] * 384]
    packed = PackedVectors.pack(rows)
    assert packed.rows == 2 and len(packed.packed) == 2 * 2 * 384
    back = packed.unpack()
    assert back[0][:2] == [0.5, -0.25]
    assert math.isclose(back[1][0], 1.0 / 3, rel_tol=1e-3)
