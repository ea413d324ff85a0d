"""Who holds a conversation, the bot or a person: the one way it changes, for every use case
that changes it (take over, release)."""

from __future__ import annotations

from collections.abc import Callable

from application.events import HandoffChanged
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.conversations import Conversation
from domain.errors import found
from domain.ids import SessionId
from domain.roles import Permission


async def change_holder(
    uow: UnitOfWorkFactory,
    realtime: Realtime,
    principal: Principal,
    session_id: SessionId,
    change: Callable[[Conversation], None],
) -> Conversation:
    """Under the conversation's lock; every socket watching hears of it afterwards."""
    principal.require(Permission.HANDLE_CONVERSATIONS)
    workspace_id = principal.workspace_id
    async with uow.tenant(workspace_id) as tx:
        held = await tx.conversations.get(workspace_id, session_id, for_update=True)
        conversation = found(held, "Conversation")
        change(conversation)
        await tx.conversations.save(conversation)
        await tx.commit()
    await realtime.publish(HandoffChanged.of(conversation))
    return conversation
