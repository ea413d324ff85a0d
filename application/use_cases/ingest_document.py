"""Use case: turn a queued document into chunks with vectors."""

from __future__ import annotations

import asyncio
import uuid

import structlog

from application.ingestion_outcome import Outcome, settle
from application.ports.clock import Clock
from application.ports.document_parser import DocumentParser
from application.ports.embedder import Embedder
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.chunking import ChunkDraft, ChunkingPolicy, chunk_blocks, with_heading
from domain.documents import Document, UnreadableDocument
from domain.ids import ChunkId
from domain.knowledge import Chunk, IngestionJob
from domain.plans import ParseBudget, PlanCatalog

log = structlog.get_logger()


class IngestDocument:
    """Parse, chunk, embed, then swap the document's chunks in one transaction.

    A document that cannot be read fails for good; anything else (embedder or database
    trouble) propagates, and the worker retries the job later. Re-running is harmless.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        parser: DocumentParser,
        embedder: Embedder,
        clock: Clock,
        plans: PlanCatalog,
        parse_cap: ParseBudget,
        policy: ChunkingPolicy = ChunkingPolicy(),
    ) -> None:
        self._uow, self._parser, self._embedder, self._clock = uow, parser, embedder, clock
        self._plans, self._parse_cap, self._policy = plans, parse_cap, policy

    async def execute(self, job: IngestionJob) -> Outcome:
        started = await self._start(job)
        if started is None:
            return Outcome.GONE
        document, data, budget = started
        try:
            blocks = await self._parser.parse(document.mime_type, data, budget)
            # Tokenising a large document takes seconds: never on the event loop.
            drafts = await asyncio.to_thread(
                chunk_blocks, blocks, self._embedder.count_tokens, self._policy
            )
            if not drafts:
                raise UnreadableDocument("The document contains no text.")
        except UnreadableDocument as unreadable:
            return await self._give_up(job, unreadable.detail)
        vectors = await self._embedder.embed_documents([embedding_text(d) for d in drafts])
        chunks = [
            _chunk(document, draft, vector) for draft, vector in zip(drafts, vectors, strict=True)
        ]
        now = self._clock.now()
        return await settle(
            self._uow, job, chunks, lambda doc: doc.mark_ready(len(chunks), now), Outcome.READY
        )

    async def _give_up(self, job: IngestionJob, reason: str) -> Outcome:
        """The file cannot be read: the document fails and loses any chunks."""
        now = self._clock.now()
        log.info("ingestion.failed", document_id=str(job.document_id), reason=reason)
        return await settle(
            self._uow, job, [], lambda doc: doc.mark_failed(reason, now), Outcome.FAILED
        )

    async def _start(self, job: IngestionJob) -> tuple[Document, bytes, ParseBudget] | None:
        """The document marked `processing`, its bytes, and what its plan lets parsing cost."""
        async with self._uow.tenant(job.workspace_id) as tx:
            document = await tx.documents.get(job.workspace_id, job.document_id, for_update=True)
            data = await tx.documents.content(job.workspace_id, job.document_id)
            workspace = await tx.workspaces.get(job.workspace_id)
            if document is None or data is None or workspace is None:
                return None
            document.start_processing(self._clock.now())
            await tx.documents.save(document)
            await tx.commit()
        budget = self._plans.for_plan(workspace.plan).parse_budget(self._parse_cap)
        return document, data, budget


def embedding_text(draft: ChunkDraft) -> str:
    return with_heading(draft.heading, draft.text)


def _chunk(document: Document, draft: ChunkDraft, vector: list[float]) -> Chunk:
    return Chunk(
        id=ChunkId(uuid.uuid5(document.id, f"{document.checksum}:{draft.ordinal}")),
        workspace_id=document.workspace_id,
        document_id=document.id,
        ordinal=draft.ordinal,
        text=draft.text,
        heading=draft.heading,
        page=draft.page,
        token_count=draft.token_count,
        embedding=tuple(vector),
    )
