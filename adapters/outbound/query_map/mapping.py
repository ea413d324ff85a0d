"""The query map's arithmetic, shared by the memory and PostgreSQL adapters.

A ridge regression from the embedder's vectors of a workspace's chunks to the teacher's
vectors of the same chunks: W = (AᵀA + λI)⁻¹ AᵀT, with λ = RIDGE_PER_500 per 500 chunks
(the Gram matrix grows with the chunks; `python -m benchmarks.query_map` measured 0.1 on the
FAQ, the catalogue and the support corpus, README "Retrieval quality"). A question q is
mapped to qW and compared by cosine with each candidate's teacher vector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

RIDGE_PER_500 = 0.1


def fit(
    students: np.ndarray, teachers: np.ndarray, ridge_per_500: float = RIDGE_PER_500
) -> np.ndarray | None:
    """The map (student dimensions x teacher dimensions), float32; None with fewer chunks
    than the student has dimensions. Then each of the teacher's dimensions would be fitted
    on fewer equations than unknowns, and the map only smooths over the few chunks there
    are: on the 108-chunk support corpus it cost 0.009 of hybrid MRR@10 and 0.06 of the
    answer-sentence accuracy (README, "Retrieval quality")."""
    sums = FitSums()
    sums.add(students, teachers)
    return sums.solve(ridge_per_500)


class FitSums:
    """What the fit needs of a workspace's chunks, AᵀA and AᵀT, summed a batch at a time:
    a refit holds one batch of vectors, not every chunk's (10,000 chunks at once took
    ~100 MB that the process kept; issue 14's RSS soak)."""

    def __init__(self) -> None:
        self.count = 0
        self._gram: np.ndarray | None = None
        self._cross: np.ndarray | None = None

    def add(self, students: np.ndarray, teachers: np.ndarray) -> None:
        a = students.astype(np.float64)
        gram, cross = a.T @ a, a.T @ teachers.astype(np.float64)
        self._gram = gram if self._gram is None else self._gram + gram
        self._cross = cross if self._cross is None else self._cross + cross
        self.count += len(students)

    def solve(self, ridge_per_500: float = RIDGE_PER_500) -> np.ndarray | None:
        if self._gram is None or self._cross is None or self.count < self._gram.shape[0]:
            return None
        ridge = ridge_per_500 * self.count / 500
        gram = self._gram + ridge * np.eye(self._gram.shape[0])
        mapping: np.ndarray = np.linalg.solve(gram, self._cross)
        return mapping.astype(np.float32)


def cosines(mapping: np.ndarray, query: list[float], teachers: np.ndarray) -> np.ndarray:
    """Each teacher row's cosine to the mapped query (rows are unit vectors)."""
    mapped = np.asarray(query, dtype=np.float32) @ mapping
    norm = float(np.linalg.norm(mapped))
    if norm == 0.0 or len(teachers) == 0:
        return np.zeros(len(teachers), dtype=np.float32)
    result: np.ndarray = teachers @ (mapped / norm)
    return result


def teacher_rows(packed: Iterable[bytes], dimensions: int) -> np.ndarray:
    """Teacher vectors stored as one float16 row each (`PackedVectors`)."""
    rows = [np.frombuffer(p, dtype="<f2", count=dimensions) for p in packed]
    if not rows:
        return np.zeros((0, dimensions), dtype=np.float32)
    return np.vstack(rows).astype(np.float32)


def fingerprint(chunk_ids: Iterable[object]) -> str:
    """Which chunks a map was fitted on (it is stale when they change): the MD5 of their
    ids in order, comma-separated, as PostgreSQL's `md5(string_agg(...))` computes it."""
    joined = ",".join(sorted(str(c) for c in chunk_ids))
    return hashlib.md5(joined.encode(), usedforsecurity=False).hexdigest()


def pack_matrix(mapping: np.ndarray) -> bytes:
    return mapping.astype("<f4").tobytes()


def unpack_matrix(packed: bytes, rows: int) -> np.ndarray:
    flat = np.frombuffer(packed, dtype="<f4")
    return flat.reshape(rows, len(flat) // rows).astype(np.float32)
