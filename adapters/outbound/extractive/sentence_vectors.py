"""Sentence vectors remembered: the same passages answer many questions, and embedding their
sentences again for each answer cost more than the rest of the answer together.

Keyed by the chunk a sentence is in as well as its text, so a workspace only ever reuses its
own vectors (nobody can time whether another tenant holds a sentence); a chunk's text never
changes under its id. Misses of one answer are embedded in one batch."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import numpy.typing as npt

from application.ports.embedder import Embedder
from domain.ids import ChunkId

# 384 float32 values are 1.5 KiB: the default bound is ~24 MiB.
DEFAULT_ENTRIES = 16_384

Key = tuple[ChunkId, str]
Vector = npt.NDArray[np.float32]


class SentenceVectors:
    def __init__(self, embedder: Embedder, max_entries: int = DEFAULT_ENTRIES) -> None:
        self._embedder, self._max = embedder, max_entries
        self._vectors: OrderedDict[Key, Vector] = OrderedDict()

    async def cosines(self, query: list[float], sentences: list[Key]) -> list[float]:
        """The dot product of `query` with each (chunk, sentence text)'s vector: the cosine,
        both being unit length."""
        if not sentences:
            return []
        known = {key: self._vectors[key] for key in sentences if key in self._vectors}
        missing = list(dict.fromkeys(key for key in sentences if key not in known))
        if missing:
            embedded = await self._embedder.embed_documents([text for _, text in missing])
            for key, values in zip(missing, embedded, strict=True):
                known[key] = np.asarray(values, dtype=np.float32)
        for key, vector in known.items():
            self._remember(key, vector)
        matrix = np.stack([known[key] for key in sentences])
        products: list[float] = (matrix @ np.asarray(query, dtype=np.float32)).tolist()
        return products

    def _remember(self, key: Key, vector: Vector) -> None:
        if self._max <= 0:
            return
        self._vectors[key] = vector
        self._vectors.move_to_end(key)
        if len(self._vectors) > self._max:
            self._vectors.popitem(last=False)
