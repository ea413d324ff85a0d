"""Use case: read one conversation with all its messages."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.conversations import Conversation, Message
from domain.errors import found
from domain.ids import SessionId
from domain.roles import Permission


@dataclass(frozen=True, slots=True)
class Thread:
    conversation: Conversation
    messages: list[Message]


class ReadConversation:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, principal: Principal, session_id: SessionId) -> Thread:
        principal.require(Permission.HANDLE_CONVERSATIONS)
        workspace_id = principal.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            conversation = found(
                await tx.conversations.get(workspace_id, session_id), "Conversation"
            )
            messages = await tx.conversations.messages(workspace_id, session_id, 10_000)
        return Thread(conversation, messages)
