"""Use cases: list, read, reindex and delete documents; list a document's chunks."""

from __future__ import annotations

from application.pagination import Page, PageRequest
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principal import Principal
from domain.documents import Document
from domain.errors import NotFound
from domain.ids import DocumentId, JobId, new_uuid
from domain.knowledge import Chunk, IngestionJob
from domain.roles import Permission


async def _document(tx: UnitOfWork, principal: Principal, document_id: DocumentId) -> Document:
    document = await tx.documents.get(principal.workspace_id, document_id, for_update=True)
    if document is None:
        raise NotFound("Document not found.")
    return document


class ReadDocuments:
    """Any member may read the knowledge base."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def list(self, principal: Principal, page: PageRequest) -> Page[Document]:
        principal.require(Permission.READ_WORKSPACE)
        async with self._uow.tenant(principal.workspace_id) as tx:
            return await tx.documents.list(principal.workspace_id, page)

    async def get(self, principal: Principal, document_id: DocumentId) -> Document:
        principal.require(Permission.READ_WORKSPACE)
        async with self._uow.tenant(principal.workspace_id) as tx:
            document = await tx.documents.get(principal.workspace_id, document_id)
        if document is None:
            raise NotFound("Document not found.")
        return document

    async def chunks(
        self, principal: Principal, document_id: DocumentId, page: PageRequest
    ) -> Page[Chunk]:
        principal.require(Permission.READ_WORKSPACE)
        async with self._uow.tenant(principal.workspace_id) as tx:
            if await tx.documents.get(principal.workspace_id, document_id) is None:
                raise NotFound("Document not found.")
            return await tx.chunks.list(principal.workspace_id, document_id, page)


class ReindexDocument:
    """Queues the document again; its current chunks serve until the new ones replace them."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, principal: Principal, document_id: DocumentId) -> Document:
        principal.require(Permission.MANAGE_KNOWLEDGE)
        now = self._clock.now()
        async with self._uow.tenant(principal.workspace_id) as tx:
            document = await _document(tx, principal, document_id)
            if not await tx.jobs.has_open_job(principal.workspace_id, document_id):
                document.requeue(now)
                await tx.documents.save(document)
                job = IngestionJob(JobId(new_uuid()), principal.workspace_id, document_id, now)
                await tx.jobs.add(job)
            await tx.commit()
        return document


class DeleteDocument:
    """The document, its bytes, chunks and vectors go in one transaction."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, document_id: DocumentId) -> None:
        principal.require(Permission.MANAGE_KNOWLEDGE)
        async with self._uow.tenant(principal.workspace_id) as tx:
            await _document(tx, principal, document_id)
            await tx.documents.delete(principal.workspace_id, document_id)
            await tx.commit()
