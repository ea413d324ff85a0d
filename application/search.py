"""Hybrid search: dense similarity, with BM25 over the candidates as a lexical bonus.

Rank fusion (RRF) was measured to lose to dense retrieval alone on real support Q&A
(MEASUREMENTS.md; `ccgpt eval` agreed: MRR 0.58 against 0.666): it forgets how sure each
retriever was. Here cosine similarity stays the backbone, and BM25, computed on the union
of both candidate lists with the workspace's document frequencies and scaled by what the
query could score at most, adds up to `lexical_weight` on top. An exact rare term (a tier
name, an error code) lifts its passage; matching only common words adds little. Scoring
lives here, once, so every Retriever adapter ranks alike. Figures: README, "Retrieval".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from application.ports.embedder import Embedder
from application.ports.retriever import Retriever, TermStatistics
from domain.ids import ChunkId, WorkspaceId
from domain.knowledge import FoundChunk

_WORD = re.compile(r"\w+")
# Full-text search uses the language-neutral 'simple' configuration, so the query drops
# the commonest English function words itself; other languages keep every word.
_STOP_WORDS_TEXT = """a about an and are as at be by can could do does for from has have how i
    if in is it its me my of on or our please should so than that the their them there these
    they this to us was we what when where which who why will with would you your"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
MAX_TERMS = 16


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    VECTOR = "vector"
    KEYWORD = "keyword"


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def query_terms(query: str) -> list[str]:
    found = words(query)
    meaningful = [w for w in found if w not in STOP_WORDS] or found
    return list(dict.fromkeys(meaningful))[:MAX_TERMS]


@dataclass(frozen=True, slots=True)
class Scoring:
    lexical_weight: float = 0.2
    k1: float = 1.2
    b: float = 0.75
    candidates_per_list: int = 40

    def lexical(
        self, terms: list[str], chunks: Iterable[FoundChunk], stats: TermStatistics
    ) -> dict[ChunkId, float]:
        """BM25 divided by the most any passage could score for this query, so in [0, 1]:
        a passage matching only common words gets little even when it is the best match."""
        bags = {c.chunk_id: Counter(words(f"{c.heading or ''} {c.text}")) for c in chunks}
        if not bags:
            return {}
        idf = {term: self._idf(term, stats) for term in terms}
        ceiling = sum(idf.values()) * (self.k1 + 1) or 1.0
        average = sum(sum(bag.values()) for bag in bags.values()) / len(bags) or 1.0
        scores: dict[ChunkId, float] = {}
        for chunk_id, bag in bags.items():
            norm = self.k1 * (1 - self.b + self.b * sum(bag.values()) / average)
            bm25 = sum(
                idf[t] * bag[t] * (self.k1 + 1) / (bag[t] + norm) for t in terms if bag.get(t)
            )
            scores[chunk_id] = bm25 / ceiling
        return scores

    def _idf(self, term: str, stats: TermStatistics) -> float:
        total = max(stats.chunks, 1)
        df = min(stats.document_frequency.get(term, 1), total)
        return math.log(1 + (total - df + 0.5) / (df + 0.5))

    def combine(
        self, vector: list[FoundChunk], keyword: list[FoundChunk], lexical: dict[ChunkId, float]
    ) -> list[FoundChunk]:
        """cosine + lexical_weight * lexical; keyword-only finds get the lowest cosine seen."""
        cosine = {c.chunk_id: c.score for c in vector}
        floor = min(cosine.values(), default=0.0)
        found = {c.chunk_id: c for c in [*keyword, *vector]}
        scored = {
            cid: cosine.get(cid, floor) + self.lexical_weight * lexical.get(cid, 0.0)
            for cid in found
        }
        ordered = sorted(scored, key=lambda cid: (-scored[cid], str(cid)))
        return [
            replace(found[cid], score=scored[cid], similarity=cosine.get(cid)) for cid in ordered
        ]


def informative(terms: list[str], stats: TermStatistics) -> list[str]:
    """Terms in at most half of the chunks. A term in more has an IDF near zero, adds almost
    nothing to BM25, and would make the full-text query rank most of the workspace."""
    half = stats.chunks / 2
    kept = [t for t in terms if stats.document_frequency.get(t, 0) <= half]
    return kept or terms


class HybridSearch:
    """The one search the API, the chat pipeline and `ccgpt eval` share."""

    def __init__(
        self, retriever: Retriever, embedder: Embedder, scoring: Scoring = Scoring()
    ) -> None:
        self._retriever, self._embedder, self._scoring = retriever, embedder, scoring

    async def search(
        self,
        workspace_id: WorkspaceId,
        query: str,
        top_k: int,
        mode: SearchMode = SearchMode.HYBRID,
    ) -> list[FoundChunk]:
        pool = max(self._scoring.candidates_per_list, top_k)
        if mode is SearchMode.VECTOR:
            nearest = (await self._nearest(workspace_id, query, pool))[:top_k]
            return [replace(c, similarity=c.score) for c in nearest]
        terms = query_terms(query)
        stats = await self._retriever.term_statistics(workspace_id, terms)
        keyword = await self._retriever.matching(workspace_id, informative(terms, stats), pool)
        vector = await self._nearest(workspace_id, query, pool) if mode is SearchMode.HYBRID else []
        lexical = self._scoring.lexical(terms, [*keyword, *vector], stats)
        if mode is SearchMode.KEYWORD:
            ranked = sorted(keyword, key=lambda c: (-lexical.get(c.chunk_id, 0.0), str(c.chunk_id)))
            return [replace(c, score=lexical.get(c.chunk_id, 0.0)) for c in ranked][:top_k]
        return self._scoring.combine(vector, keyword, lexical)[:top_k]

    async def _nearest(self, workspace_id: WorkspaceId, query: str, pool: int) -> list[FoundChunk]:
        embedding = await self._embedder.embed_query(query)
        return await self._retriever.nearest(workspace_id, embedding, pool)
