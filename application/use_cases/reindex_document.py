"""Use case: parse, chunk and embed a document again."""

from __future__ import annotations

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.documents import Document
from domain.errors import found
from domain.ids import DocumentId, JobId, new_uuid
from domain.knowledge import IngestionJob
from domain.roles import Permission


class ReindexDocument:
    """Queues the document again; its current chunks serve until the new ones replace them."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, principal: Principal, document_id: DocumentId) -> Document:
        principal.require(Permission.MANAGE_KNOWLEDGE)
        now = self._clock.now()
        async with self._uow.tenant(principal.workspace_id) as tx:
            document = found(
                await tx.documents.get(principal.workspace_id, document_id, for_update=True),
                "Document",
            )
            if not await tx.jobs.has_open_job(principal.workspace_id, document_id):
                document.requeue(now)
                await tx.documents.save(document)
                job = IngestionJob(JobId(new_uuid()), principal.workspace_id, document_id, now)
                await tx.jobs.add(job)
            await tx.commit()
        return document
