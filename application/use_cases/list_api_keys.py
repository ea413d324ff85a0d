"""Use case: list the workspace's active API keys."""

from __future__ import annotations

from application.pagination import Page, PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import ApiKey
from domain.roles import Permission


class ListApiKeys:
    """Active keys, without their secrets."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, page: PageRequest) -> Page[ApiKey]:
        principal.require(Permission.MANAGE_API_KEYS)
        async with self._uow.tenant(principal.workspace_id) as tx:
            return await tx.api_keys.list_active(principal.workspace_id, page)
