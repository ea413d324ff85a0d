"""The query map's blend and ridge, swept on one shipped set in the real pipeline (issue 11):
`python -m benchmarks.query_map SET [--teacher DIR] [--ridge ...] [--blend ...]`.

The set is ingested into memory storage (`ccgpt eval`'s steps), the teacher (the
production `TeacherProcess`, installed by `ccgpt prepare`) embeds its chunks, and for each
ridge and blend a `HybridSearch` with a map fitted by the production arithmetic
(`adapters.outbound.query_map.mapping`) is evaluated beside the plain one. Nothing is
stored. SET is `support_corpus`, `catalogue` or `faq`; a set with fewer chunks than the
embedder's dimensions gets no map, as in production (README, "Retrieval quality").
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import msgspec
import numpy as np

from adapters.inbound.cli.evaluate import Question, evaluate, format_table, load_questions
from adapters.outbound.query_map import mapping
from adapters.outbound.teacher.model import TeacherProcess
from application.search import HybridSearch, Scoring, SearchMode
from bootstrap.container import build_container, start, stop
from bootstrap.eval_command import _faq_corpus, _folder, _fresh_workspace, _ingest
from bootstrap.settings import load_settings
from domain.chunking import with_heading
from domain.ids import ChunkId, WorkspaceId
from domain.knowledge import Chunk

BENCHMARKS = Path(__file__).resolve().parent


class FittedMap:
    """`QueryMaps` over teacher vectors held here, with a map fitted at a given ridge: the
    production arithmetic (`adapters.outbound.query_map.mapping`) without storing anything."""

    def __init__(self, teacher: dict[ChunkId, np.ndarray], matrix: np.ndarray) -> None:
        self._teacher, self._matrix = teacher, matrix

    async def cosines(
        self, workspace_id: WorkspaceId, query: list[float], chunk_ids: list[ChunkId]
    ) -> dict[ChunkId, float]:
        ids = [c for c in chunk_ids if c in self._teacher]
        rows = np.vstack([self._teacher[c] for c in ids]) if ids else np.zeros((0, 768))
        return dict(zip(ids, mapping.cosines(self._matrix, query, rows).tolist(), strict=True))


def the_set(name: str) -> tuple[list[tuple[str, bytes]], list[Question]]:
    if name == "faq":
        return _faq_corpus()
    folder = BENCHMARKS / name
    return _folder(folder / "docs"), load_questions(folder / "questions.jsonl")


async def measure(args: argparse.Namespace) -> None:
    settings = load_settings(
        {
            "CCGPT_STORAGE": "memory",
            "CCGPT_EMBEDDER": "local",
            "CCGPT_DATA_DIR": tempfile.mkdtemp(prefix="ccgpt-query-map-"),
            "CCGPT_LOG_LEVEL": "warning",
            "CCGPT_QUERY_MAP": "off",  # the teacher runs here, once, not in the worker too
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
        teacher_model = TeacherProcess(args.teacher)
        try:
            vectors = np.asarray(
                await teacher_model.embed([with_heading(c.heading, c.text) for c in chunks]),
                dtype=np.float32,
            )
        finally:
            await teacher_model.release()
        print(
            f"{args.set}: {len(chunks)} chunks, teacher vectors in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        students = np.asarray([c.embedding for c in chunks], dtype=np.float32)
        teacher = {
            c.id: np.asarray(v, dtype=np.float32) for c, v in zip(chunks, vectors, strict=True)
        }
        embedder, retriever = container.embedder(), container.retriever()
        plain = HybridSearch(retriever, embedder)
        baseline = await evaluate(plain, owner.workspace_id, questions)
        print(format_table(baseline, len(questions), []), flush=True)
        for ridge in args.ridge:
            matrix = mapping.fit(students, vectors, ridge_per_500=ridge)
            if matrix is None:
                print(f"{len(chunks)} chunks: fewer than the embedder's dimensions, no map")
                break
            for blend in args.blend:
                search = HybridSearch(
                    retriever,
                    embedder,
                    Scoring(map_blend=blend),
                    query_maps=FittedMap(teacher, matrix),
                )
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
    parser.add_argument("--teacher", type=Path, default=load_settings({}, None).teacher_model_dir)
    parser.add_argument("--ridge", type=float, nargs="+", default=[0.1])
    parser.add_argument("--blend", type=float, nargs="+", default=[0.5, 0.7])
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
