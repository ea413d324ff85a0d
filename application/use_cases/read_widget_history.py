"""Use case: the widget reads its session's messages back (after a reload)."""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.use_cases.read_conversation import Thread
from application.widget_access import WidgetAccess, WidgetSessionTokens
from domain.errors import found
from domain.ids import SessionId


class ReadWidgetHistory:
    """The session's messages, oldest first, and who holds it (bot or a person)."""

    def __init__(self, uow: UnitOfWorkFactory, tokens: WidgetSessionTokens) -> None:
        self._uow, self._tokens = uow, tokens

    async def execute(
        self, access: WidgetAccess, token: str | None, session_id: SessionId
    ) -> Thread:
        self._tokens.check_session(access, token, session_id)
        workspace_id = access.code.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            held = await tx.conversations.get(workspace_id, session_id)
            conversation = found(held, "Conversation")
            return Thread(conversation, await tx.conversations.messages(workspace_id, session_id))
