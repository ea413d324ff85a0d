"""How an answer is drafted: retrieve passages for the question (with its context), decide
whether they ground an answer, let the chat model write it, and keep it only if it cites
what it used. Nothing is stored here.

With `on_text`, the answer streams: the model's deltas are released a sentence at a time,
each sentence scrubbed first (the scrub is sentence by sentence, so streaming shows the
visitor nothing the whole answer would not), and the released text is the answer."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from application.answering import (
    AnswerPolicy,
    parse_citations,
    passages_of,
    retrieval_query,
    sources_of,
)
from application.ports.chat_model import ChatAnswer, ChatModel, ChatRequest, Passage, Turn
from application.search import HybridSearch
from application.turns import Turns
from domain.conversations import Action, Message, Source
from domain.ids import WorkspaceId
from domain.passage_safety import Scrubber, scrub

TextSink = Callable[[str], Awaitable[None]]
# A sentence is released once its end is followed by more text: ". ", "? ", "!\n" ...
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    sources: list[Source]
    confidence: float
    action: Action
    model: str | None


class Drafting:
    def __init__(
        self,
        search: HybridSearch,
        model: ChatModel,
        policy: AnswerPolicy,
        turns: Turns | None = None,
    ) -> None:
        self._search, self._model, self._policy = search, model, policy
        self._turns = turns or Turns()

    async def draft(
        self,
        workspace_id: WorkspaceId,
        question: str,
        history: list[Message],
        no_answer: str,
        on_text: TextSink | None = None,
    ) -> Draft:
        query = retrieval_query(question, history)
        async with self._turns.turn():
            found = await self._search.search(workspace_id, query, self._policy.top_k)
        confidence = self._policy.confidence(found)
        if not self._policy.grounded(found):
            return Draft(no_answer, [], confidence, Action.NO_ANSWER, None)
        passages = passages_of(found)
        turns = [Turn(m.role.value, m.text) for m in history[-self._policy.history_turns :]]
        request = ChatRequest(question, passages, turns, workspace_id=workspace_id)
        if on_text is None:
            answer = await self._model.answer(request)
            # A model can be talked into repeating what a poisoned passage says: scrub it too.
            answer = replace(answer, text=scrub(answer.text, [p.text for p in passages]))
        else:
            answer = await self._streamed(request, passages, on_text)
        if not answer.text.strip() or not answer.cited:
            # Nothing left, or an answer that cites no passage: it is not grounded.
            return Draft(no_answer, [], confidence, Action.NO_ANSWER, answer.model)
        sources = sources_of(answer, passages)
        return Draft(answer.text, sources, confidence, Action.ANSWERED, answer.model)

    async def _streamed(
        self, request: ChatRequest, passages: list[Passage], on_text: TextSink
    ) -> ChatAnswer:
        scrubber = Scrubber([p.text for p in passages])
        released: list[str] = []
        pending = ""

        async def release(sentence: str) -> None:
            clean = scrubber.scrub(sentence)
            if clean.strip():
                released.append(clean)
                await on_text(clean)

        async for delta in self._model.stream(request):
            pending += delta
            *complete, pending = _SENTENCE_END.split(pending)
            for sentence in complete:
                await release(sentence + " ")
        if pending.strip():
            await release(pending)
        text = "".join(released)
        return ChatAnswer(text, parse_citations(text, len(passages)), self._model.name)
