"""Use case: a visitor rates an answer up or down, with an optional comment."""

from __future__ import annotations

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.widget_access import WidgetAccess, WidgetSessionTokens
from domain.errors import Forbidden, found
from domain.feedback import Feedback
from domain.ids import MessageId


class RateAnswer:
    """Only messages of the session the token opens; a second rating replaces the first."""

    def __init__(self, uow: UnitOfWorkFactory, tokens: WidgetSessionTokens, clock: Clock) -> None:
        self._uow, self._tokens, self._clock = uow, tokens, clock

    async def execute(
        self,
        access: WidgetAccess,
        token: str | None,
        message_id: MessageId,
        rating: str,
        comment: str | None,
    ) -> Feedback:
        claims = self._tokens.check(access, token)
        workspace_id = access.code.workspace_id
        async with self._uow.tenant(workspace_id) as tx:
            message = found(await tx.conversations.get_message(workspace_id, message_id), "Message")
            if message.session_id != claims.session_id:
                raise Forbidden("This session token opens another session.")
            feedback = Feedback.on(message, rating, comment, self._clock.now())
            await tx.conversations.save_feedback(feedback)
            await tx.commit()
        return feedback
