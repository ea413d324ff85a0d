"""ApiKeyRepository port."""

from __future__ import annotations

from typing import Protocol

from application.pagination import Page, PageRequest
from domain.accounts import ApiKey
from domain.ids import ApiKeyId, WorkspaceId


class ApiKeyRepository(Protocol):
    """Secret API keys of workspaces, stored as digests."""

    async def add(self, key: ApiKey) -> None: ...

    async def get(self, workspace_id: WorkspaceId, key_id: ApiKeyId) -> ApiKey | None: ...

    async def list_active(self, workspace_id: WorkspaceId, page: PageRequest) -> Page[ApiKey]: ...

    async def save(self, key: ApiKey) -> None: ...

    async def find_active_by_digest(self, key_hash: str) -> ApiKey | None:
        """Cross-workspace lookup for authentication; needs a system-scoped unit of work."""
        ...
