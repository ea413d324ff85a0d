"""Reranker port: a stronger, slower model that reorders the best few hybrid results."""

from __future__ import annotations

from typing import Protocol

from domain.errors import ServiceUnavailable


class RerankerUnavailable(ServiceUnavailable):
    """The reranker failed, timed out or is switched off by its circuit breaker."""

    title = "Reranker unavailable"


class Reranker(Protocol):
    @property
    def name(self) -> str: ...

    async def scores(self, query: str, documents: list[str]) -> list[float]:
        """One relevance score per document, in the documents' order (higher is better);
        raises RerankerUnavailable on any failure."""
        ...
