"""Use case: list the workspace's members."""

from __future__ import annotations

from application.pagination import Page, PageRequest
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.accounts import User
from domain.roles import Permission


class ListMembers:
    """Any member may see who else is in the workspace."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, page: PageRequest) -> Page[User]:
        principal.require(Permission.READ_WORKSPACE)
        async with self._uow.tenant(principal.workspace_id) as tx:
            return await tx.users.list(principal.workspace_id, page)
