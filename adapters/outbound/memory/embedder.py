"""A deterministic feature-hashing embedder: no model, for fast unit tests only."""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import Counter

from application.ports.embedder import EMBEDDING_DIMENSIONS

_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _bucket(feature: str) -> tuple[int, float]:
    # blake2b, not hash(): Python salts str hashes per process, and vectors are stored.
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    index = int.from_bytes(digest[:4], "big") % EMBEDDING_DIMENSIONS
    sign = 1.0 if digest[4] & 1 else -1.0
    return index, sign


def hash_embed(text: str) -> list[float]:
    """Signed feature hashing of word unigrams and bigrams, sublinear tf, unit length."""
    words = _words(text)
    features = Counter(f"w:{word}" for word in words)
    features.update(f"b:{left} {right}" for left, right in itertools.pairwise(words))
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for feature, tf in features.items():
        index, sign = _bucket(feature)
        vector[index] += sign * (1.0 + math.log(tf))
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:
        # Empty text (or features that cancel out) still needs a unit vector.
        vector = [0.0] * EMBEDDING_DIMENSIONS
        vector[0] = 1.0
        return vector
    return [x / norm for x in vector]


class HashingEmbedder:
    @property
    def name(self) -> str:
        return "hashing-384"

    async def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [hash_embed(text) for text in texts]

    async def embed_query(self, text: str) -> list[float]:
        return hash_embed(text)

    def count_tokens(self, text: str) -> int:
        return len(_words(text))
