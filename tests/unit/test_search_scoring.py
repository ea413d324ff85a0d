"""The scoring rules of hybrid search, independent of any adapter."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace

import pytest

from application.ports.retriever import Candidates, TermStatistics
from application.search import (
    HybridSearch,
    Scoring,
    SearchMode,
    informative,
    query_terms,
)
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import FoundChunk
from domain.search_terms import TermCounts, chunk_term_counts, stem, terms
from tests.unit.search_fakes import OneVectorEmbedder, counted


def chunk(text: str, score: float = 0.0) -> FoundChunk:
    return FoundChunk(
        ChunkId(uuid.uuid4()), DocumentId(uuid.uuid4()), "Doc", text, None, None, score
    )


def test_codes_stay_whole_and_their_parts_are_terms_too() -> None:
    assert terms("Error E-2047 needs firmware 4.5.4") == [
        "error",
        "e-2047",
        "e",
        "2047",
        "need",
        "firmwar",
        "4.5.4",
        "4",
        "5",
        "4",
    ]


def test_light_stemming_joins_plurals_and_verb_forms() -> None:
    assert {stem(w) for w in ["expire", "expires", "expired", "expiring"]} == {"expir"}
    assert {stem(w) for w in ["reset", "resets", "resetting"]} == {"reset"}
    assert {stem(w) for w in ["battery", "batteries"]} == {"battery"}
    assert stem("bus") == "bus" and stem("x2000s") == "x2000s" and stem("is") == "is"


def test_query_terms_drop_function_words_and_repeats() -> None:
    assert query_terms("How do I reset my password, my PASSWORD?") == ["reset", "password"]
    assert query_terms("what is it") == ["what", "is", "it"]  # nothing but stop words: keep them
    assert query_terms("What does E-2047 mean?") == ["e-2047", "e", "2047", "mean"]


def test_terms_in_most_chunks_are_not_used_to_find_candidates() -> None:
    stats = TermStatistics(100, {"shipping": 80, "canada": 3})
    assert informative(["shipping", "canada"], stats) == ["canada"]
    assert informative(["shipping"], stats) == ["shipping"]


def test_a_rare_term_outweighs_a_common_one() -> None:
    stats = TermStatistics(1000, {"summit": 2, "ship": 400})
    rare, common, neither = (
        chunk("Summit members get free returns"),
        chunk("shipping times"),
        chunk("hello"),
    )
    asked = ["summit", "ship"]
    scores = Scoring().bm25(asked, counted((rare, common, neither), asked), stats)
    assert scores[rare.chunk_id] > scores[common.chunk_id] > scores[neither.chunk_id] == 0.0


def bags(*texts: str) -> dict[ChunkId, TermCounts]:
    return {
        chunk(text).chunk_id: TermCounts(len(terms(text)), Counter(terms(text))) for text in texts
    }


def cosines(*values: float) -> dict[ChunkId, float]:
    return {ChunkId(uuid.UUID(int=i)): v for i, v in enumerate(values)}


def test_the_router_lets_keywords_lead_where_the_embedding_sees_no_difference() -> None:
    scoring = Scoring(
        dense_lexical_weight=0.1, flat_lexical_weight=0.5, flat_gap=0.06, distinct_gap=0.2
    )
    stats = TermStatistics(1000, {"pump": 3, "ship": 300})
    lexical = bags("pump", "ship")
    # Pages that all read alike: the best ten cosines within 0.05 of each other.
    flat = cosines(*(0.62 - 0.005 * i for i in range(12)))
    # A clear favourite: the tenth best 0.3 below the best.
    distinct = cosines(0.8, 0.7, 0.65, 0.6, 0.58, 0.56, 0.54, 0.52, 0.51, 0.5, 0.3)
    halfway = cosines(0.63, *(0.6 for _ in range(8)), 0.5)
    assert scoring.lexical_weight(["pump"], lexical, stats, flat) == 0.5
    assert scoring.lexical_weight(["pump"], lexical, stats, distinct) == pytest.approx(0.1)
    assert scoring.lexical_weight(["pump"], lexical, stats, halfway) == pytest.approx(0.3)
    assert scoring.lexical_weight(["pump"], lexical, stats, {}) == 0.5


def test_a_rare_code_a_candidate_holds_gives_the_keywords_weight_anyway() -> None:
    scoring = Scoring(dense_lexical_weight=0.1, code_lexical_weight=0.6, rare_share=0.01)
    stats = TermStatistics(1000, {"e-2047": 1, "e-1000": 40, "pump": 3})
    distinct = cosines(0.8, 0.7, 0.65, 0.6, 0.58, 0.56, 0.54, 0.52, 0.51, 0.5, 0.3)
    weight = scoring.lexical_weight
    assert weight(["e-2047"], bags("pump E-2047"), stats, distinct) == 0.6
    # Not held by a candidate, too common to name one thing, or no digit: no say.
    assert weight(["e-2047"], bags("pump"), stats, distinct) == pytest.approx(0.1)
    assert weight(["e-1000"], bags("E-1000"), stats, distinct) == pytest.approx(0.1)
    assert weight(["pump"], bags("pump pump pump"), stats, distinct) == pytest.approx(0.1)


def test_fusion_standardises_both_scores_over_the_candidates() -> None:
    a, b, c = (ChunkId(uuid.UUID(int=i)) for i in range(3))
    cosine = {a: 0.9, b: 0.5, c: 0.1}
    lexical = {a: 0.0, b: 0.0, c: 30.0}
    dense_led = Scoring().fuse(cosine, lexical, 0.15)
    keyword_led = Scoring().fuse(cosine, lexical, 0.6)
    assert max(dense_led, key=dense_led.__getitem__) == a
    assert max(keyword_led, key=keyword_led.__getitem__) == c
    assert sum(dense_led.values()) == pytest.approx(0.0)


class _Retriever:
    """Two candidate lists that overlap in one chunk; one chunk only the keywords find."""

    def __init__(self, dense: list[FoundChunk], keyword: list[FoundChunk]) -> None:
        self.dense, self.keyword = dense, keyword
        self.calls = 0

    async def nearest(self, ws: WorkspaceId, vector: list[float], limit: int) -> list[FoundChunk]:
        return self.dense[:limit]

    async def candidates(
        self, ws: WorkspaceId, wanted: list[str], vector: list[float] | None, limit: int
    ) -> Candidates:
        self.calls += 1
        stats = TermStatistics(100, {"e-2047": 1, "e": 1, "2047": 1, "pump": 10})
        nearest = [replace(c, similarity=c.score) for c in self.dense[:limit]] if vector else []
        cosine = None if vector is None else 0.42
        matching = [replace(c, similarity=cosine) for c in self.keyword[:limit]]
        return Candidates(stats, nearest, matching, counted([*nearest, *matching], wanted))


async def test_a_keyword_only_hit_carries_its_true_cosine_and_can_lead() -> None:
    dense = [chunk("pump manual", 0.70), chunk("pump safety", 0.65), chunk("warranty", 0.6)]
    code = chunk("E-2047: the pump is blocked")
    retriever = _Retriever(dense, [code, dense[0]])
    search = HybridSearch(retriever, OneVectorEmbedder())  # type: ignore[arg-type]
    found = await search.search(WorkspaceId(uuid.uuid4()), "what is E-2047", 3)
    assert retriever.calls == 1  # one call: statistics, both lists and their cosines
    assert found[0].chunk_id == code.chunk_id and found[0].similarity == 0.42
    assert [f.similarity for f in found[1:]] == [0.70, 0.65]
    keyword = await search.search(WorkspaceId(uuid.uuid4()), "E-2047", 3, SearchMode.KEYWORD)
    assert keyword[0].chunk_id == code.chunk_id


def test_term_counts_are_the_chunk_terms_counted_in_their_order() -> None:
    bag = chunk_term_counts("Pumps", "The pump E-2047: the pumps")
    assert list(bag) == ["pump", "the", "e-2047", "e", "2047"]
    assert list(bag.values()) == [3, 2, 1, 1, 1]
    held = TermCounts.of(bag, ["pump", "hose", "e-2047"])
    assert (held.length, held["pump"], held["hose"], held["e-2047"]) == (8, 3, 0, 1)
