"""Use case: create a secret API key (shown once)."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import ApiKey, clean_name
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
