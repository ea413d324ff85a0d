"""Retriever port: the candidates hybrid search fuses, read from one workspace at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from domain.ids import ChunkId, WorkspaceId
from domain.knowledge import FoundChunk
from domain.search_terms import TermCounts


@dataclass(frozen=True, slots=True)
class TermStatistics:
    """How many chunks the workspace has, and in how many each term occurs (for IDF)."""

    chunks: int
    document_frequency: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Candidates:
    """Everything one hybrid search needs from the store, read in one go.

    `nearest`: the best chunks by cosine similarity, best first (score = similarity =
    cosine). `matching`: the best chunks holding an informative query term, best first by
    the summed keyword weight of the terms they hold (score = that sum, ties by chunk id),
    each with its true cosine as `similarity` (None when no vector was given). `counts`:
    for every chunk of both lists, how often each asked term occurs in it (as
    `domain.search_terms.chunk_term_counts` counts) and its length in terms."""

    statistics: TermStatistics
    nearest: list[FoundChunk]
    matching: list[FoundChunk]
    counts: Mapping[ChunkId, TermCounts]


class Retriever(Protocol):
    """Searches one workspace's chunks; never returns another workspace's."""

    async def nearest(
        self, workspace_id: WorkspaceId, vector: list[float], limit: int
    ) -> list[FoundChunk]:
        """By cosine similarity (score = similarity), best first, exact for small tenants."""
        ...

    async def candidates(
        self, workspace_id: WorkspaceId, terms: list[str], vector: list[float] | None, limit: int
    ) -> Candidates:
        """The term statistics of `terms` (exact counts kept up to date at ingestion, no scan
        of the chunks) and up to `limit` candidates of each kind, in one reading.

        Keyword candidates are the chunks holding a term of `application.search.
        finding_terms` (the rarest informative terms, within a budget of chunks), scored by
        the `keyword_weights` of those statistics (the BM25 IDF of each informative term,
        in at most half of the chunks; every term when none is) of all terms they hold.
        Terms match as `domain.search_terms.chunk_terms` makes them. Without a vector,
        `nearest` is empty."""
        ...
