"""Use case: a person replies in a conversation; the visitor sees it live."""

from __future__ import annotations

from application.events import MessagePosted
from application.ports.clock import Clock
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.conversations import Message
from domain.errors import found
from domain.ids import SessionId
from domain.roles import Permission


class PostAgentMessage:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, realtime: Realtime) -> None:
        self._uow, self._clock, self._realtime = uow, clock, realtime

    async def execute(self, principal: Principal, session_id: SessionId, text: str) -> Message:
        principal.require(Permission.HANDLE_CONVERSATIONS)
        workspace_id = principal.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            held = await tx.conversations.get(workspace_id, session_id, for_update=True)
            conversation = found(held, "Conversation")
            message = conversation.write_as_agent(principal.user_id, text, self._clock.now())
            await tx.conversations.append(conversation, message)
            await tx.commit()
        await self._realtime.publish(MessagePosted.of(message))
        return message
