"""Use case: list the workspace's embed codes."""

from __future__ import annotations

from application.pagination import Page, PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.embed_codes import EmbedCode
from domain.roles import Permission


class ListEmbedCodes:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, page: PageRequest) -> Page[EmbedCode]:
        principal.require(Permission.MANAGE_EMBED_CODES)
        async with self._uow.tenant(principal.workspace_id) as tx:
            return await tx.embed_codes.list(principal.workspace_id, page)
