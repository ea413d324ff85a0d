"""Secret API keys."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from adapters.inbound.http.schemas import api_keys as k
from application.pagination import PageRequest
from application.principal import Principal
from application.use_cases.create_api_key import CreateApiKey
from application.use_cases.list_api_keys import ListApiKeys
from application.use_cases.revoke_api_key import RevokeApiKey
from domain.ids import ApiKeyId


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["api keys"]

    @post(status_code=201)
    async def create(
        self,
        data: JSONBody[k.ApiKeyBody],
        principal: NamedDependency[Principal],
        create_api_key: NamedDependency[CreateApiKey],
    ) -> k.CreatedApiKeyOut:
        created = await create_api_key.execute(principal, data.name)
        key = created.key
        return k.CreatedApiKeyOut(
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
    ) -> k.ApiKeyPage:
        page = await list_api_keys.execute(principal, PageRequest.parse(limit, cursor))
        return k.ApiKeyPage.of(page, k.api_key_out)

    @delete("/{key_id:uuid}", status_code=204)
    async def revoke(
        self,
        key_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        revoke_api_key: NamedDependency[RevokeApiKey],
    ) -> None:
        await revoke_api_key.execute(principal, ApiKeyId(key_id))
