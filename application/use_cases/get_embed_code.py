"""Use case: read one embed code (its snippet and preview are built from it)."""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.embed_codes import EmbedCode
from domain.errors import found
from domain.ids import EmbedCodeId
from domain.roles import Permission


class GetEmbedCode:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, code_id: EmbedCodeId) -> EmbedCode:
        principal.require(Permission.MANAGE_EMBED_CODES)
        async with self._uow.tenant(principal.workspace_id) as tx:
            held = await tx.embed_codes.get(principal.workspace_id, code_id)
        return found(held, "Embed code")
