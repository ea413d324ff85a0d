"""Use case: list the knowledge base's documents, newest first."""

from __future__ import annotations

from application.pagination import Page, PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.documents import Document
from domain.roles import Permission


class ListDocuments:
    """Any member may read the knowledge base."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, page: PageRequest) -> Page[Document]:
        principal.require(Permission.READ_WORKSPACE)
        async with self._uow.tenant(principal.workspace_id) as tx:
            return await tx.documents.list(principal.workspace_id, page)
