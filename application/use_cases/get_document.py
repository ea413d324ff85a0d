"""Use case: read one document's record (status, size, chunk count, failure reason)."""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.documents import Document
from domain.errors import found
from domain.ids import DocumentId
from domain.roles import Permission


class GetDocument:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, document_id: DocumentId) -> Document:
        principal.require(Permission.READ_WORKSPACE)
        async with self._uow.tenant(principal.workspace_id) as tx:
            document = await tx.documents.get(principal.workspace_id, document_id)
        return found(document, "Document")
