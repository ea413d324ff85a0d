"""Use case: revoke an API key; it and the sockets opened with it stop at once."""

from __future__ import annotations

from application.events import AccessChanged
from application.ports.clock import Clock
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.errors import NotFound
from domain.ids import ApiKeyId
from domain.roles import Permission


class RevokeApiKey:
    """A revoked key stops authenticating at once, and sockets opened with it close."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, realtime: Realtime) -> None:
        self._uow, self._clock, self._realtime = uow, clock, realtime

    async def execute(self, principal: Principal, key_id: ApiKeyId) -> None:
        principal.require(Permission.MANAGE_API_KEYS)
        async with self._uow.tenant(principal.workspace_id) as tx:
            key = await tx.api_keys.get(principal.workspace_id, key_id)
            if key is None or not key.active:
                raise NotFound("API key not found.")
            key.revoke(self._clock.now())
            await tx.api_keys.save(key)
            await tx.commit()
        await self._realtime.publish(AccessChanged(principal.workspace_id, "api_key_revoked"))
