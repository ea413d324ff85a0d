"""ChatModel port: composes an answer from retrieved passages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from domain.errors import ServiceUnavailable
from domain.ids import ChunkId, DocumentId, WorkspaceId


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk handed to the model as quoted data, never as instructions."""

    number: int  # 1-based, how answers cite it: [1], [2] ...
    chunk_id: ChunkId
    document_id: DocumentId
    title: str
    text: str
    page: int | None = None
    heading: str | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    role: Literal["visitor", "assistant", "agent"]
    text: str


@dataclass(frozen=True, slots=True)
class ChatRequest:
    question: str
    passages: list[Passage]
    history: list[Turn] = field(default_factory=list)  # oldest first, without the question
    max_output_tokens: int = 400
    workspace_id: WorkspaceId | None = None  # whose passages: for what is stored per tenant


@dataclass(frozen=True, slots=True)
class ChatAnswer:
    text: str
    cited: list[int]  # passage numbers the answer relies on, in order of first use
    model: str


class ChatModelUnavailable(ServiceUnavailable):
    """The model failed, timed out or is switched off by its circuit breaker."""

    title = "Chat model unavailable"


class ChatModel(Protocol):
    """Answers only from the passages; says so when they do not cover the question."""

    @property
    def name(self) -> str: ...

    async def answer(self, request: ChatRequest) -> ChatAnswer:
        """The whole answer; raises ChatModelUnavailable on failure."""
        ...

    def stream(self, request: ChatRequest) -> AsyncIterator[str]:
        """The answer as text deltas; the concatenation equals `answer(...).text`.
        Raises ChatModelUnavailable (possibly after some deltas)."""
        ...
