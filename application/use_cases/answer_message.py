"""Use case: answer a visitor's message from the knowledge base (widget, WebSocket, API)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, replace

from application.answering import (
    DEFAULT_NO_ANSWER,
    AnswerPolicy,
    passages_of,
    retrieval_query,
    sources_of,
)
from application.events import ConversationStarted, MessagePosted, TypingChanged
from application.ports.chat_model import ChatModel, ChatRequest, Turn
from application.ports.clock import Clock
from application.ports.rate_limiter import (
    Budget,
    RateDecision,
    RateLimit,
    RateLimiter,
    refused,
    tightest,
)
from application.ports.realtime import Realtime
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.search import HybridSearch
from domain.conversations import (
    Action,
    Conversation,
    Message,
    Source,
    clean_message,
)
from domain.errors import ValidationFailed, found
from domain.ids import MessageId, SessionId, WorkspaceId
from domain.passage_safety import scrub
from domain.plans import PlanCatalog, billing_month


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


@dataclass(frozen=True, slots=True)
class _Draft:
    text: str
    sources: list[Source]
    confidence: float
    action: Action
    model: str | None


class AnswerMessage:
    """Store the question first (it is never lost), retrieve, decide, answer, store the answer."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        search: HybridSearch,
        model: ChatModel,
        clock: Clock,
        plans: PlanCatalog,
        limiter: RateLimiter,
        workspace_limit: RateLimit,
        realtime: Realtime,
        policy: AnswerPolicy = AnswerPolicy(),
    ) -> None:
        self._uow, self._search, self._model, self._clock = uow, search, model, clock
        self._plans, self._policy = plans, policy
        self._limiter, self._workspace_limit = limiter, workspace_limit
        self._realtime = realtime

    async def execute(self, workspace_id: WorkspaceId, inp: AskInput) -> Reply:
        started = time.perf_counter()
        text = clean_message(inp.text)
        if inp.client_message_id and inp.session_id is None:
            raise ValidationFailed.on("client_message_id", "needs the session_id it was sent in")
        conversation, question, history, earlier_reply, rate = await self._record_question(
            workspace_id, inp, text
        )
        if earlier_reply is not None:  # a retry of a message already answered
            return replace(_reply(conversation.id, earlier_reply), rate=rate, question=question)
        if rate is not None:  # a new question, not a retry: everyone watching sees it
            if inp.session_id is None:
                await self._realtime.publish(ConversationStarted.of(conversation))
            await self._realtime.publish(MessagePosted.of(question))
        if not conversation.bot_answers:  # a person holds the conversation
            return Reply(
                conversation.id, question.id, "", [], None, Action.HANDOFF, rate, None, question
            )
        await self._realtime.publish(
            TypingChanged(workspace_id, conversation.id, "assistant", True)
        )
        try:
            draft = await self._draft(workspace_id, question.text, history, inp.no_answer_message)
            latency_ms = int((time.perf_counter() - started) * 1000)
            reply, answer = await self._record_answer(
                workspace_id, conversation.id, question, draft, latency_ms
            )
        finally:
            await self._realtime.publish(
                TypingChanged(workspace_id, conversation.id, "assistant", False)
            )
        if answer is not None:
            await self._realtime.publish(MessagePosted.of(answer, question))
        return replace(reply, rate=rate, question=question)

    async def _record_question(
        self, workspace_id: WorkspaceId, inp: AskInput, text: str
    ) -> tuple[Conversation, Message, list[Message], Message | None, RateDecision | None]:
        """Stores the question (or finds the earlier one of a retry) with the history before it."""
        async with self._uow.tenant(workspace_id) as tx:
            conversation = await self._conversation(tx, workspace_id, inp)
            history = await tx.conversations.messages(workspace_id, conversation.id, 50)
            earlier = await self._earlier(tx, workspace_id, conversation, inp)
            if earlier is not None:
                before = history[: _index(history, earlier)]
                reply = await tx.conversations.find_reply(workspace_id, conversation.id, earlier.id)
                return conversation, earlier, before, reply, None
            rate = await self._spend_budgets(workspace_id, inp)
            await self._take_from_quota(tx, workspace_id)
            question = conversation.ask(text, self._clock.now(), inp.client_message_id)
            await tx.conversations.add_message(question)
            await tx.conversations.save(conversation)
            await tx.commit()
        return conversation, question, history, None, rate

    async def _earlier(
        self, tx: UnitOfWork, workspace_id: WorkspaceId, conversation: Conversation, inp: AskInput
    ) -> Message | None:
        if not inp.client_message_id:
            return None
        return await tx.conversations.find_by_client_id(
            workspace_id, conversation.id, inp.client_message_id
        )

    async def _spend_budgets(self, workspace_id: WorkspaceId, inp: AskInput) -> RateDecision:
        """The caller's budgets (client IP, embed code), then the workspace's: every chat
        message of a workspace, widget or API, shares that one."""
        workspace = Budget(f"workspace:{workspace_id}", self._workspace_limit)
        decisions = []
        for budget in (*inp.budgets, workspace):
            decision = await self._limiter.hit(budget.key, budget.limit)
            if not decision.allowed:
                raise refused(decision, inp.rate_limited_message or _TOO_MANY)
            decisions.append(decision)
        return tightest(decisions)

    async def _take_from_quota(self, tx: UnitOfWork, workspace_id: WorkspaceId) -> None:
        """One message of the month's plan allowance; counted with the message itself, so a
        refused or rolled-back message costs nothing and concurrent ones never overshoot."""
        workspace = found(await tx.workspaces.get(workspace_id), "Workspace")
        limits = self._plans.for_plan(workspace.plan)
        month = billing_month(self._clock.now())
        if not await tx.usage.take_message(workspace_id, month, limits.messages_per_month):
            raise limits.message_quota_exceeded(workspace.plan)

    async def _conversation(
        self, tx: UnitOfWork, workspace_id: WorkspaceId, inp: AskInput
    ) -> Conversation:
        if inp.session_id is not None:
            held = await tx.conversations.get(workspace_id, inp.session_id, for_update=True)
            return found(held, "Conversation")
        conversation = Conversation.start(
            workspace_id, self._clock.now(), inp.embed_code_id, inp.visitor_id
        )
        await tx.conversations.add(conversation)
        return conversation

    async def _draft(
        self, workspace_id: WorkspaceId, question: str, history: list[Message], no_answer: str
    ) -> _Draft:
        query = retrieval_query(question, history)
        found = await self._search.search(workspace_id, query, self._policy.top_k)
        confidence = self._policy.confidence(found)
        if not self._policy.grounded(found):
            return _Draft(no_answer, [], confidence, Action.NO_ANSWER, None)
        passages = passages_of(found)
        turns = [Turn(m.role.value, m.text) for m in history[-self._policy.history_turns :]]
        answer = await self._model.answer(ChatRequest(question, passages, turns))
        # A model can be talked into repeating what a poisoned passage says: scrub it too.
        answer = replace(answer, text=scrub(answer.text, [p.text for p in passages]))
        if not answer.text.strip() or not answer.cited:
            # Nothing left, or an answer that cites no passage: it is not grounded.
            return _Draft(no_answer, [], confidence, Action.NO_ANSWER, answer.model)
        return _Draft(
            answer.text, sources_of(answer, passages), confidence, Action.ANSWERED, answer.model
        )

    async def _record_answer(
        self,
        workspace_id: WorkspaceId,
        session_id: SessionId,
        question: Message,
        draft: _Draft,
        latency_ms: int,
    ) -> tuple[Reply, Message | None]:
        """Under the conversation's lock: a retry that answered first wins, and a person who
        took over meanwhile silences the bot."""
        async with self._uow.tenant(workspace_id) as tx:
            held = await tx.conversations.get(workspace_id, session_id, for_update=True)
            conversation = found(held, "Conversation")
            existing = await tx.conversations.find_reply(workspace_id, session_id, question.id)
            if existing is not None:
                return _reply(session_id, existing), None
            if not conversation.bot_answers:
                return Reply(session_id, question.id, "", [], None, Action.HANDOFF), None
            answer = conversation.answer(
                question,
                draft.text,
                self._clock.now(),
                sources=draft.sources,
                confidence=draft.confidence,
                action=draft.action,
                latency_ms=latency_ms,
                model=draft.model,
            )
            await tx.conversations.add_message(answer)
            await tx.conversations.save(conversation)
            await tx.commit()
        return _reply(session_id, answer), answer


_TOO_MANY = "Too many messages; try again shortly."


def _index(history: list[Message], message: Message) -> int:
    return next((i for i, m in enumerate(history) if m.id == message.id), len(history))


def _reply(session_id: SessionId, message: Message) -> Reply:
    action = message.action or Action.ANSWERED
    return Reply(
        session_id,
        message.id,
        message.text,
        message.sources,
        message.confidence,
        action,
        message=message,
    )
