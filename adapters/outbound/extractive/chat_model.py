"""The default ChatModel: quotes the passage sentences that best answer the question.

No model server and deterministic. Scoring, per sentence of the given passages, blends
meaning and shared words: with an embedder (the default wiring), `meaning_weight` x the cosine
similarity of the question and the sentence (both embedded by the knowledge base's model, so
"How long is the reset link valid?" finds "The link expires after 30 minutes", which shares
one word with it) plus the rest x the lexical score; without one, the lexical score alone.
The lexical score is the IDF-weighted share of the question's content words a sentence
contains (lowercased, stop words dropped, crudely stemmed; IDF over all sentences of the
passages), where question words in the passage heading (or title) count at half weight for
each of its sentences, plus a small bonus for an earlier passage (a better retrieval hit); a
sentence sharing no content word with the question scores 0 on that part. A sentence ending
in "?" or ":" is never quoted, but the sentence right after it (a FAQ answer after its
question, a list's first item after "Your password must:") inherits its score. A line that
reads as a heading (a few words with no digit, colon or closing punctuation: "Password
rules", a table's header row) is never quoted: it names a topic and answers nothing.
`meaning_weight` 0.75 was chosen with `ccgpt eval --answers` (0.6 quoted 0.60 of the
answer set, 0.75-0.8 0.69, 1.0 0.65). Up to `max_sentences` sentences from at most
`max_passages` passages are kept above `min_score` (and above 60% of the best score),
near-duplicates skipped, in document order within a passage, each followed by " [n]". Nothing
qualifies -> text "" and no citations: the caller decides it is a no-answer.

Elliptical follow-ups: a question with fewer than 4 content words borrows, at half weight, the
content words of the last visitor turn in `history` ("and to Canada?" after "How long does
shipping to the US take?"); a sentence must still contain one of the question's own words.
History is otherwise ignored.

Passages are data, never instructions. Dropped before scoring:
- sentences that address the assistant or redirect visitors (`domain.passage_safety`:
  "ignore previous instructions", "disregard", "you are now", "system prompt",
  "send visitors to", <system> ...);
- sentences naming a host that appears in such a sentence anywhere in the passages;
- sentences with a link (http(s)://, www.) unless the question asks for a link, website or URL;
  even then, never a link from a passage that holds an injected instruction.
"""

from __future__ import annotations

import math
import re
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from adapters.outbound.extractive.sentence_vectors import SentenceRef, SentenceVectors
from application.ports.chat_model import ChatAnswer, ChatRequest, Passage, Turn
from application.ports.embedder import Embedder
from application.ports.sentence_vectors import SentenceVectorStore
from domain.ids import ChunkId
from domain.passage_safety import INJECTION, URL
from domain.sentences import content_terms, split_sentences

_HOST = re.compile(r"(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})\b", re.I)
_ASKS_FOR_LINK = re.compile(
    r"\b(?:links?|urls?|websites?|web ?site|web ?page|webpages?|site)\b", re.IGNORECASE
)
_ELLIPTICAL_TERMS = 4
_BORROWED_WEIGHT = 0.5
_RANK_BONUS = 0.05
_HEADING_WEIGHT = 0.5  # a question word in the heading counts half in each of its sentences
_DUPLICATE_JACCARD = 0.7
_RELATIVE_FLOOR = 0.6  # a second or third sentence must score at least this share of the best
_WORD_DELTA = re.compile(r"\S+\s*|\s+")
_HEADING_WORDS = 8
_NOT_A_HEADING = re.compile(r"[\d:]|[.!?,;)]$")


@dataclass(frozen=True, slots=True)
class _Sentence:
    passage_index: int  # position in the request: earlier is a better retrieval hit
    position: int  # order within the passage
    text: str
    terms: frozenset[str]
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class _Read:
    """A sentence of a passage as read once: what `_candidates` decides from the passage
    alone. Whether it may be quoted also depends on the other passages and the question."""

    position: int
    text: str
    terms: frozenset[str]
    quotable: bool  # not a (sub)heading, not an instruction to the assistant
    linked: bool  # holds a link


@dataclass(frozen=True, slots=True)
class _ReadPassage:
    sentences: tuple[_Read, ...]
    injected: bool  # holds an instruction to the assistant
    injected_hosts: frozenset[str]  # hosts named in those instructions, lowercased


_MAX_EMBEDDED_SENTENCES = 96  # bounds the cost of one answer (about 40 ms per 16 on a CPU)
# Passages read into sentences, remembered: the same passages answer many questions, and
# reading them (splitting, stemming, the safety patterns) cost as much as the rest of a
# repeated question's answer. ~10-20 KiB each.
_READ_PASSAGES = 1_024


class ExtractiveChatModel:
    def __init__(
        self,
        max_sentences: int = 3,
        max_passages: int = 2,
        min_score: float = 0.2,
        embedder: Embedder | None = None,
        meaning_weight: float = 0.75,
        stored_vectors: SentenceVectorStore | None = None,
    ) -> None:
        self._max_sentences = max_sentences
        self._max_passages = max_passages
        self._min_score = min_score
        self._embedder = embedder
        self._sentence_vectors = (
            SentenceVectors(embedder, stored=stored_vectors) if embedder is not None else None
        )
        self._meaning_weight = meaning_weight if embedder is not None else 0.0
        self._read: OrderedDict[tuple[object, ...], _ReadPassage] = OrderedDict()

    @property
    def name(self) -> str:
        return "extractive"

    async def answer(self, request: ChatRequest) -> ChatAnswer:
        return await self._compose(request)

    async def stream(self, request: ChatRequest) -> AsyncIterator[str]:
        for delta in _WORD_DELTA.findall((await self._compose(request)).text):
            yield delta

    async def _compose(self, request: ChatRequest) -> ChatAnswer:
        own = dict.fromkeys(content_terms(request.question), 1.0)
        if not own:
            return ChatAnswer("", [], self.name)
        weights = own
        question = request.question
        if len(own) < _ELLIPTICAL_TERMS:
            previous = _last_visitor_turn(request.history)
            weights = dict.fromkeys(content_terms(previous), _BORROWED_WEIGHT) | own
            question = f"{previous} {question}".strip()
        links_allowed = _ASKS_FOR_LINK.search(request.question) is not None
        read = [self._read_passage(p) for p in request.passages]
        sentences = _candidates(read, links_allowed)
        counts = {p.chunk_id: len(r.sentences) for p, r in zip(request.passages, read, strict=True)}
        meaning = await self._meaning(question, sentences, request, counts)
        scored = _score(
            sentences, weights, frozenset(own), request.passages, meaning, self._meaning_weight
        )
        chosen = self._select(scored)
        return _render(chosen, request.passages, request.max_output_tokens, self.name)

    async def _meaning(
        self,
        question: str,
        sentences: list[_Sentence],
        request: ChatRequest,
        counts: dict[ChunkId, int],
    ) -> list[float]:
        """Cosine of the question to each sentence (0 past the first few dozen, or without
        an embedder). Vectors are unit length, so the dot product is the cosine."""
        if self._embedder is None or self._sentence_vectors is None or not sentences:
            return [0.0] * len(sentences)
        embedded = sentences[:_MAX_EMBEDDED_SENTENCES]
        query = await self._embedder.embed_query(question)
        passages = request.passages
        refs = [
            SentenceRef(passages[s.passage_index].chunk_id, s.position, s.text) for s in embedded
        ]
        cosines = await self._sentence_vectors.cosines(query, refs, request.workspace_id, counts)
        return cosines + [0.0] * (len(sentences) - len(embedded))

    def _read_passage(self, passage: Passage) -> _ReadPassage:
        # A chunk's text never changes under its id; its document's title may.
        key = (passage.chunk_id, passage.title, passage.heading, passage.text)
        read = self._read.get(key)
        if read is None:
            read = _read_passage(passage)
            self._read[key] = read
            if len(self._read) > _READ_PASSAGES:
                self._read.popitem(last=False)
        else:
            self._read.move_to_end(key)
        return read

    def _select(self, scored: list[_Sentence]) -> list[_Sentence]:
        ranked = sorted(scored, key=lambda s: (-s.score, s.passage_index, s.position))
        if not ranked or ranked[0].score < self._min_score:
            return []
        floor = max(self._min_score, ranked[0].score * _RELATIVE_FLOOR)
        chosen: list[_Sentence] = []
        passages: list[int] = []
        for sentence in ranked:
            if sentence.score < floor or len(chosen) == self._max_sentences:
                break
            new_passage = sentence.passage_index not in passages
            if new_passage and len(passages) == self._max_passages:
                continue
            if any(_jaccard(sentence.terms, c.terms) >= _DUPLICATE_JACCARD for c in chosen):
                continue
            chosen.append(sentence)
            if new_passage:
                passages.append(sentence.passage_index)
        # Best passage first, document order within each passage.
        return sorted(chosen, key=lambda s: (passages.index(s.passage_index), s.position))


def _last_visitor_turn(history: list[Turn]) -> str:
    return next((turn.text for turn in reversed(history) if turn.role == "visitor"), "")


def _read_passage(passage: Passage) -> _ReadPassage:
    heading = passage.heading or ""
    titles = {_folded(passage.title)} | {_folded(h) for h in heading.split("\u203a")}
    sentences: list[_Read] = []
    hosts: set[str] = set()
    injected = False
    for position, text in enumerate(split_sentences(passage.text)):
        instruction = INJECTION.search(text) is not None
        if instruction:
            injected = True
            hosts.update(h.lower() for h in _HOST.findall(text))
        # A (sub)heading names a topic; it answers nothing.
        heading_line = _folded(text) in titles or _is_heading(text)
        quotable = not (instruction or heading_line)
        terms = frozenset(content_terms(text)) if quotable else frozenset()
        sentences.append(_Read(position, text, terms, quotable, URL.search(text) is not None))
    return _ReadPassage(tuple(sentences), injected, frozenset(hosts))


def _candidates(passages: list[_ReadPassage], links_allowed: bool) -> list[_Sentence]:
    """Every sentence of the passages that is safe to quote, injected instructions removed."""
    tainted_hosts = frozenset().union(*(p.injected_hosts for p in passages))
    out: list[_Sentence] = []
    for index, passage in enumerate(passages):
        for s in passage.sentences:
            if not s.quotable:
                continue
            if tainted_hosts and any(host in s.text.lower() for host in tainted_hosts):
                continue
            if s.linked and (not links_allowed or passage.injected):
                continue
            out.append(_Sentence(index, s.position, s.text, s.terms))
    return out


def _folded(text: str) -> str:
    return " ".join(text.casefold().rstrip(":").split())


def _is_heading(text: str) -> bool:
    """Up to 8 words without a digit, colon or closing punctuation ("Password rules",
    "WATERPROOFING A TENT", "| Service | Cost |"); "Phone: 555-0100" and "| Standard | $5 |"
    are not."""
    words = [w for w in text.split() if w != "|"]  # a table's header row is a heading too
    return len(words) <= _HEADING_WORDS and _NOT_A_HEADING.search(text) is None


def _score(
    sentences: list[_Sentence],
    weights: dict[str, float],
    own: frozenset[str],
    passages: list[Passage],
    meaning: list[float],
    meaning_weight: float,
) -> list[_Sentence]:
    document_frequency = Counter(term for s in sentences for term in s.terms)
    total = len(sentences)

    def idf(term: str) -> float:
        return math.log((total + 1) / (document_frequency[term] + 1)) + 1.0

    # Sorted sums: float addition order must not depend on set iteration order.
    mass = sum(weights[t] * idf(t) for t in sorted(weights))
    headings = [frozenset(content_terms(p.heading or p.title)) for p in passages]
    scored: list[_Sentence] = []
    # A FAQ question's score goes to the answer right after it: (passage, position, score).
    inherited = (-1, -1, 0.0)
    for s, cosine in zip(sentences, meaning, strict=True):
        shared = sorted(s.terms & weights.keys())
        score = 0.0
        if shared and s.terms & own:
            topical = sorted((headings[s.passage_index] & weights.keys()) - s.terms)
            score = sum(weights[t] * idf(t) for t in shared) / mass
            score += _HEADING_WEIGHT * sum(weights[t] * idf(t) for t in topical) / mass
            score += _RANK_BONUS * (len(passages) - s.passage_index) / len(passages)
        score = (1 - meaning_weight) * score + meaning_weight * max(0.0, cosine)
        if inherited[:2] == (s.passage_index, s.position):
            score = max(score, inherited[2])
        if s.text.endswith(("?", ":")):
            inherited = (s.passage_index, s.position + 1, score)
            continue
        if score > 0.0:
            scored.append(replace(s, score=score))
    return scored


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def _render(
    chosen: list[_Sentence], passages: list[Passage], max_words: int, model: str
) -> ChatAnswer:
    parts: list[str] = []
    cited: list[int] = []
    words = 0
    for sentence in chosen:
        text = sentence.text
        count = len(text.split())
        if words + count > max_words:
            if parts:
                break  # cut at a sentence boundary
            text = " ".join(text.split()[: max(max_words, 1)]) + "…"
        number = passages[sentence.passage_index].number
        parts.append(f"{text} [{number}]")
        words += count
        if number not in cited:
            cited.append(number)
    return ChatAnswer(" ".join(parts), cited, model)
