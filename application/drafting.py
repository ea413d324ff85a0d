"""How an answer is drafted: retrieve passages for the question (with its context), decide
whether they ground an answer, let the chat model write it, and keep it only if it cites
what it used. Nothing is stored here."""

from __future__ import annotations

from dataclasses import dataclass, replace

from application.answering import AnswerPolicy, passages_of, retrieval_query, sources_of
from application.ports.chat_model import ChatModel, ChatRequest, Turn
from application.search import HybridSearch
from domain.conversations import Action, Message, Source
from domain.ids import WorkspaceId
from domain.passage_safety import scrub


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    sources: list[Source]
    confidence: float
    action: Action
    model: str | None


class Drafting:
    def __init__(self, search: HybridSearch, model: ChatModel, policy: AnswerPolicy) -> None:
        self._search, self._model, self._policy = search, model, policy

    async def draft(
        self, workspace_id: WorkspaceId, question: str, history: list[Message], no_answer: str
    ) -> Draft:
        query = retrieval_query(question, history)
        found = await self._search.search(workspace_id, query, self._policy.top_k)
        confidence = self._policy.confidence(found)
        if not self._policy.grounded(found):
            return Draft(no_answer, [], confidence, Action.NO_ANSWER, None)
        passages = passages_of(found)
        turns = [Turn(m.role.value, m.text) for m in history[-self._policy.history_turns :]]
        answer = await self._model.answer(ChatRequest(question, passages, turns))
        # A model can be talked into repeating what a poisoned passage says: scrub it too.
        answer = replace(answer, text=scrub(answer.text, [p.text for p in passages]))
        if not answer.text.strip() or not answer.cited:
            # Nothing left, or an answer that cites no passage: it is not grounded.
            return Draft(no_answer, [], confidence, Action.NO_ANSWER, answer.model)
        sources = sources_of(answer, passages)
        return Draft(answer.text, sources, confidence, Action.ANSWERED, answer.model)
