"""How an ingestion job ends for its document: ready with new chunks, failed (with or
without losing its chunks), or gone because the document was deleted meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from application.ports.unit_of_work import UnitOfWorkFactory
from domain.documents import Document
from domain.knowledge import Chunk, IngestionJob


class Outcome(StrEnum):
    READY = "ready"
    FAILED = "failed"
    GONE = "gone"


async def settle(
    uow: UnitOfWorkFactory,
    job: IngestionJob,
    chunks: list[Chunk] | None,
    change: Callable[[Document], None],
    outcome: Outcome,
) -> Outcome:
    """Writes the ending in one transaction; `chunks` None keeps the document's chunks."""
    async with uow.tenant(job.workspace_id) as tx:
        document = await tx.documents.get(job.workspace_id, job.document_id, for_update=True)
        if document is None:
            return Outcome.GONE  # deleted while we worked: nothing to write
        if chunks is not None:
            await tx.chunks.replace(job.workspace_id, job.document_id, chunks)
        change(document)
        await tx.documents.save(document)
        await tx.commit()
    return outcome
