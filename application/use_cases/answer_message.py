"""Use case: answer a visitor's message from the knowledge base (widget, WebSocket, API).

The story: the question is admitted (rate budgets, quota) and stored first, so it is never
lost; then an answer is drafted (retrieve, decide, write); then the answer is recorded under
the conversation's lock, where a retry that answered first, or a person who took over
meanwhile, wins. Everyone watching hears of each step."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from application.admission import Admission
from application.answer_recording import AnswerRecorder
from application.answering import DEFAULT_NO_ANSWER
from application.drafting import Drafting
from application.events import AnswerDelta, ConversationStarted, MessagePosted, TypingChanged
from application.ports.clock import Clock
from application.ports.rate_limiter import Budget, RateDecision
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.turns import Turns
from domain.conversations import Action, Conversation, Message, Source, clean_message
from domain.errors import ValidationFailed, found
from domain.ids import MessageId, SessionId, WorkspaceId, new_uuid

DeltaSink = Callable[[AnswerDelta], Awaitable[None]]
HISTORY = 50  # the latest messages a question is asked with


@dataclass(frozen=True, slots=True)
class AskInput:
    text: str
    session_id: SessionId | None = None
    client_message_id: str | None = None
    embed_code_id: uuid.UUID | None = None
    visitor_id: str | None = None
    no_answer_message: str = DEFAULT_NO_ANSWER
    # Budgets spent before the workspace's own, once per new message (a retry spends none).
    budgets: tuple[Budget, ...] = ()
    rate_limited_message: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    session_id: SessionId
    message_id: MessageId
    answer: str
    sources: list[Source]
    confidence: float | None
    action: Action
    rate: RateDecision | None = None  # the budget nearest to refusal, for response headers
    message: Message | None = None  # the stored answer, when there is one
    question: Message | None = None

    @classmethod
    def of(cls, answer: Message, question: Message, rate: RateDecision | None) -> Reply:
        return cls(
            answer.session_id,
            answer.id,
            answer.text,
            answer.sources,
            answer.confidence,
            answer.action or Action.ANSWERED,
            rate,
            answer,
            question,
        )

    @classmethod
    def silent(cls, question: Message, rate: RateDecision | None) -> Reply:
        """A person holds the conversation: the question waits for them."""
        return cls(
            question.session_id, question.id, "", [], None, Action.HANDOFF, rate, None, question
        )


@dataclass(frozen=True, slots=True)
class _Asked:
    """The stored question, what was said before it, and how it got there."""

    conversation: Conversation
    question: Message
    history: list[Message]
    started: bool  # the question opened a new conversation
    rate: RateDecision | None = None  # None for a retry: it spent nothing
    answered: Message | None = None  # a retry's earlier answer


class AnswerMessage:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        admission: Admission,
        drafting: Drafting,
        recorder: AnswerRecorder,
        clock: Clock,
        realtime: Realtime,
        turns: Turns | None = None,
    ) -> None:
        self._uow, self._admission, self._drafting = uow, admission, drafting
        self._recorder, self._clock, self._realtime = recorder, clock, realtime
        self._turns = turns or Turns()

    async def execute(
        self, workspace_id: WorkspaceId, inp: AskInput, on_delta: DeltaSink | None = None
    ) -> Reply:
        """`on_delta` receives the answer as it is written (after every socket watching
        got it as an AnswerDelta event); the Reply is the stored whole."""
        started = time.perf_counter()
        clean_message(inp.text)  # refused before anything is spent or stored
        if inp.client_message_id and inp.session_id is None:
            raise ValidationFailed.on("client_message_id", "needs the session_id it was sent in")
        asked = await self._store_question(workspace_id, inp)
        if asked.answered is not None:  # a retry of a message already answered
            return Reply.of(asked.answered, asked.question, None)
        if asked.rate is not None:  # a new question, not a retry: everyone watching sees it
            if asked.started:
                await self._realtime.publish(ConversationStarted.of(asked.conversation))
            await self._realtime.publish(MessagePosted.of(asked.question))
        if not asked.conversation.bot_answers:
            return Reply.silent(asked.question, asked.rate)
        session_id = asked.conversation.id
        answer_id, seq = MessageId(new_uuid()), asked.conversation.next_seq

        async def stream(text: str) -> None:
            delta = AnswerDelta(workspace_id, session_id, answer_id, text, seq)
            await self._realtime.publish(delta)
            if on_delta is not None:
                await on_delta(delta)

        await self._realtime.publish(TypingChanged(workspace_id, session_id, "assistant", True))
        try:
            draft = await self._drafting.draft(
                workspace_id, asked.question.text, asked.history, inp.no_answer_message, stream
            )
            latency_ms = int((time.perf_counter() - started) * 1000)
            answer = await self._recorder.record(asked.question, draft, latency_ms, answer_id)
        finally:
            await self._realtime.publish(
                TypingChanged(workspace_id, session_id, "assistant", False)
            )
        if answer is None:  # a person took over while the answer was drafted
            return Reply.silent(asked.question, asked.rate)
        return Reply.of(answer, asked.question, asked.rate)

    async def _store_question(self, workspace_id: WorkspaceId, inp: AskInput) -> _Asked:
        """Stores the question (or finds the earlier one of a retry) with the history before
        it; a new question is admitted first, in the same transaction."""
        async with self._turns.turn(), self._uow.tenant(workspace_id) as tx:
            conversation, history, earlier = await self._conversation(tx, workspace_id, inp)
            started = inp.session_id is None
            if earlier is not None:
                before = history[: _index(history, earlier)]
                answered = await tx.conversations.find_reply(
                    workspace_id, conversation.id, earlier.id
                )
                return _Asked(conversation, earlier, before, started, None, answered)
            rate = await self._admission.admit(
                tx, workspace_id, inp.budgets, inp.rate_limited_message
            )
            question = conversation.ask(inp.text, self._clock.now(), inp.client_message_id)
            await tx.conversations.append(conversation, question)
            await tx.commit()
        return _Asked(conversation, question, history, started, rate)

    async def _conversation(
        self, tx: UnitOfWork, workspace_id: WorkspaceId, inp: AskInput
    ) -> tuple[Conversation, list[Message], Message | None]:
        """The conversation held for the new message, the history before it and the
        earlier message of a retry (a new conversation has neither)."""
        if inp.session_id is not None:
            held = await tx.conversations.hold(
                workspace_id,
                inp.session_id,
                history=HISTORY,
                client_message_id=inp.client_message_id,
            )
            held = found(held, "Conversation")
            return held.conversation, held.history, held.earlier
        conversation = Conversation.start(
            workspace_id, self._clock.now(), inp.embed_code_id, inp.visitor_id
        )
        await tx.conversations.add(conversation)
        return conversation, [], None


def _index(history: list[Message], message: Message) -> int:
    return next((i for i, m in enumerate(history) if m.id == message.id), len(history))
