"""Use case: list a document's chunks, in order, with their page and heading."""

from __future__ import annotations

from application.pagination import Page, PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.errors import found
from domain.ids import DocumentId
from domain.knowledge import Chunk
from domain.roles import Permission


class ListChunks:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, principal: Principal, document_id: DocumentId, page: PageRequest
    ) -> Page[Chunk]:
        principal.require(Permission.READ_WORKSPACE)
        workspace_id = principal.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            found(await tx.documents.get(workspace_id, document_id), "Document")
            return await tx.chunks.list(workspace_id, document_id, page)
