"""Use case: the visitor asks for a person; the bot falls silent until an agent releases it."""

from __future__ import annotations

from application.events import HandoffChanged
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.widget_access import WidgetAccess, WidgetSessionTokens
from domain.conversations import Conversation
from domain.errors import Forbidden, found
from domain.ids import SessionId


class RequestPerson:
    """Only where the embed code offers a person (`handoff_enabled`)."""

    def __init__(
        self, uow: UnitOfWorkFactory, tokens: WidgetSessionTokens, realtime: Realtime
    ) -> None:
        self._uow, self._tokens, self._realtime = uow, tokens, realtime

    async def execute(
        self, access: WidgetAccess, token: str | None, session_id: SessionId
    ) -> Conversation:
        self._tokens.check_session(access, token, session_id)
        if not access.code.settings.handoff_enabled:
            raise Forbidden("This chat does not offer a person.")
        workspace_id = access.code.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            held = await tx.conversations.get(workspace_id, session_id, for_update=True)
            conversation = found(held, "Conversation")
            if not conversation.bot_answers:
                return conversation
            conversation.take_over(None)
            await tx.conversations.save(conversation)
            await tx.commit()
        await self._realtime.publish(HandoffChanged.of(conversation))
        return conversation
