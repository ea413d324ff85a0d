"""Use case: give an embed code a new public key; the old one stops at once."""

from __future__ import annotations

from application.embed_code_changes import change_embed_code
from application.events import AccessChanged
from application.ports.clock import Clock
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.embed_codes import EmbedCode
from domain.ids import EmbedCodeId


class RotateEmbedKey:
    """Sockets and sessions opened with the old key end too."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, realtime: Realtime) -> None:
        self._uow, self._clock, self._realtime = uow, clock, realtime

    async def execute(self, principal: Principal, code_id: EmbedCodeId) -> EmbedCode:
        now = self._clock.now()
        code = await change_embed_code(
            self._uow, self._clock, principal, code_id, lambda c: c.rotate_key(now)
        )
        await self._realtime.publish(
            AccessChanged(code.workspace_id, "embed_code_changed", code_id)
        )
        return code
