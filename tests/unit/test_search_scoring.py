"""The scoring rules of hybrid search, independent of any adapter."""

from __future__ import annotations

import uuid

import pytest

from application.ports.retriever import TermStatistics
from application.search import Scoring, informative, query_terms
from domain.ids import ChunkId, DocumentId
from domain.knowledge import FoundChunk


def chunk(text: str, score: float = 0.0) -> FoundChunk:
    return FoundChunk(
        ChunkId(uuid.uuid4()), DocumentId(uuid.uuid4()), "Doc", text, None, None, score
    )


def test_query_terms_drop_function_words_and_repeats() -> None:
    assert query_terms("How do I reset my password, my PASSWORD?") == ["reset", "password"]
    assert query_terms("what is it") == ["what", "is", "it"]  # nothing but stop words: keep them
    assert query_terms("Wie lange dauert der Versand?") == [
        "wie",
        "lange",
        "dauert",
        "der",
        "versand",
    ]


def test_terms_in_most_chunks_are_not_used_to_find_candidates() -> None:
    stats = TermStatistics(100, {"shipping": 80, "canada": 3})
    assert informative(["shipping", "canada"], stats) == ["canada"]
    assert informative(["shipping"], stats) == ["shipping"]


def test_a_rare_term_outweighs_a_common_one() -> None:
    stats = TermStatistics(1000, {"summit": 2, "shipping": 400})
    rare, common, neither = (
        chunk("Summit members get free returns"),
        chunk("shipping times"),
        chunk("hello"),
    )
    scores = Scoring().lexical(["summit", "shipping"], [rare, common, neither], stats)
    assert scores[rare.chunk_id] > scores[common.chunk_id] > scores[neither.chunk_id] == 0.0
    assert all(0.0 <= value <= 1.0 for value in scores.values())


def test_cosine_leads_and_lexical_evidence_breaks_near_ties() -> None:
    clear = chunk("semantic winner", score=0.80)
    tie_a, tie_b = chunk("a", score=0.60), chunk("b", score=0.61)
    lexical = {tie_a.chunk_id: 0.25, clear.chunk_id: 0.0}  # a: 0.60 + 0.2 * 0.25 = 0.65
    ranked = Scoring(lexical_weight=0.2).combine([clear, tie_b, tie_a], [], lexical)
    assert [c.chunk_id for c in ranked] == [clear.chunk_id, tie_a.chunk_id, tie_b.chunk_id]


def test_a_keyword_only_find_starts_from_the_lowest_cosine() -> None:
    dense = [chunk("x", score=0.75), chunk("y", score=0.5)]
    only_keyword = chunk("exact error code E42")
    lexical = {only_keyword.chunk_id: 1.0}
    ranked = Scoring(lexical_weight=0.2).combine(dense, [only_keyword], lexical)
    assert [c.chunk_id for c in ranked] == [
        dense[0].chunk_id,
        only_keyword.chunk_id,
        dense[1].chunk_id,
    ]
    assert ranked[1].score == pytest.approx(0.5 + 0.2)  # the lowest cosine plus its full bonus
