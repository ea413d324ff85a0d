"""Hybrid search counts a question's terms standing close together in a passage."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from application.ports.retriever import Candidates, TermStatistics
from application.search import HybridSearch, Scoring, query_terms
from application.term_positions import RememberedPositions
from domain.ids import ChunkId, DocumentId, WorkspaceId
from domain.knowledge import FoundChunk
from domain.term_positions import close_pairs, distance, positions_of
from tests.unit.search_fakes import OneVectorEmbedder, counted

# Two pages of the shipped catalogue (benchmarks/catalogue), as they read.
DESIGNED_BY_BRUNO = (
    "The OS-6318 is a jigsaw from the Osprey range for curved cuts. It was designed by "
    "Bruno Jankowski at our workshop in Porto and field-tested by Dmitri Zamora."
)
TESTED_BY_BRUNO = (
    "The PE-4773 is a jigsaw from the Petrel range for curved cuts. It was designed by "
    "Dmitri Wojcik at our workshop in Porto and field-tested by Bruno Jankowski."
)
QUESTION = "is Bruno Jankowski the person who tested the jigsaw?"


def test_positions_follow_the_terms_as_keyword_search_reads_them() -> None:
    at = positions_of("Pumps: the pump, field-tested")
    assert at["pump"] == (0, 2) and at["the"] == (1,)
    assert at["field-tested"] == (3,) and at["field"] == (4,) and at["test"] == (5,)


def test_distance_is_the_least_gap_between_any_two_occurrences() -> None:
    assert distance((0, 9, 30), (14, 27)) == 3
    assert distance((5,), (1, 2, 40)) == 3


def test_only_distinct_query_terms_within_the_window_pair_up() -> None:
    at = positions_of(TESTED_BY_BRUNO)
    wanted = query_terms(QUESTION)
    assert set(close_pairs(at, wanted, window=4)) == {
        ("bruno", "jankowski", 1),
        ("bruno", "test", 2),
        ("jankowski", "test", 3),
    }
    assert set(close_pairs(positions_of(DESIGNED_BY_BRUNO), wanted, window=4)) == {
        ("bruno", "jankowski", 1)
    }
    assert close_pairs(at, ["bruno", "bruno"], window=4) == []


def chunk(text: str, chunk_id: int, cosine: float) -> FoundChunk:
    return FoundChunk(
        ChunkId(uuid.UUID(int=chunk_id)), DocumentId(uuid.uuid4()), "Doc", text, None, None, cosine
    )


def test_proximity_weighs_each_close_pair_by_its_terms_rarity_over_their_distance() -> None:
    stats = TermStatistics(1000, {"bruno": 10, "jankowski": 10, "test": 900})
    designed, tested = chunk(DESIGNED_BY_BRUNO, 1, 0.5), chunk(TESTED_BY_BRUNO, 2, 0.5)
    at = RememberedPositions().of({c.chunk_id: c for c in (designed, tested)})
    wanted = query_terms(QUESTION)
    scores = Scoring(proximity_weight=1.0, proximity_window=4).proximity(wanted, at, stats)
    idf = Scoring().idf
    pair = idf("bruno", stats)  # bruno and jankowski: equally rare, side by side
    with_test = (idf("bruno", stats) + idf("test", stats)) / 2
    assert scores[designed.chunk_id] == pytest.approx(pair)
    assert scores[tested.chunk_id] == pytest.approx(pair + with_test / 2 + with_test / 3)
    off = Scoring(proximity_weight=0.0).proximity(wanted, at, stats)
    assert off == {designed.chunk_id: 0.0, tested.chunk_id: 0.0}


class _Fixed:
    """A retriever that finds the same candidates, by meaning and by words, every time."""

    def __init__(self, found: list[FoundChunk], stats: TermStatistics) -> None:
        self.found, self.stats = found, stats

    async def candidates(
        self, ws: WorkspaceId, wanted: list[str], vector: list[float] | None, limit: int
    ) -> Candidates:
        return Candidates(self.stats, self.found, self.found, counted(self.found, wanted))


async def test_the_page_that_says_who_tested_it_leads_where_the_words_alone_tie() -> None:
    # Same words, same cosine; the page saying "designed by Bruno" has the smaller id, so a
    # tie would put it first.
    designed, tested = chunk(DESIGNED_BY_BRUNO, 1, 0.5), chunk(TESTED_BY_BRUNO, 2, 0.5)
    other = chunk("The KE-1 drill was designed by Ana Szabo.", 3, 0.3)
    stats = TermStatistics(240, {"bruno": 6, "jankowski": 6, "jigsaw": 20, "test": 240})
    retriever = _Fixed([designed, tested, other], stats)
    search = HybridSearch(retriever, OneVectorEmbedder())  # type: ignore[arg-type]
    found = await search.search(WorkspaceId(uuid.uuid4()), QUESTION, 3)
    assert [c.chunk_id for c in found] == [tested.chunk_id, designed.chunk_id, other.chunk_id]
    plain = HybridSearch(retriever, OneVectorEmbedder(), Scoring(proximity_weight=0.0))  # type: ignore[arg-type]
    tied = await plain.search(WorkspaceId(uuid.uuid4()), QUESTION, 3)
    assert tied[0].chunk_id == designed.chunk_id


def test_positions_are_remembered_per_chunk_and_never_outlive_its_text() -> None:
    remembered = RememberedPositions(max_entries=2)
    pump = chunk("the pump, the pumps", 7, 0.5)
    first = remembered.of({pump.chunk_id: pump})[pump.chunk_id]
    assert first == {"the": (0, 2), "pump": (1, 3)}
    again = remembered.of({pump.chunk_id: replace(pump, score=0.1)})
    assert again[pump.chunk_id] is first
    rewritten = replace(pump, text="a hose")  # same id, new words
    assert remembered.of({pump.chunk_id: rewritten})[pump.chunk_id] == {"a": (0,), "hose": (1,)}
