"""Ingestion through the worker, with memory adapters: success, failure, retries, deletion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.inbound.worker import IngestionWorker
from adapters.outbound.memory.clock import FixedClock
from adapters.outbound.memory.embedder import HashingEmbedder
from adapters.outbound.parsing.isolated import InlineDocumentParser
from application.errors import EmbeddingUnavailable
from application.pagination import PageRequest
from application.principal import Principal
from application.use_cases.register_account import RegisterInput
from application.use_cases.upload_document import UploadInput
from bootstrap.container import Container
from domain.documents import Block, Document, DocumentStatus, MimeType, UnreadableDocument

GUIDE = (
    b"# Returns\n\nItems can be returned within 30 days.\n\n"
    b"# Shipping\n\nWe ship to Canada in 5 days.\n"
)


class FlakyEmbedder(HashingEmbedder):
    def __init__(self, failures: int) -> None:
        self.failures = failures

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.failures:
            self.failures -= 1
            raise EmbeddingUnavailable("embedding service unreachable")
        return await super().embed_documents(texts)


class RefusingParser:
    async def parse(self, mime_type: MimeType, data: bytes, budget: object = None) -> list[Block]:
        raise UnreadableDocument("The PDF is encrypted; upload an unprotected copy.")


@pytest.fixture
def clock(container: Container) -> FixedClock:
    fixed = FixedClock(datetime.now(UTC))
    container.clock.override(fixed)
    container.parser.override(InlineDocumentParser())
    return fixed


async def owner(container: Container) -> Principal:
    email = f"o{id(container)}@example.com"
    result = await container.register_account().execute(
        RegisterInput(email, "a-good-password", "O", "W")
    )
    principal = Principal(result.workspace.id, result.user.role, user_id=result.user.id)
    await container.change_plan().execute(principal, "pro")
    return principal


async def add_guide(container: Container, principal: Principal) -> Document:
    return await container.upload_document().execute(principal, UploadInput("guide.md", GUIDE))


async def status(container: Container, principal: Principal, document: Document) -> Document:
    return await container.get_document().execute(principal, document.id)


def worker(container: Container) -> IngestionWorker:
    worker: IngestionWorker = container.ingestion_worker()
    return worker


async def test_a_document_becomes_ready_and_searchable(
    container: Container, clock: FixedClock
) -> None:
    principal = await owner(container)
    document = await add_guide(container, principal)
    assert document.status is DocumentStatus.QUEUED and document.mime_type is MimeType.MARKDOWN
    assert await worker(container).run_until_idle() == 1
    ready = await status(container, principal, document)
    assert ready.status is DocumentStatus.READY and ready.chunk_count == 2
    chunks = await container.list_chunks().execute(principal, document.id, PageRequest())
    assert [c.heading for c in chunks.items] == ["Returns", "Shipping"]
    found = await container.search_knowledge().execute(principal, "ship to Canada", 3)
    assert found[0].document_id == document.id and "Canada" in found[0].text


async def test_an_unreadable_document_fails_once_with_its_reason(
    container: Container, clock: FixedClock
) -> None:
    container.parser.override(RefusingParser())
    principal = await owner(container)
    document = await add_guide(container, principal)
    assert await worker(container).run_until_idle() == 1
    failed = await status(container, principal, document)
    assert failed.status is DocumentStatus.FAILED and failed.error is not None
    assert "encrypted" in failed.error
    clock.advance(3600)
    assert await worker(container).run_until_idle() == 0  # not retried: it would fail again


async def test_a_failing_embedder_is_retried_with_backoff(
    container: Container, clock: FixedClock
) -> None:
    container.embedder.override(FlakyEmbedder(failures=2))
    principal = await owner(container)
    document = await add_guide(container, principal)
    assert await worker(container).run_until_idle() == 1
    assert (await status(container, principal, document)).status is DocumentStatus.PROCESSING
    assert await worker(container).run_until_idle() == 0  # waiting out its backoff
    clock.advance(1)
    assert await worker(container).run_until_idle() == 1
    clock.advance(4)
    assert await worker(container).run_until_idle() == 1
    assert (await status(container, principal, document)).status is DocumentStatus.READY


async def test_after_the_last_attempt_the_document_fails_readably(
    container: Container, clock: FixedClock
) -> None:
    container.embedder.override(FlakyEmbedder(failures=100))
    principal = await owner(container)
    document = await add_guide(container, principal)
    for _ in range(5):
        await worker(container).run_until_idle()
        clock.advance(600)
    failed = await status(container, principal, document)
    assert failed.status is DocumentStatus.FAILED
    assert failed.error is not None and "kept failing" in failed.error
    assert await container.job_queue().pending() == 0


async def test_a_document_deleted_before_its_turn_is_skipped(
    container: Container, clock: FixedClock
) -> None:
    principal = await owner(container)
    document = await add_guide(container, principal)
    await container.delete_document().execute(principal, document.id)
    assert await worker(container).run_until_idle() == 0
    assert await container.search_knowledge().execute(principal, "Canada", 5) == []


async def test_reindexing_never_duplicates_chunks(container: Container, clock: FixedClock) -> None:
    principal = await owner(container)
    document = await add_guide(container, principal)
    await worker(container).run_until_idle()
    first = await container.list_chunks().execute(principal, document.id, PageRequest())
    await container.reindex_document().execute(principal, document.id)
    await container.reindex_document().execute(principal, document.id)  # one job, not two
    assert await worker(container).run_until_idle() == 1
    again = await container.list_chunks().execute(principal, document.id, PageRequest())
    assert [c.id for c in again.items] == [c.id for c in first.items]
    assert len(await container.search_knowledge().execute(principal, "returned Canada", 50)) == 2


async def test_a_reindex_that_keeps_failing_leaves_the_old_chunks_serving(
    container: Container, clock: FixedClock
) -> None:
    principal = await owner(container)
    document = await add_guide(container, principal)
    await worker(container).run_until_idle()
    container.embedder.override(FlakyEmbedder(failures=100))
    await container.reindex_document().execute(principal, document.id)
    for _ in range(5):
        await worker(container).run_until_idle()
        clock.advance(600)
    after = await status(container, principal, document)
    assert after.status is DocumentStatus.READY and after.chunk_count == 2
    assert after.error is not None and "kept failing" in after.error
    found = await container.search_knowledge().execute(principal, "ship to Canada", 3)
    assert found and found[0].document_id == document.id


async def test_a_document_stranded_in_processing_is_settled_readably(
    container: Container, clock: FixedClock
) -> None:
    principal = await owner(container)
    document = await add_guide(container, principal)
    queue = container.job_queue()
    job = await queue.claim("dying-worker", lease_seconds=60)
    assert job is not None
    async with container.uow().tenant(principal.workspace_id) as tx:
        stuck = await tx.documents.get(principal.workspace_id, document.id, for_update=True)
        assert stuck is not None
        stuck.start_processing(clock.now())
        await tx.documents.save(stuck)
        await tx.commit()
    await queue.fail(job.id, "dying-worker", "died before settling its document")
    clock.advance(120)
    await worker(container).run_until_idle()
    settled = await status(container, principal, document)
    assert settled.status is DocumentStatus.FAILED
    assert settled.error is not None and "interrupted" in settled.error
