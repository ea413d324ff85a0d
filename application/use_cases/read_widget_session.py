"""Use case: the widget's socket learns who holds its session (the bot or a person)."""

from __future__ import annotations

from application.ports.unit_of_work import UnitOfWorkFactory
from application.widget_access import WidgetAccess, WidgetSessionTokens
from domain.conversations import Conversation
from domain.errors import found
from domain.ids import SessionId


class ReadWidgetSession:
    """The session without its messages."""

    def __init__(self, uow: UnitOfWorkFactory, tokens: WidgetSessionTokens) -> None:
        self._uow, self._tokens = uow, tokens

    async def execute(
        self, access: WidgetAccess, token: str | None, session_id: SessionId
    ) -> Conversation:
        self._tokens.check_session(access, token, session_id)
        workspace_id = access.code.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            return found(await tx.conversations.get(workspace_id, session_id), "Conversation")
