"""A chat model that falls back to another (the extractive one) when it fails."""

from __future__ import annotations

from collections.abc import AsyncIterator

import structlog
from prometheus_client import Counter

from application.ports.chat_model import ChatAnswer, ChatModel, ChatModelUnavailable, ChatRequest

log = structlog.get_logger()
FALLBACKS = Counter("ccgpt_chat_model_fallbacks_total", "Answers given by the fallback model")


class FallbackChatModel:
    """The visitor always gets an answer: when the primary model fails, times out or its
    breaker is open, the fallback (extractive, no server) answers instead."""

    def __init__(self, primary: ChatModel, fallback: ChatModel) -> None:
        self._primary, self._fallback = primary, fallback

    @property
    def name(self) -> str:
        return self._primary.name

    async def answer(self, request: ChatRequest) -> ChatAnswer:
        try:
            return await self._primary.answer(request)
        except ChatModelUnavailable as exc:
            self._record(exc)
            return await self._fallback.answer(request)

    async def stream(self, request: ChatRequest) -> AsyncIterator[str]:
        sent = False
        try:
            async for delta in self._primary.stream(request):
                sent = True
                yield delta
        except ChatModelUnavailable as exc:
            if sent:
                raise  # half an answer is out: the caller decides what the visitor sees
            self._record(exc)
            async for delta in self._fallback.stream(request):
                yield delta

    def _record(self, exc: Exception) -> None:
        FALLBACKS.inc()
        log.warning("chat_model.fallback", primary=self._primary.name, reason=str(exc)[:200])
