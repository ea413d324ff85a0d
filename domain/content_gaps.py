"""Content gaps: questions the documents did not serve, grouped by what they mean."""

from __future__ import annotations

import math
from collections.abc import Sequence

# Cosine between two questions' embeddings above which they ask the same thing. Measured
# with all-MiniLM-L6-v2: paraphrases ("where is my parcel" / "where's my package") score
# 0.7-0.9, different questions on one topic 0.3-0.6.
SAME_MEANING = 0.7


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def group_by_meaning(count: int, close: set[tuple[int, int]]) -> list[list[int]]:
    """Greedy leader clustering of questions 0..count-1, in that order (most asked first):
    each joins the first group whose leader it is close to (`close` holds the pairs i < j
    that mean the same), or leads a new one. Deterministic, and a group's label is always
    its most asked question."""
    groups: list[list[int]] = []
    for i in range(count):
        home = next((g for g in groups if (g[0], i) in close), None)
        if home is None:
            groups.append([i])
        else:
            home.append(i)
    return groups
