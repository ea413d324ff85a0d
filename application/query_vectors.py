"""Embeddings of analytics questions, remembered: a gap report embeds each question once."""

from __future__ import annotations

from collections import OrderedDict

from application.ports.embedder import Embedder

MAX_REMEMBERED = 50_000


class QueryVectors:
    """A bounded, least-recently-used memory of question -> vector for one embedder."""

    def __init__(self, embedder: Embedder, max_size: int = MAX_REMEMBERED) -> None:
        self._embedder, self._max = embedder, max_size
        self._known: OrderedDict[tuple[str, str], list[float]] = OrderedDict()

    async def of(self, queries: list[str]) -> list[list[float]]:
        name = self._embedder.name
        missing = [q for q in dict.fromkeys(queries) if (name, q) not in self._known]
        if missing:
            for query, vector in zip(
                missing, await self._embedder.embed_documents(missing), strict=True
            ):
                self._known[(name, query)] = vector
        vectors = []
        for query in queries:
            self._known.move_to_end((name, query))
            vectors.append(self._known[(name, query)])
        while len(self._known) > self._max:
            self._known.popitem(last=False)
        return vectors
