"""Hybrid search: dense and BM25 scores fused per query, with the weight the question asks for.

No fixed weight wins on every kind of knowledge base (MEASUREMENTS.md, issue 11): where
questions paraphrase their answers (a FAQ), mostly-lexical fusion loses to the embedding;
where they name things (model numbers, error codes, people, places), a small embedding model
cannot tell near-identical pages apart and BM25 must lead. So each query is routed:

- candidates: the best `candidates_per_list` of each retriever, unioned, read with the
  workspace's document frequencies in one call (`Retriever.candidates`: one database round
  trip); a candidate only the keyword search found carries its true cosine, never a guess;
- both scores are standardised over the candidates (z-scores): cosine, and raw BM25 with
  the workspace's document frequencies (kept at ingestion);
- the lexical weight is continuous, set by how flat the embedding's view is: where the
  best candidate's cosine is within `flat_gap` of the tenth best, the embedding cannot tell
  its candidates apart (a catalogue of pages that all read alike, told apart by names and
  codes) and BM25 gets `flat_lexical_weight`; from `distinct_gap` up (the embedding has a
  clear favourite, as for paraphrased FAQ questions) it gets `dense_lexical_weight`;
  linearly in between. A question naming a code (a term with a digit, "E-2047") that is
  rare in the workspace (in at most `rare_share` of its chunks) and that a candidate holds
  gets at least `code_lexical_weight`. The gaps are cosines of all-MiniLM-L6-v2, like
  `answer_min_similarity`: another embedder needs its own.
  Measured and dropped: a rare word "about" a candidate (repeated three times), the rule
  before this one (FAQ -0.005 beside the gap, catalogue 0.952 alone).
- the lexical score is BM25 plus the question's terms standing close together in the
  candidate (`Scoring.proximity`: each pair of its terms within `proximity_window` terms
  of each other adds their mean IDF over the distance): bags of words cannot tell
  "designed by X ... tested by Y" from "designed by Y ... tested by X".

The same settings serve every workspace; figures: README, "Retrieval quality". Scoring
lives here, once, so every Retriever adapter ranks alike.
"""

from __future__ import annotations

import math
import statistics
import weakref
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import structlog

from application.ports.embedder import Embedder
from application.ports.query_map import QueryMaps
from application.ports.reranker import Reranker, RerankerUnavailable
from application.ports.retriever import Candidates, Retriever, TermStatistics
from application.term_positions import RememberedPositions
from domain.ids import ChunkId, WorkspaceId
from domain.knowledge import FoundChunk
from domain.search_terms import TermCounts, raw_words, terms
from domain.term_positions import Positions, close_pairs

# The commonest English function words; other languages keep every word.
_STOP_WORDS_TEXT = """a about an and are as at be by can could do does for from has have how i
    if in is it its me my of on or our please should so than that the their them there these
    they this to us was we what when where which who why will with would you your"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
MAX_TERMS = 16


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    VECTOR = "vector"
    KEYWORD = "keyword"
    RERANKED = "reranked"  # hybrid, then the best few reordered by the Reranker (when on)


def query_terms(query: str) -> list[str]:
    """The question's search terms: stop words dropped (unless that leaves nothing), repeats
    dropped, at most `MAX_TERMS`."""
    found = raw_words(query)
    meaningful = [w for w in found if w not in STOP_WORDS] or found
    return list(dict.fromkeys(terms(" ".join(meaningful))))[:MAX_TERMS]


def informative(query: list[str], stats: TermStatistics) -> list[str]:
    """Terms in at most half of the chunks. A term in more has an IDF near zero, adds almost
    nothing to BM25, and would make the keyword search rank most of the workspace."""
    half = stats.chunks / 2
    kept = [t for t in query if stats.document_frequency.get(t, 0) <= half]
    return kept or query


def keyword_weights(query: list[str], stats: TermStatistics) -> dict[str, float]:
    """How a Retriever ranks its keyword candidates: the IDF of each informative term.
    (The PostgreSQL adapter computes the same in SQL; the contract suite holds them equal.)"""
    return {t: Scoring().idf(t, stats) for t in informative(query, stats)}


# Chunks a keyword search may find through its terms before it stops adding commoner ones
# (which still score the chunks found). Each costs the lookup ~10 us: on the search
# benchmark's 26,143-chunk workspace, 5,000 took the keyword part to 35 ms at p95, 2,000 to
# 22 ms; the shipped eval sets never reach it.
KEYWORD_POSTINGS = 2_000
# Fused rankings remembered (HybridSearch): a few FoundChunks each, sharing their texts.
FUSIONS_REMEMBERED = 1_024


def finding_terms(query: list[str], stats: TermStatistics, postings: int) -> list[str]:
    """Which informative terms find keyword candidates: the rarest first, while the chunks
    holding them stay within `postings` (the rarest always). A common word would otherwise
    make a large workspace's keyword search score most of its chunks, to fill the list's
    tail with chunks that tie on that word; a chunk a rarer term finds still scores the
    weight of every term it holds. In a workspace of a few thousand chunks nothing changes."""
    frequency = stats.document_frequency
    rarest = sorted(
        enumerate(informative(query, stats)), key=lambda t: (frequency.get(t[1], 0), t[0])
    )
    found: list[str] = []
    total = 0
    for _, term in rarest:
        total += frequency.get(term, 0)
        if found and total > postings:
            break
        found.append(term)
    return found


@dataclass(frozen=True, slots=True)
class Scoring:
    # Chosen with `ccgpt eval` on the support corpus, the catalogue and the FAQ together
    # (README, "Retrieval quality").
    dense_lexical_weight: float = 0.1
    flat_lexical_weight: float = 0.5
    code_lexical_weight: float = 0.6
    flat_gap: float = 0.06
    distinct_gap: float = 0.2
    gap_rank: int = 10
    rare_share: float = 0.02
    k1: float = 1.2
    b: float = 0.75
    candidates_per_list: int = 60
    proximity_weight: float = 1.0
    proximity_window: int = 4
    proximity_depth: int = 20
    # The query map's share of a candidate's cosine (`application.ports.query_map`),
    # measured with `python -m benchmarks.query_map` (README, "Retrieval quality").
    map_blend: float = 0.7

    def idf(self, term: str, stats: TermStatistics) -> float:
        total = max(stats.chunks, 1)
        df = min(stats.document_frequency.get(term, 0), total)
        return math.log(1 + (total - df + 0.5) / (df + 0.5))

    def bm25(
        self, query: list[str], bags: Mapping[ChunkId, TermCounts], stats: TermStatistics
    ) -> dict[ChunkId, float]:
        """Raw BM25 of each chunk's term counts; the average length is the candidates'."""
        if not bags:
            return {}
        idf = {term: self.idf(term, stats) for term in query}
        average = sum(bag.length for bag in bags.values()) / len(bags) or 1.0
        scores: dict[ChunkId, float] = {}
        for chunk_id, bag in bags.items():
            norm = self.k1 * (1 - self.b + self.b * bag.length / average)
            scores[chunk_id] = sum(
                idf[t] * bag[t] * (self.k1 + 1) / (bag[t] + norm) for t in query if bag[t]
            )
        return scores

    def proximity(
        self, query: list[str], positions: Mapping[ChunkId, Positions], stats: TermStatistics
    ) -> dict[ChunkId, float]:
        """For each chunk, the pairs of query terms within `proximity_window` of each other:
        their mean IDF over their distance, summed, times `proximity_weight`."""
        idf = {term: self.idf(term, stats) for term in query}
        return {
            chunk_id: self.proximity_weight
            * sum(
                (idf[a] + idf[b]) / 2 / gap
                for a, b, gap in close_pairs(at, query, self.proximity_window)
            )
            for chunk_id, at in positions.items()
        }

    def lexical_weight(
        self,
        query: list[str],
        bags: Mapping[ChunkId, TermCounts],
        stats: TermStatistics,
        cosine: Mapping[ChunkId, float],
    ) -> float:
        """The router: the flatter the embedding's top candidates, the more BM25 leads."""
        best = sorted(cosine.values(), reverse=True)[: self.gap_rank]
        gap = best[0] - best[-1] if best else 0.0
        share = min(1.0, max(0.0, (gap - self.flat_gap) / (self.distinct_gap - self.flat_gap)))
        weight = self.flat_lexical_weight + share * (
            self.dense_lexical_weight - self.flat_lexical_weight
        )
        ceiling = max(1.0, self.rare_share * stats.chunks)
        codes = [
            t
            for t in query
            if any(ch.isdigit() for ch in t) and 0 < stats.document_frequency.get(t, 0) <= ceiling
        ]
        if any(bag[t] for t in codes for bag in bags.values()):
            weight = max(weight, self.code_lexical_weight)
        return weight

    def fuse(
        self,
        cosine: Mapping[ChunkId, float],
        lexical: Mapping[ChunkId, float],
        weight: float,
    ) -> dict[ChunkId, float]:
        """(1 - weight) * z(cosine) + weight * z(BM25), standardised over the candidates."""
        ids = list(cosine)
        dense = _standardised([cosine[i] for i in ids])
        keyword = _standardised([lexical.get(i, 0.0) for i in ids])
        return {
            i: (1 - weight) * d + weight * k for i, d, k in zip(ids, dense, keyword, strict=True)
        }


def _standardised(values: Sequence[float]) -> list[float]:
    if len(values) < 2:
        return [0.0 for _ in values]
    mean, spread = statistics.fmean(values), statistics.pstdev(values)
    return [(v - mean) / spread if spread > 0 else 0.0 for v in values]


log = structlog.get_logger()


class HybridSearch:
    """The one search the API, the chat pipeline and `ccgpt eval` share.

    With a Reranker (off by default), the default mode is RERANKED: the best
    `rerank_depth` fused results are reordered by its scores; when it fails or times out,
    the fused order stands (logged as `reranker.fallback`).

    A fused ranking is remembered with the candidates it was computed from (weakly): a
    retriever that caches (`CachingRetriever`) hands back the same candidates while the
    workspace's knowledge stands, and a repeated question then skips the fusion (scoring
    ~100 candidates in Python cost ~3 ms, a fifth of a repeated question's answer). New
    candidates, or none cached, mean a new fusion.

    With query maps (`application.ports.query_map`), each candidate's cosine is blended with
    its cosine to the mapped question before the router and the fusion; a workspace's map
    arrives after its documents are ready (the idle worker fits it), and a ranking
    remembered before then stands until its candidates change."""

    def __init__(
        self,
        retriever: Retriever,
        embedder: Embedder,
        scoring: Scoring = Scoring(),
        reranker: Reranker | None = None,
        rerank_depth: int = 20,
        query_maps: QueryMaps | None = None,
    ) -> None:
        self._retriever, self._embedder, self._scoring = retriever, embedder, scoring
        self._reranker, self._rerank_depth = reranker, rerank_depth
        self._query_maps = query_maps
        self._positions = RememberedPositions()
        self._fusions: OrderedDict[Hashable, _Fusion] = OrderedDict()

    @property
    def reranking(self) -> bool:
        return self._reranker is not None

    async def search(
        self,
        workspace_id: WorkspaceId,
        query: str,
        top_k: int,
        mode: SearchMode | None = None,
    ) -> list[FoundChunk]:
        if mode is None:
            mode = SearchMode.RERANKED if self._reranker else SearchMode.HYBRID
        if mode is SearchMode.RERANKED and self._reranker is not None:
            depth = max(self._rerank_depth, top_k)
            head = await self.search(workspace_id, query, depth, SearchMode.HYBRID)
            return (await self._reranked(self._reranker, query, head))[:top_k]
        pool = max(self._scoring.candidates_per_list, top_k)
        if mode is SearchMode.VECTOR:
            embedding = await self._embedder.embed_query(query)
            nearest = await self._retriever.nearest(workspace_id, embedding, top_k)
            return [replace(c, similarity=c.score) for c in nearest]
        wanted = query_terms(query)
        if mode is SearchMode.KEYWORD:
            found = await self._retriever.candidates(workspace_id, wanted, None, pool)
            keyword = {c.chunk_id: c for c in found.matching}
            lexical = self._scoring.bm25(wanted, _counts(keyword, found), found.statistics)
            ranked = sorted(keyword.values(), key=lambda c: (-lexical[c.chunk_id], str(c.chunk_id)))
            return [replace(c, score=lexical[c.chunk_id]) for c in ranked][:top_k]
        embedding = await self._embedder.embed_query(query)
        found = await self._retriever.candidates(workspace_id, wanted, embedding, pool)
        return await self._remembered_fusion(workspace_id, wanted, embedding, found, top_k)

    async def _remembered_fusion(
        self,
        workspace_id: WorkspaceId,
        wanted: list[str],
        embedding: list[float],
        found: Candidates,
        top_k: int,
    ) -> list[FoundChunk]:
        key = (workspace_id, tuple(wanted), top_k)
        earlier = self._fusions.get(key)
        if earlier is not None and earlier.candidates() is found:
            self._fusions.move_to_end(key)
            return list(earlier.ranked)
        mapped = await self._mapped(workspace_id, embedding, found)
        ranked = self._fused(wanted, found, top_k, mapped)
        self._fusions[key] = _Fusion(weakref.ref(found), tuple(ranked))
        self._fusions.move_to_end(key)
        if len(self._fusions) > FUSIONS_REMEMBERED:
            self._fusions.popitem(last=False)
        return ranked

    async def _mapped(
        self, workspace_id: WorkspaceId, embedding: list[float], found: Candidates
    ) -> dict[ChunkId, float]:
        """The candidates' cosines to the mapped question; none without a query map, or
        when reading it fails (the search then ranks as it would without one)."""
        if self._query_maps is None:
            return {}
        ids = list(dict.fromkeys(c.chunk_id for c in [*found.nearest, *found.matching]))
        try:
            return await self._query_maps.cosines(workspace_id, embedding, ids)
        except Exception as exc:
            log.warning("query_map.unavailable", error=type(exc).__name__)
            return {}

    def _fused(
        self,
        wanted: list[str],
        found: Candidates,
        top_k: int,
        mapped: Mapping[ChunkId, float] | None = None,
    ) -> list[FoundChunk]:
        chunks = {c.chunk_id: c for c in [*found.matching, *found.nearest]}
        cosine = {c.chunk_id: c.score for c in found.nearest}
        for c in found.matching:  # keyword-only finds carry their true cosine
            if c.chunk_id not in cosine and c.similarity is not None:
                cosine[c.chunk_id] = c.similarity
        chunks = {cid: c for cid, c in chunks.items() if cid in cosine}
        bags, stats = _counts(chunks, found), found.statistics
        lexical = self._scoring.bm25(wanted, bags, stats)
        # Only a chunk holding two asked terms can hold a close pair, and reading positions
        # means tokenising the chunk: the best `proximity_depth` of them by BM25 are read.
        asked = set(wanted)
        paired = sorted(
            (cid for cid in chunks if sum(bool(bags[cid][t]) for t in asked) > 1),
            key=lambda cid: (-lexical[cid], str(cid)),
        )[: self._scoring.proximity_depth]
        near = self._scoring.proximity(
            wanted, self._positions.of({cid: chunks[cid] for cid in paired}), stats
        )
        lexical = {cid: score + near.get(cid, 0.0) for cid, score in lexical.items()}
        # The router and the fusion see the cosine with the query map's share blended in; a
        # result's `similarity` stays the embedder's own (the answer threshold's scale).
        blend = self._scoring.map_blend
        dense = {
            cid: (1 - blend) * value + blend * mapped[cid] if mapped and cid in mapped else value
            for cid, value in cosine.items()
        }
        weight = self._scoring.lexical_weight(wanted, bags, stats, dense)
        fused = self._scoring.fuse(dense, lexical, weight)
        ordered = sorted(fused, key=lambda cid: (-fused[cid], str(cid)))[:top_k]
        return [replace(chunks[cid], score=fused[cid], similarity=cosine[cid]) for cid in ordered]

    async def _reranked(
        self, reranker: Reranker, query: str, fused: list[FoundChunk]
    ) -> list[FoundChunk]:
        documents = [f"{c.heading}\n{c.text}" if c.heading else c.text for c in fused]
        try:
            scores = await reranker.scores(query, documents)
        except RerankerUnavailable as exc:
            log.warning("reranker.fallback", reranker=reranker.name, reason=str(exc)[:200])
            return fused
        order = sorted(range(len(fused)), key=lambda i: (-scores[i], i))
        return [replace(fused[i], score=scores[i]) for i in order]


@dataclass(frozen=True, slots=True)
class _Fusion:
    candidates: weakref.ref[Candidates]
    ranked: tuple[FoundChunk, ...]


def _counts(chunks: Mapping[ChunkId, FoundChunk], found: Candidates) -> dict[ChunkId, TermCounts]:
    return {cid: found.counts[cid] for cid in chunks}
