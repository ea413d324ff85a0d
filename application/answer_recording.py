"""Where a drafted answer is stored: under the conversation's lock, so a retry (or the
orphan sweep) that answered first wins and a person who took over meanwhile silences the
bot. Every socket watching hears of the new answer."""

from __future__ import annotations

from application.drafting import Draft
from application.events import MessagePosted
from application.ports.clock import Clock
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.turns import Turns
from domain.conversations import Message
from domain.errors import found
from domain.ids import MessageId


class AnswerRecorder:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        realtime: Realtime,
        turns: Turns | None = None,
    ) -> None:
        self._uow, self._clock, self._realtime = uow, clock, realtime
        self._turns = turns or Turns()

    async def record(
        self,
        question: Message,
        draft: Draft,
        latency_ms: int,
        answer_id: MessageId | None = None,
    ) -> Message | None:
        """The stored answer (this one, or the one that won); None when a person holds
        the conversation."""
        workspace_id, session_id = question.workspace_id, question.session_id
        async with self._turns.turn(), self._uow.tenant(workspace_id) as tx:
            held = found(
                await tx.conversations.hold(workspace_id, session_id, reply_to=question.id),
                "Conversation",
            )
            if held.reply is not None:
                return held.reply
            conversation = held.conversation
            if not conversation.bot_answers:
                return None
            answer = conversation.answer(
                question,
                draft.text,
                self._clock.now(),
                message_id=answer_id,
                sources=draft.sources,
                confidence=draft.confidence,
                action=draft.action,
                latency_ms=latency_ms,
                model=draft.model,
            )
            await tx.conversations.append(conversation, answer)
            await tx.commit()
        await self._realtime.publish(MessagePosted.of(answer, question))
        return answer
