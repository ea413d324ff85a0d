"""Bodies of the API key controller."""

from __future__ import annotations

import uuid
from datetime import datetime

from adapters.inbound.http.schemas.base import BodyIn, BodyOut, PageOut, ShortText
from domain.accounts import ApiKey


class ApiKeyBody(BodyIn):
    name: ShortText


class ApiKeyOut(BodyOut, kw_only=True):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None


class CreatedApiKeyOut(ApiKeyOut, kw_only=True):
    key: str


class ApiKeyPage(PageOut):
    items: list[ApiKeyOut]


def api_key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
    )
