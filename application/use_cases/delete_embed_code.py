"""Use case: delete an embed code; its key, sessions and sockets stop at once."""

from __future__ import annotations

from application.events import AccessChanged
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.errors import found
from domain.ids import EmbedCodeId
from domain.roles import Permission


class DeleteEmbedCode:
    def __init__(self, uow: UnitOfWorkFactory, realtime: Realtime) -> None:
        self._uow, self._realtime = uow, realtime

    async def execute(self, principal: Principal, code_id: EmbedCodeId) -> None:
        principal.require(Permission.MANAGE_EMBED_CODES)
        workspace_id = principal.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            found(await tx.embed_codes.get(workspace_id, code_id, for_update=True), "Embed code")
            await tx.embed_codes.delete(workspace_id, code_id)
            await tx.commit()
        await self._realtime.publish(AccessChanged(workspace_id, "embed_code_changed", code_id))
