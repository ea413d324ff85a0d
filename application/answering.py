"""How retrieval evidence becomes a confident answer, a no-answer, and its sources."""

from __future__ import annotations

import re
from dataclasses import dataclass

from application.ports.chat_model import ChatAnswer, Passage
from application.search import query_terms
from domain.conversations import Message, Role, Source
from domain.knowledge import FoundChunk
from domain.passage_safety import has_link, scrub
from domain.sentences import split_sentences

SNIPPET_CHARS = 240
CITATION = re.compile(r"\[(\d{1,6}(?:\s*,\s*\d{1,6})*)\]")
DEFAULT_NO_ANSWER = (
    "I'm sorry, I couldn't find that in our help articles. "
    "Could you rephrase it, or would you like to talk to a person?"
)


@dataclass(frozen=True, slots=True)
class AnswerPolicy:
    """`min_similarity` was calibrated on the shipped support corpus with all-MiniLM-L6-v2:
    off-topic questions reached at most 0.28, on-topic ones 0.42 at the 10th percentile."""

    min_similarity: float = 0.32
    full_confidence_similarity: float = 0.55
    zero_confidence_similarity: float = 0.25
    top_k: int = 5
    history_turns: int = 6

    def confidence(self, found: list[FoundChunk]) -> float:
        best = max((c.similarity or 0.0 for c in found), default=0.0)
        span = self.full_confidence_similarity - self.zero_confidence_similarity
        return round(min(1.0, max(0.0, (best - self.zero_confidence_similarity) / span)), 3)

    def grounded(self, found: list[FoundChunk]) -> bool:
        return max((c.similarity or 0.0 for c in found), default=0.0) >= self.min_similarity


def retrieval_query(question: str, history: list[Message]) -> str:
    """A short follow-up ("and to Canada?") is searched together with the previous question."""
    if len(query_terms(question)) >= 4:
        return question
    earlier = next((m.text for m in reversed(history) if m.role is Role.VISITOR), None)
    return f"{earlier} {question}" if earlier else question


def passages_of(found: list[FoundChunk]) -> list[Passage]:
    return [
        Passage(n, c.chunk_id, c.document_id, c.document_title, c.text, c.page, c.heading)
        for n, c in enumerate(found, start=1)
    ]


def sources_of(answer: ChatAnswer, passages: list[Passage]) -> list[Source]:
    """The cited passages, one source per document, in order of citation."""
    by_number = {p.number: p for p in passages}
    sources: list[Source] = []
    for number in answer.cited:
        passage = by_number.get(number)
        if passage and all(s.document_id != passage.document_id for s in sources):
            sources.append(
                Source(passage.document_id, passage.title, snippet(passage.text), passage.page)
            )
    return sources


def snippet(text: str) -> str:
    """The passage's opening sentences, leaving out any that carry instructions or links:
    a poisoned document must not reach the visitor through its snippet either."""
    safe = [s for s in split_sentences(scrub(text, [text])) if not has_link(s)]
    flat = " ".join(" ".join(safe).split())
    if len(flat) <= SNIPPET_CHARS:
        return flat
    return flat[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"


def parse_citations(text: str, passage_count: int) -> list[int]:
    """Passage numbers cited as [n] (or [n, m]) that exist, in order of first use."""
    cited: list[int] = []
    for match in CITATION.finditer(text):
        for raw in match.group(1).split(","):
            number = int(raw)
            if 1 <= number <= passage_count and number not in cited:
                cited.append(number)
    return cited
