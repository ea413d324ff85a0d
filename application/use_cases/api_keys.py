"""Use cases: create, list and revoke secret API keys."""

from __future__ import annotations

from dataclasses import dataclass

from application.events import AccessChanged
from application.pagination import Page, PageRequest
from application.ports.clock import Clock
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import ApiKey, clean_name
from domain.errors import NotFound
from domain.ids import ApiKeyId, new_uuid
from domain.roles import Permission
from domain.secret_keys import digest_secret_key, display_prefix, new_secret_key


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    key: ApiKey
    plaintext: str


class CreateApiKey:
    """The plaintext key is returned once and never stored."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, principal: Principal, name: str) -> CreatedApiKey:
        principal.require(Permission.MANAGE_API_KEYS)
        plaintext = new_secret_key()
        key = ApiKey(
            id=ApiKeyId(new_uuid()),
            workspace_id=principal.workspace_id,
            name=clean_name(name, "name"),
            prefix=display_prefix(plaintext),
            key_hash=digest_secret_key(plaintext),
            created_at=self._clock.now(),
        )
        async with self._uow.tenant(principal.workspace_id) as tx:
            await tx.api_keys.add(key)
            await tx.commit()
        return CreatedApiKey(key, plaintext)


class ListApiKeys:
    """Active keys, without their secrets."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, page: PageRequest) -> Page[ApiKey]:
        principal.require(Permission.MANAGE_API_KEYS)
        async with self._uow.tenant(principal.workspace_id) as tx:
            return await tx.api_keys.list_active(principal.workspace_id, page)


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
