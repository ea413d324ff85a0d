"""Use case: owners, admins and agents list the workspace's conversations."""

from __future__ import annotations

from application.pagination import Page, PageRequest
from application.ports.conversations import ConversationFilter
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.conversations import Conversation
from domain.roles import Permission


class ListConversations:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(
        self, principal: Principal, where: ConversationFilter, page: PageRequest
    ) -> Page[Conversation]:
        principal.require(Permission.HANDLE_CONVERSATIONS)
        async with self._uow.tenant(principal.workspace_id) as tx:
            return await tx.conversations.list(principal.workspace_id, where, page)
