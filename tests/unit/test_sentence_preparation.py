"""Sentence vectors made after ingestion: by the use case in batches, by an idle worker, and
used by the extractive model instead of embedding at answer time."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from adapters.inbound.worker import IngestionWorker
from adapters.outbound.extractive.chat_model import ExtractiveChatModel
from adapters.outbound.memory.clock import FixedClock
from adapters.outbound.memory.embedder import HashingEmbedder
from adapters.outbound.memory.sentence_vectors import InMemorySentenceVectorStore
from adapters.outbound.memory.store import MemoryStore
from adapters.outbound.parsing.isolated import InlineDocumentParser
from application.ports.chat_model import ChatRequest, Passage
from application.ports.sentence_vectors import PackedVectors
from application.principal import Principal
from application.use_cases.abandon_ingestion import AbandonIngestion
from application.use_cases.prepare_sentence_vectors import PrepareSentenceVectors
from application.use_cases.register_account import RegisterInput
from application.use_cases.upload_document import UploadInput
from bootstrap.container import Container
from domain.documents import DocumentStatus
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import Chunk
from domain.sentences import split_sentences
from tests.unit.sentence_fakes import CountingEmbedder, FailingStore

GUIDE = (
    b"# Password reset\n\nTo reset your password, open Settings, then Security, and choose "
    b"Send reset link. We email you a link. The link expires after 30 minutes.\n\n"
    b"# Shipping\n\nWe ship to Canada in 5 days. Tracking numbers arrive by email.\n"
)


def chunks_of(store: MemoryStore, count: int) -> tuple[WorkspaceId, list[Chunk]]:
    ws, doc = WorkspaceId(uuid.uuid4()), DocumentId(uuid.uuid4())
    chunks = [
        Chunk(ChunkId(uuid.uuid4()), ws, doc, i, f"Sentence {i}. Another {i}.", None, None, 4, ())
        for i in range(count)
    ]
    store.chunks[(ws, doc)] = chunks
    return ws, chunks


async def test_chunks_are_prepared_in_batches_with_a_vector_per_sentence() -> None:
    memory, embedder = MemoryStore(), CountingEmbedder()
    store = InMemorySentenceVectorStore(memory)
    ws, chunks = chunks_of(memory, 5)
    prepare = PrepareSentenceVectors(store, embedder, batch_chunks=3)
    assert [await prepare.execute() for _ in range(3)] == [3, 2, 0]
    read = await store.read(ws, embedder.name, [c.id for c in chunks])
    assert set(read) == {c.id for c in chunks}
    for chunk in chunks:
        sentences = split_sentences(chunk.text)
        expected = await HashingEmbedder().embed_documents(sentences)
        rows = read[chunk.id].unpack()
        assert len(rows) == len(sentences) == 2
        assert all(abs(a - b) < 1e-3 for a, b in zip(rows[1], expected[1], strict=True))
    assert len(embedder.embedded) == 10  # each sentence once


async def test_the_extractive_model_reads_stored_vectors_instead_of_embedding() -> None:
    memory, embedder = MemoryStore(), CountingEmbedder()
    store = InMemorySentenceVectorStore(memory)
    ws, chunks = chunks_of(memory, 2)
    await PrepareSentenceVectors(store, embedder).execute()
    embedder.embedded.clear()
    model = ExtractiveChatModel(embedder=embedder, stored_vectors=store)
    passages = [Passage(i + 1, c.id, c.document_id, "Guide", c.text) for i, c in enumerate(chunks)]
    answer = await model.answer(ChatRequest("Which sentence is 1?", passages, workspace_id=ws))
    assert answer.text and embedder.embedded == []
    # Without the workspace (or before preparation) it embeds them, as before.
    await ExtractiveChatModel(embedder=embedder).answer(ChatRequest("Sentence 1?", passages))
    assert len(embedder.embedded) == 4


def idle_worker(container: Container, prepare: PrepareSentenceVectors) -> IngestionWorker:
    return IngestionWorker(
        container.job_queue(),
        container.ingest_document(),
        AbandonIngestion(container.uow(), container.clock()),
        poll_seconds=0.01,
        prepare=prepare,
    )


async def upload_guide(container: Container) -> tuple[WorkspaceId, DocumentId]:
    container.clock.override(FixedClock(datetime.now(UTC)))
    container.parser.override(InlineDocumentParser())
    result = await container.register_account().execute(
        RegisterInput(f"p{uuid.uuid4().hex[:6]}@example.com", "a-good-password", "O", "W")
    )
    principal = Principal(result.workspace.id, result.user.role, user_id=result.user.id)
    document = await container.upload_document().execute(principal, UploadInput("guide.md", GUIDE))
    return result.workspace.id, document.id


async def test_an_idle_worker_prepares_what_it_made_ready(container: Container) -> None:
    ws, document_id = await upload_guide(container)
    store = InMemorySentenceVectorStore(container.memory_store())
    prepare = PrepareSentenceVectors(store, CountingEmbedder())
    worker = idle_worker(container, prepare)
    worker.start()
    try:
        for _ in range(500):
            document = container.memory_store().documents[(ws, document_id)]
            ready = document.status is DocumentStatus.READY
            if ready and not await store.unprepared(CountingEmbedder().name, 10):
                break
            await asyncio.sleep(0.01)
    finally:
        await worker.stop()
    chunk_ids = [c.id for c in container.memory_store().chunks[(ws, document_id)]]
    read = await store.read(ws, CountingEmbedder().name, chunk_ids)
    assert chunk_ids and set(read) == set(chunk_ids)
    assert all(isinstance(v, PackedVectors) and v.rows for v in read.values())


async def test_a_failing_store_never_stops_ingestion(container: Container) -> None:
    store = FailingStore()
    worker = idle_worker(container, PrepareSentenceVectors(store, CountingEmbedder()))
    worker.start()
    try:
        for _ in range(500):  # idle at start, it tries to prepare: the store fails
            if store.calls:
                break
            await asyncio.sleep(0.01)
        assert store.calls
        # The worker lives on: a document uploaded after the failure is ingested.
        ws, document_id = await upload_guide(container)
        for _ in range(500):
            document = container.memory_store().documents[(ws, document_id)]
            if document.status is DocumentStatus.READY:
                break
            await asyncio.sleep(0.01)
    finally:
        await worker.stop()
    assert container.memory_store().documents[(ws, document_id)].status is DocumentStatus.READY
