"""Secret API keys."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post

from adapters.inbound.http import schemas as s
from application.pagination import PageRequest
from application.principal import Principal
from application.use_cases.api_keys import CreateApiKey, ListApiKeys, RevokeApiKey
from domain.ids import ApiKeyId


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["api keys"]

    @post(status_code=201)
    async def create(
        self, data: s.ApiKeyBody, principal: Principal, create_api_key: CreateApiKey
    ) -> s.CreatedApiKeyOut:
        created = await create_api_key.execute(principal, data.name)
        key = created.key
        return s.CreatedApiKeyOut(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            key=created.plaintext,
        )

    @get()
    async def list_keys(
        self,
        principal: Principal,
        list_api_keys: ListApiKeys,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> s.ApiKeyPage:
        page = await list_api_keys.execute(principal, PageRequest.parse(limit, cursor))
        return s.ApiKeyPage(
            items=[s.api_key_out(k) for k in page.items], next_cursor=page.next_cursor
        )

    @delete("/{key_id:uuid}", status_code=204)
    async def revoke(
        self, key_id: uuid.UUID, principal: Principal, revoke_api_key: RevokeApiKey
    ) -> None:
        await revoke_api_key.execute(principal, ApiKeyId(key_id))
