"""Hybrid search: vector and full-text candidates, fused by weighted reciprocal rank."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from application.ports.embedder import Embedder
from application.ports.retriever import Retriever
from domain.ids import ChunkId, WorkspaceId
from domain.knowledge import FoundChunk

_WORD = re.compile(r"\w+")
# Full-text search uses the language-neutral 'simple' configuration, so the query drops
# the commonest English function words itself; other languages keep every word.
_STOP_WORDS_TEXT = """a about an and are as at be by can could do does for from has have how i
    if in is it its me my of on or our please should so than that the their them there these
    they this to us was we what when where which who why will with would you your"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
MAX_TERMS = 32


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    VECTOR = "vector"
    KEYWORD = "keyword"


@dataclass(frozen=True, slots=True)
class Fusion:
    """Reciprocal-rank fusion: score = sum of weight / (k + rank) over the lists."""

    vector_weight: float = 1.0
    keyword_weight: float = 0.5
    k: int = 60
    candidates_per_list: int = 40

    def fuse(self, vector: list[FoundChunk], keyword: list[FoundChunk]) -> list[FoundChunk]:
        scores: dict[ChunkId, float] = {}
        found: dict[ChunkId, FoundChunk] = {}
        for weight, ranking in ((self.vector_weight, vector), (self.keyword_weight, keyword)):
            for rank, chunk in enumerate(ranking, start=1):
                scores[chunk.chunk_id] = scores.get(chunk.chunk_id, 0.0) + weight / (self.k + rank)
                found.setdefault(chunk.chunk_id, chunk)
        ordered = sorted(scores, key=lambda cid: (-scores[cid], str(cid)))
        return [replace(found[cid], score=scores[cid]) for cid in ordered]


def query_terms(query: str) -> list[str]:
    words = [w.lower() for w in _WORD.findall(query)]
    meaningful = [w for w in words if w not in STOP_WORDS] or words
    return list(dict.fromkeys(meaningful))[:MAX_TERMS]


class HybridSearch:
    """The one search the API, the chat pipeline and `ccgpt eval` share."""

    def __init__(self, retriever: Retriever, embedder: Embedder, fusion: Fusion = Fusion()) -> None:
        self._retriever, self._embedder, self._fusion = retriever, embedder, fusion

    async def search(
        self,
        workspace_id: WorkspaceId,
        query: str,
        top_k: int,
        mode: SearchMode = SearchMode.HYBRID,
    ) -> list[FoundChunk]:
        pool = max(self._fusion.candidates_per_list, top_k)
        vector: list[FoundChunk] = []
        keyword: list[FoundChunk] = []
        if mode is not SearchMode.KEYWORD:
            embedding = await self._embedder.embed_query(query)
            vector = await self._retriever.nearest(workspace_id, embedding, pool)
        if mode is not SearchMode.VECTOR:
            keyword = await self._retriever.matching(workspace_id, query_terms(query), pool)
        if mode is SearchMode.VECTOR:
            return vector[:top_k]
        if mode is SearchMode.KEYWORD:
            return keyword[:top_k]
        return self._fusion.fuse(vector, keyword)[:top_k]
