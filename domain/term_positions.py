"""Where each term of a text stands, and which of a question's terms stand close together.

Two pages can hold the same words and answer different questions: "designed by Bruno
Jankowski ... field-tested by Dmitri Zamora" and "designed by Dmitri Wojcik ...
field-tested by Bruno Jankowski" both hold "bruno", "jankowski" and "test", but only the
second says who tested the tool. Terms of a question that stand close together in a
passage are more likely to be said of each other there; hybrid search counts them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.search_terms import terms

Positions = Mapping[str, Sequence[int]]


def positions_of(text: str) -> dict[str, tuple[int, ...]]:
    """Each term's positions in `text`, ascending, in the order `terms` reads them."""
    found: dict[str, list[int]] = {}
    for position, term in enumerate(terms(text)):
        found.setdefault(term, []).append(position)
    return {term: tuple(at) for term, at in found.items()}


def distance(first: Sequence[int], second: Sequence[int]) -> int:
    """The least gap between a position in `first` and one in `second` (both ascending)."""
    i = j = 0
    best = abs(first[0] - second[0])
    while i < len(first) and j < len(second):
        best = min(best, abs(first[i] - second[j]))
        if first[i] < second[j]:
            i += 1
        else:
            j += 1
    return best


def close_pairs(
    positions: Positions, query: Sequence[str], window: int
) -> list[tuple[str, str, int]]:
    """Pairs of distinct query terms that occur within `window` terms of each other, with
    their least distance. (The parts of a code, "e" and "2047" of "E-2047", stand beside
    it and count as pairs too: a page holding the code whole is the closer match.)"""
    present = [t for t in dict.fromkeys(query) if positions.get(t)]
    pairs = []
    for n, first in enumerate(present):
        for second in present[n + 1 :]:
            gap = distance(positions[first], positions[second])
            if gap <= window:
                pairs.append((first, second, gap))
    return pairs
