"""Secret API keys."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

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
        self,
        data: JSONBody[s.ApiKeyBody],
        principal: NamedDependency[Principal],
        create_api_key: NamedDependency[CreateApiKey],
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
        principal: NamedDependency[Principal],
        list_api_keys: NamedDependency[ListApiKeys],
        limit: FromQuery[int | None] = None,
        cursor: FromQuery[str | None] = None,
    ) -> s.ApiKeyPage:
        page = await list_api_keys.execute(principal, PageRequest.parse(limit, cursor))
        return s.ApiKeyPage(
            items=[s.api_key_out(k) for k in page.items], next_cursor=page.next_cursor
        )

    @delete("/{key_id:uuid}", status_code=204)
    async def revoke(
        self,
        key_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        revoke_api_key: NamedDependency[RevokeApiKey],
    ) -> None:
        await revoke_api_key.execute(principal, ApiKeyId(key_id))
