"""Use cases of the conversations API: read them, take one over, release it, reply as a person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from application.events import HandoffChanged, MessagePosted
from application.pagination import Page, PageRequest
from application.ports.clock import Clock
from application.ports.conversations import ConversationFilter
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.principal import Principal
from domain.conversations import Conversation, Message
from domain.errors import found
from domain.ids import SessionId
from domain.roles import Permission


@dataclass(frozen=True, slots=True)
class Thread:
    conversation: Conversation
    messages: list[Message]


async def _conversation(
    tx: UnitOfWork, principal: Principal, session_id: SessionId, *, for_update: bool = True
) -> Conversation:
    held = await tx.conversations.get(principal.workspace_id, session_id, for_update=for_update)
    return found(held, "Conversation")


class ReadConversations:
    """Owners, admins and agents see the workspace's conversations."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def list(
        self, principal: Principal, where: ConversationFilter, page: PageRequest
    ) -> Page[Conversation]:
        principal.require(Permission.HANDLE_CONVERSATIONS)
        async with self._uow.tenant(principal.workspace_id) as tx:
            return await tx.conversations.list(principal.workspace_id, where, page)

    async def get(self, principal: Principal, session_id: SessionId) -> Thread:
        principal.require(Permission.HANDLE_CONVERSATIONS)
        async with self._uow.tenant(principal.workspace_id) as tx:
            conversation = await _conversation(tx, principal, session_id, for_update=False)
            messages = await tx.conversations.messages(principal.workspace_id, session_id, 10_000)
        return Thread(conversation, messages)


class HandOver:
    """A person takes a conversation over (the bot stays silent) or hands it back."""

    def __init__(self, uow: UnitOfWorkFactory, realtime: Realtime) -> None:
        self._uow, self._realtime = uow, realtime

    async def take_over(self, principal: Principal, session_id: SessionId) -> Conversation:
        return await self._change(principal, session_id, lambda c: c.take_over(principal.user_id))

    async def release(self, principal: Principal, session_id: SessionId) -> Conversation:
        return await self._change(principal, session_id, lambda c: c.release())

    async def _change(
        self, principal: Principal, session_id: SessionId, change: Callable[[Conversation], None]
    ) -> Conversation:
        principal.require(Permission.HANDLE_CONVERSATIONS)
        async with self._uow.tenant(principal.workspace_id) as tx:
            conversation = await _conversation(tx, principal, session_id)
            change(conversation)
            await tx.conversations.save(conversation)
            await tx.commit()
        await self._realtime.publish(HandoffChanged.of(conversation))
        return conversation


class PostAgentMessage:
    """A person's reply, stored in the conversation and delivered live to the visitor."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, realtime: Realtime) -> None:
        self._uow, self._clock, self._realtime = uow, clock, realtime

    async def execute(self, principal: Principal, session_id: SessionId, text: str) -> Message:
        principal.require(Permission.HANDLE_CONVERSATIONS)
        async with self._uow.tenant(principal.workspace_id) as tx:
            conversation = await _conversation(tx, principal, session_id)
            message = conversation.write_as_agent(principal.user_id, text, self._clock.now())
            await tx.conversations.add_message(message)
            await tx.conversations.save(conversation)
            await tx.commit()
        await self._realtime.publish(MessagePosted.of(message))
        return message
