"""Use case: a person takes a conversation over; the bot falls silent in it."""

from __future__ import annotations

from application.holding import change_holder
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.principal import Principal
from domain.conversations import Conversation
from domain.ids import SessionId


class TakeOver:
    def __init__(self, uow: UnitOfWorkFactory, realtime: Realtime) -> None:
        self._uow, self._realtime = uow, realtime

    async def execute(self, principal: Principal, session_id: SessionId) -> Conversation:
        return await change_holder(
            self._uow,
            self._realtime,
            principal,
            session_id,
            lambda conversation: conversation.take_over(principal.user_id),
        )
