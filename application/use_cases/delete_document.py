"""Use case: delete a document with its bytes, chunks and vectors."""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.errors import found
from domain.ids import DocumentId
from domain.roles import Permission


class DeleteDocument:
    """The document, its bytes, chunks and vectors go in one transaction."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, document_id: DocumentId) -> None:
        principal.require(Permission.MANAGE_KNOWLEDGE)
        async with self._uow.tenant(principal.workspace_id) as tx:
            found(
                await tx.documents.get(principal.workspace_id, document_id, for_update=True),
                "Document",
            )
            await tx.documents.delete(principal.workspace_id, document_id)
            await tx.commit()
